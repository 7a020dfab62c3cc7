// A database of its own for each test file: tests never see another file's rows.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { startEmbeddedDatabase } from '../../src/db/embedded.js';
import { EMBEDDED_RESERVED_CONNECTIONS, openDatabase, type Database } from '../../src/db/orm.js';
import { adminUrl, withDatabaseName } from './urls.js';

export interface TestDatabase {
  db: Database;
  config: Config;
  /** 'server' or 'embedded', for the odd test that differs. */
  kind: Database['kind'];
  close(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** false: an empty database with no tables (for migration tests). Default: migrated and seeded. */
  prepared?: boolean;
  config?: Partial<Config>;
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent' }), ...overrides };
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const prepared = options.prepared ?? true;
  const config = testConfig(options.config);
  const serverUrl = inject('serverUrl');
  if (serverUrl) {
    const template = inject('templateDb');
    const name = `${template}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl(serverUrl) });
    await admin.connect();
    await admin.query(prepared ? `create database "${name}" template "${template}"` : `create database "${name}"`);
    await admin.end();
    const db = await openDatabase(config, { url: withDatabaseName(serverUrl, name) });
    return {
      db,
      config,
      kind: 'server',
      async close() {
        await db.close();
        const a = new pg.Client({ connectionString: adminUrl(serverUrl) });
        await a.connect();
        await a.query(`drop database if exists "${name}" with (force)`);
        await a.end();
      },
    };
  }
  const dump = inject('templateDump');
  const embedded = await startEmbeddedDatabase({
    maxConnections: config.dbPoolSize + EMBEDDED_RESERVED_CONNECTIONS,
    ...(prepared && dump ? { loadDataDir: new Blob([fs.readFileSync(dump)]) } : {}),
  });
  const db = await openDatabase(config, { embedded });
  return {
    db,
    config,
    kind: 'embedded',
    async close() {
      await db.close();
      await embedded.stop();
    },
  };
}
