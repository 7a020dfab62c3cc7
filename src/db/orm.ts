// Opens the database the configuration names: a PostgreSQL server, or the embedded one.
import path from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../../mikro-orm.config.js';
import type { Config } from '../config.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.js';

export interface Database {
  orm: MikroORM;
  /** 'server' when DATABASE_URL is set, 'embedded' for PGlite. */
  kind: 'server' | 'embedded';
  url: string;
  embedded?: EmbeddedDatabase;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Overrides for tests: an already running embedded database or another URL. */
  url?: string;
  embedded?: EmbeddedDatabase;
  debug?: boolean;
}

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolSize'>,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  let embedded = options.embedded;
  let url = options.url ?? config.databaseUrl;
  let poolSize = config.dbPoolSize;
  let ownsEmbedded = false;
  if (!url && !embedded) {
    embedded = await startEmbeddedDatabase({ dataDir: path.join(config.dataDir, 'db'), maxConnections: poolSize });
    ownsEmbedded = true;
  }
  if (embedded) {
    url = embedded.url;
    // Each pooled connection takes one of the socket server's slots; more would be refused.
    poolSize = Math.min(poolSize, embedded.maxConnections);
  }
  try {
    const orm = await MikroORM.init(ormOptions({ clientUrl: url!, poolSize, debug: options.debug }));
    return {
      orm,
      kind: embedded ? 'embedded' : 'server',
      url: url!,
      embedded,
      async close() {
        await orm.close(true);
        if (ownsEmbedded) await embedded!.stop();
      },
    };
  } catch (err) {
    if (ownsEmbedded) await embedded!.stop();
    throw err;
  }
}
