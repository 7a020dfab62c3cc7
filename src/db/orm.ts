// Opens the database the configuration names: a PostgreSQL server, or the embedded one.
import path from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../../mikro-orm.config.js';
import type { Config } from '../config.js';
import type { EmbeddedDatabase } from './embedded.js';

/** How long the pool keeps an idle connection open. */
export const POOL_IDLE_MS = 60_000;

/** Socket-server slots kept free of the pool, for lock sessions and the like. */
export const EMBEDDED_RESERVED_CONNECTIONS = 4;

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
    // A few slots beyond the pool: advisory-lock sessions and operator commands hold their own connections.
    // Loaded only here: PGlite's module is ~10 MB of memory a server-backed service never uses.
    const { startEmbeddedDatabase } = await import('./embedded.js');
    embedded = await startEmbeddedDatabase({ dataDir: path.join(config.dataDir, 'db'), maxConnections: poolSize + EMBEDDED_RESERVED_CONNECTIONS });
    ownsEmbedded = true;
  }
  if (embedded) {
    url = embedded.url;
    // Each pooled connection takes one of the socket server's slots; more would be refused.
    poolSize = Math.max(1, Math.min(poolSize, embedded.maxConnections - EMBEDDED_RESERVED_CONNECTIONS));
  }
  try {
    const base = ormOptions({ clientUrl: url!, poolSize, debug: options.debug });
    // pg closes a connection idle for 10 s by default, and the next burst (a message while the outbox and the
    // inbox sweep hold the warm ones) pays for a new one: a backend start and authentication, 5–25 ms on the
    // request that needed it. Idle connections are kept a minute instead (never more than poolSize of them).
    const orm = await MikroORM.init({ ...base, pool: { ...base.pool, idleTimeoutMillis: POOL_IDLE_MS } });
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
