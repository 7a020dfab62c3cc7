// A migration on a live database: plan with row estimates, a verified backup first in production, a lock
// timeout, rollback to a named migration, and a failing migration leaving the database exactly as before.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ormOptions } from '../../mikro-orm.config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { AppError } from '../../src/errors.js';
import { migrateDownTo, migrateUp, migrationStatus, schemaDrift } from '../../src/db/schema.js';
import { sha256File } from '../../src/ops/backup/files.js';
import { migrateSafely, migrationPlan } from '../../src/ops/safe-migrate.js';
import { tableChecksums } from '../../src/ops/tables.js';
import { ormSql, type RunSql } from '../../src/ops/validation/validate.js';
import { buildLedger } from '../ops/ledger-fixture.js';
import { errorOf } from '../support/errors.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'migrations-failing');

/** Everything a migration could change: rows of every table, columns, constraints, indexes, applied migrations. */
async function snapshot(run: RunSql) {
  return {
    rows: await tableChecksums(run),
    columns: await run(
      `select table_name, column_name, data_type, is_nullable from information_schema.columns where table_schema = 'public' order by 1, 2`,
    ),
    constraints: await run(`select conname from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = 'public' order by 1`),
    indexes: await run(`select indexname from pg_indexes where schemaname = 'public' order by 1`),
  };
}

describe('safe migrations', () => {
  let t: TestDatabase;
  let run: RunSql;
  let fixtureOrm: MikroORM;
  let dir: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    run = ormSql(t.db.orm);
    await buildLedger(run);
    const base = ormOptions({ clientUrl: t.db.url, poolSize: 2 });
    fixtureOrm = await MikroORM.init({ ...base, migrations: { ...base.migrations, path: FIXTURES, pathTs: FIXTURES } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-migrate-'));
  });
  afterAll(async () => {
    await fixtureOrm?.close(true);
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const production = () => ({ nodeEnv: 'production' as const, migrateBackup: true, migrateLockTimeoutMs: 10_000, backupDir: dir });

  it('plans the pending migrations with the rows of the tables they touch', async () => {
    await run('analyze farmers');
    await run('analyze daily_entries');
    const plan = await migrationPlan(fixtureOrm);
    expect(plan.migrations.map((m) => m.name)).toEqual(['Migration29990101000000_add_farmer_nickname', 'Migration29990101000001_fails_halfway']);
    expect(plan.migrations.map((m) => m.tables)).toEqual([['farmers'], ['daily_entries', 'farmers']]);
    // farmer_nicknames does not exist yet, so it has no rows to estimate.
    expect(plan.tables).toEqual([
      { table: 'daily_entries', rows: 6, exact: false },
      { table: 'farmers', rows: 3, exact: false },
    ]);
  });

  it('a migration that fails halfway leaves the database exactly as before, after a verified backup', async () => {
    const before = await snapshot(run);
    const executedBefore = (await migrationStatus(t.db.orm)).executed;
    const lines: string[] = [];
    const err = await errorOf(migrateSafely({ ...t.db, orm: fixtureOrm }, production(), { print: (l) => lines.push(l) }));
    expect(err.code).toBe('MIGRATION_FAILED');
    expect(err.message).toContain('rolled back; the database is as it was before');
    expect(err.message).toContain('farmers_name_short');
    expect(await snapshot(run)).toEqual(before);
    expect((await migrationStatus(t.db.orm)).executed).toEqual(executedBefore);

    const backups = fs.readdirSync(dir).filter((f) => /^malar-\d{8}T\d{6}Z\.(dump|tar\.gz)$/.test(f));
    expect(backups).toHaveLength(1);
    const file = path.join(dir, backups[0]!);
    expect(fs.readFileSync(`${file}.sha256`, 'utf8').split(/\s+/)[0]).toBe(await sha256File(file));
    expect(err.message).toContain(file);
    expect(lines.join('\n')).toContain('Plan: 2 migration(s)');
  });

  it('takes no backup when it is turned off or outside production', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-migrate-off-'));
    try {
      await errorOf(migrateSafely({ ...t.db, orm: fixtureOrm }, { ...production(), backupDir: empty, migrateBackup: false }));
      await errorOf(migrateSafely({ ...t.db, orm: fixtureOrm }, { ...production(), backupDir: empty }, { backup: false }));
      await errorOf(migrateSafely({ ...t.db, orm: fixtureOrm }, { ...production(), backupDir: empty, nodeEnv: 'development' }));
      expect(fs.readdirSync(empty)).toEqual([]);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  // PGlite serves every connection from one backend, so one session cannot block another there.
  it.runIf(Boolean(process.env.DATABASE_URL))('gives up after the lock timeout instead of queueing behind a long transaction', async () => {
    const blocker = new pg.Client({ connectionString: t.db.url });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table farmers in access share mode');
      const err = await errorOf(migrateSafely({ ...t.db, orm: fixtureOrm }, { ...production(), migrateBackup: false, migrateLockTimeoutMs: 300 }));
      expect(err.code).toBe('MIGRATION_FAILED');
      expect(err.message).toContain('lock timeout');
      expect(err.message).toContain('waited 0.3 s');
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    expect(await run(`select column_name from information_schema.columns where table_name = 'farmers' and column_name = 'nickname'`)).toEqual([]);
  });

  it('rolls back to a named migration, and forward again', async () => {
    const executed = (await migrationStatus(t.db.orm)).executed;
    const target = executed.at(-3)!;
    const reverted = await migrateDownTo(t.db.orm, target);
    expect(reverted).toEqual([executed.at(-1), executed.at(-2)]);
    const after = await migrationStatus(t.db.orm);
    expect(after.executed.at(-1)).toBe(target);
    expect(after.pending).toEqual(executed.slice(-2));
    expect(await migrateDownTo(t.db.orm, target)).toEqual([]);
    expect(await migrateUp(t.db.orm)).toEqual(executed.slice(-2));
    expect(await schemaDrift(t.db.orm)).toBe('');
  });
});
