import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startEmbeddedDatabase } from '../../src/db/embedded.js';
import { openDatabase } from '../../src/db/orm.js';
import { AppError } from '../../src/errors.js';
import { backupDatabase } from '../../src/ops/backup/backup.js';
import { backupFileName, sha256File } from '../../src/ops/backup/files.js';
import { databaseName, restoreBackup, withDatabase } from '../../src/ops/backup/restore.js';
import { rowCounts, tableChecksums } from '../../src/ops/tables.js';
import { ormSql, type RunSql } from '../../src/ops/validation/validate.js';
import { buildLedger } from './ledger-fixture.js';
import { errorOf } from '../support/errors.js';

describe('backup and restore', () => {
  let t: TestDatabase;
  let dir: string;
  let live: RunSql;
  const dropAfter: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    live = ormSql(t.db.orm);
    await buildLedger(live);
    // The buyers' book too: B901 bought 2 kg × 100.00 = 200.00 and paid 50.00 of it: owes 150.00.
    await live(`insert into buyers (buyer_code, name, current_balance) values ('B901', 'Backup buyer', 150.00)`);
    await live(`insert into sales (buyer_id, flower_type_id, sale_date, sale_time, quantity, unit, rate_per_unit, gross_amount, total_amount)
                select b.id, f.id, '2025-06-02', '2025-06-02T01:00:00Z', 2, 'kg', 100, 200, 200 from buyers b, flower_types f
                 where b.buyer_code = 'B901' and f.code = 'FLW002'`);
    await live(`insert into collections (buyer_id, amount, mode, collection_date, collected_at)
                select id, 50, 'cash', '2025-06-03', '2025-06-03T01:00:00Z' from buyers where buyer_code = 'B901'`);
    await live(
      `insert into collection_allocations (collection_id, sale_id, amount) select c.id, s.id, 50 from collections c join sales s using (buyer_id)`,
    );
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-backup-'));
  });
  afterAll(async () => {
    if (t?.kind === 'server') {
      const admin = new pg.Client({ connectionString: t.db.url });
      await admin.connect();
      for (const name of dropAfter) await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Row counts and checksums of a restored database, opened on its own. */
  async function contentsOf(target: string) {
    if (t.kind === 'server') {
      const db = await openDatabase(t.config, { url: withDatabase(t.db.url, target) });
      try {
        return { counts: await rowCounts(ormSql(db.orm)), sums: await tableChecksums(ormSql(db.orm)) };
      } finally {
        await db.close();
      }
    }
    const embedded = await startEmbeddedDatabase({ dataDir: target, maxConnections: 5 });
    const db = await openDatabase({ ...t.config, dbPoolSize: 1 }, { embedded });
    try {
      return { counts: await rowCounts(ormSql(db.orm)), sums: await tableChecksums(ormSql(db.orm)) };
    } finally {
      await db.close();
      await embedded.stop();
    }
  }

  const restoreOptions = (file: string, into?: string) => (t.kind === 'server' ? { file, into, liveUrl: t.db.url } : { file, into });
  const restoreConfig = () => ({ ...t.config, dataDir: dir });
  const newName = () => {
    const name = `${databaseName(t.db.url)}_r${randomBytes(3).toString('hex')}`;
    dropAfter.push(name);
    return name;
  };

  it('restores a backup into a new database with the same rows, table by table', async () => {
    const backup = await backupDatabase(t.db, dir, new Date('2026-11-25T02:00:00Z'));
    expect(path.basename(backup.file)).toBe(t.kind === 'server' ? 'malar-20261125T020000Z.dump' : 'malar-20261125T020000Z.tar.gz');
    expect(backup.bytes).toBe(fs.statSync(backup.file).size);
    expect(backup.sha256).toBe(await sha256File(backup.file));
    expect(fs.readFileSync(`${backup.file}.sha256`, 'utf8')).toBe(`${backup.sha256}  ${path.basename(backup.file)}\n`);

    const into = t.kind === 'server' ? newName() : undefined;
    const result = await restoreBackup(restoreConfig(), restoreOptions(backup.file, into));
    expect(result.checksum).toBe('match');
    expect(result.countsMatch).toBe(true);
    expect(result.validation.ok).toBe(true);
    // The fixture's six entries and two settlements are in the dump's counts and in the restored database.
    expect(result.counts.find((c) => c.table === 'daily_entries')).toEqual({ table: 'daily_entries', dump: 6, restored: 6 });
    expect(result.counts.find((c) => c.table === 'settlements')).toEqual({ table: 'settlements', dump: 2, restored: 2 });
    for (const table of ['buyers', 'sales', 'collections', 'collection_allocations'])
      expect(result.counts.find((c) => c.table === table)).toEqual({ table, dump: table === 'buyers' ? 4 : 1, restored: table === 'buyers' ? 4 : 1 });

    const restored = await contentsOf(result.target);
    expect(restored.counts).toEqual(await rowCounts(live));
    expect(restored.sums).toEqual(await tableChecksums(live));
  });

  it('refuses a truncated backup with a clear error and leaves the live database untouched', async () => {
    const backup = await backupDatabase(t.db, dir, new Date('2026-11-25T03:00:00Z'));
    const before = await tableChecksums(live);
    const size = fs.statSync(backup.file).size;
    fs.truncateSync(backup.file, Math.floor(size / 2));

    // With the checksum written at backup time, the damage is found before anything else is read.
    const damaged = await errorOf(restoreBackup(restoreConfig(), restoreOptions(backup.file, t.kind === 'server' ? newName() : 'damaged')));
    expect(damaged.code).toBe('BACKUP_DAMAGED');
    expect(damaged.message).toContain('damaged or incomplete');

    // Without it, reading the archive back fails just as clearly.
    fs.rmSync(`${backup.file}.sha256`);
    const into = t.kind === 'server' ? newName() : 'truncated';
    const unreadable = await errorOf(restoreBackup(restoreConfig(), restoreOptions(backup.file, into)));
    expect(unreadable.code).toBe('BACKUP_UNREADABLE');
    expect(unreadable.message).toContain(backup.file);

    expect(await tableChecksums(live)).toEqual(before);
    if (t.kind === 'server') {
      const rows = await live('select count(*)::int as n from pg_database where datname = ?', [into]);
      expect(rows).toEqual([{ n: 0 }]);
    } else {
      expect(fs.existsSync(path.join(dir, into))).toBe(false);
    }
  });

  it('never restores over the live database without --force', async () => {
    const backup = await backupDatabase(t.db, dir, new Date('2026-11-25T04:00:00Z'));
    const into = t.kind === 'server' ? databaseName(t.db.url) : 'db';
    const refused = await errorOf(restoreBackup(restoreConfig(), restoreOptions(backup.file, into)));
    expect(refused.code).toBe('RESTORE_LIVE_REFUSED');
  });

  it('keeps backups for backup_retention_days, judged by the time in their names', async () => {
    const retention = fs.mkdtempSync(path.join(dir, 'retention-'));
    const old = backupFileName(t.kind === 'server' ? 'pg_dump' : 'pglite', new Date('2026-10-01T02:00:00Z'));
    const recent = backupFileName(t.kind === 'server' ? 'pg_dump' : 'pglite', new Date('2026-11-20T02:00:00Z'));
    for (const name of [old, `${old}.sha256`, recent, 'notes.txt']) fs.writeFileSync(path.join(retention, name), 'x');
    const backup = await backupDatabase(t.db, retention, new Date('2026-11-25T05:00:00Z'));
    expect(backup.retentionDays).toBe(30);
    expect(backup.removed).toEqual([old]);
    expect(fs.readdirSync(retention).sort()).toEqual(
      [path.basename(backup.file), `${path.basename(backup.file)}.sha256`, 'notes.txt', recent].sort(),
    );
  });
});
