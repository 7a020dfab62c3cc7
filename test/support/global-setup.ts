// Once per test run: a migrated, seeded database that every test file copies from.
// On a server (DATABASE_URL set) it is a template database; embedded, it is a PGlite data-directory dump.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.js';
import { startEmbeddedDatabase } from '../../src/db/embedded.js';
import { openDatabase } from '../../src/db/orm.js';
import { migrateUp } from '../../src/db/schema.js';
import { seedReference } from '../../seeds/ReferenceSeeder.js';
import { randomBytes } from 'node:crypto';
import { adminUrl, withDatabaseName } from './urls.js';
import pg from 'pg';

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string | null;
    /** Template database of this run; test databases are named after it, so parallel runs never collide. */
    templateDb: string;
    templateDump: string | null;
  }
}

export default async function setup(project: TestProject) {
  const TEMPLATE_DB = `malar_t_${randomBytes(4).toString('hex')}`;
  project.provide('templateDb', TEMPLATE_DB);
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  if (config.databaseUrl) {
    const admin = new pg.Client({ connectionString: adminUrl(config.databaseUrl) });
    await admin.connect();
    await admin.query(`create database "${TEMPLATE_DB}"`);
    await admin.end();
    const db = await openDatabase(config, { url: withDatabaseName(config.databaseUrl, TEMPLATE_DB) });
    await migrateUp(db.orm);
    await seedReference(db.orm, config);
    await db.close();
    project.provide('serverUrl', config.databaseUrl);
    project.provide('templateDump', null);
    return async () => {
      const a = new pg.Client({ connectionString: adminUrl(config.databaseUrl!) });
      await a.connect();
      await a.query(`drop database if exists "${TEMPLATE_DB}" with (force)`);
      await a.end();
    };
  }
  const embedded = await startEmbeddedDatabase({ maxConnections: 6 });
  const db = await openDatabase(config, { embedded });
  await migrateUp(db.orm);
  await seedReference(db.orm, config);
  await db.close();
  const dump = await embedded.db.dumpDataDir('none');
  await embedded.stop();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'malar-test-')), 'template.tar');
  fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('serverUrl', null);
  project.provide('templateDump', file);
  return () => fs.rmSync(path.dirname(file), { recursive: true, force: true });
}
