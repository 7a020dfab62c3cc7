// The bad-UPDATE story: `update farmers set name = 'x'` at 10:40, repaired from the morning's backup, one table.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { AppError } from '../../src/errors.js';
import { backupDatabase } from '../../src/ops/backup/backup.js';
import { restoreTable } from '../../src/ops/backup/table-restore.js';
import { tableChecksums } from '../../src/ops/tables.js';
import { ormSql, type RunSql } from '../../src/ops/validation/validate.js';
import { buildLedger } from './ledger-fixture.js';
import { errorOf } from '../support/errors.js';

describe('restoring one table into the live database', () => {
  let t: TestDatabase;
  let run: RunSql;
  let dir: string;
  let morning: string;
  const names = async () => (await run(`select farmer_code, name from farmers order by farmer_code`)).map((r) => `${r.farmer_code} ${r.name}`);
  let before: string[];

  beforeAll(async () => {
    t = await createTestDatabase();
    run = ormSql(t.db.orm);
    await buildLedger(run);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-table-'));
    before = await names();
    morning = (await backupDatabase(t.db, dir)).file;
  });
  afterAll(async () => {
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows, then repairs, a wrong UPDATE of every farmer name; every other table untouched', async () => {
    expect(before).toEqual(['FAR001 Raj Kumar', 'FAR002 Kumar Raja', 'FAR003 Muthu Pandi']);
    await run(`update farmers set name = 'x'`);
    const othersBefore = await tableChecksums(run);

    const preview = await restoreTable(t.db, { file: morning, table: 'farmers' });
    expect(preview.applied).toBe(false);
    expect(preview.diff).toMatchObject({ table: 'farmers', key: ['id'], liveRows: 3, backupRows: 3, added: 0, removed: 0, changed: 3 });
    expect(preview.diff.examples.changed.map((c) => c.columns)).toEqual([
      [{ column: 'name', live: 'x', backup: expect.any(String) }],
      [{ column: 'name', live: 'x', backup: expect.any(String) }],
      [{ column: 'name', live: 'x', backup: expect.any(String) }],
    ]);
    expect(preview.diff.examples.changed.map((c) => c.key).join(' ')).toContain('(FAR001)');
    expect(await names()).toEqual(['FAR001 x', 'FAR002 x', 'FAR003 x']);
    // The scratch schema is gone again.
    expect(await run(`select nspname from pg_namespace where nspname like 'malar_restore_%'`)).toEqual([]);

    if (t.kind === 'server') {
      // Another session on the database (the service) refuses --apply without --force.
      const service = new pg.Client({ connectionString: t.db.url });
      await service.connect();
      try {
        const refused = await errorOf(restoreTable(t.db, { file: morning, table: 'farmers', apply: true }));
        expect(refused.code).toBe('RESTORE_SERVICE_RUNNING');
        expect(await names()).toEqual(['FAR001 x', 'FAR002 x', 'FAR003 x']);
      } finally {
        await service.end();
      }
    }

    const done = await restoreTable(t.db, { file: morning, table: 'farmers', apply: true, force: true });
    expect(done.applied).toBe(true);
    expect(done.validation!.ok).toBe(true);
    expect(await names()).toEqual(before);

    const after = await tableChecksums(run);
    for (const table of Object.keys(othersBefore)) {
      if (table === 'farmers' || table === 'security_logs') continue;
      expect(after[table], table).toBe(othersBefore[table]);
    }
    const audit = await run(`select action, entity, details from security_logs where action = 'db.table_restored'`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ entity: 'farmers', details: { file: morning, added: 0, removed: 0, changed: 3 } });
  });

  it('puts back only the named columns: balances that moved since the backup stay', async () => {
    await run(`update farmers set name = 'y', current_balance = current_balance + 10 where farmer_code = 'FAR003'`);
    const diff = (await restoreTable(t.db, { file: morning, table: 'farmers', columns: ['name'] })).diff;
    expect(diff).toMatchObject({ changed: 1, added: 0, removed: 0 });
    expect(diff.examples.changed[0]!.columns).toEqual([{ column: 'name', live: 'y', backup: 'Muthu Pandi' }]);
    await restoreTable(t.db, { file: morning, table: 'farmers', columns: ['name'], apply: true, force: true });
    expect(await run(`select name, current_balance from farmers where farmer_code = 'FAR003'`)).toEqual([
      { name: 'Muthu Pandi', current_balance: '10.00' },
    ]);
    await run(`update farmers set current_balance = current_balance - 10 where farmer_code = 'FAR003'`);
  });

  it('refuses to remove rows other tables still point at, and changes nothing', async () => {
    await run(`insert into farmers (farmer_code, name, phone) values ('FAR009', 'New Farmer', '+919800000009')`);
    const diff = (await restoreTable(t.db, { file: morning, table: 'farmers' })).diff;
    expect(diff).toMatchObject({ added: 0, removed: 1, changed: 0 });
    expect(diff.examples.removed[0]).toContain('(FAR009)');
    await run(`insert into notifications (recipient_phone, farmer_id, type, language, payload, status)
      select phone, id, 'text', 'ta', '{}'::jsonb, 'sent' from farmers where farmer_code = 'FAR009'`);
    const refused = await errorOf(restoreTable(t.db, { file: morning, table: 'farmers', apply: true, force: true }));
    expect(refused.code).toBe('RESTORE_WOULD_ORPHAN');
    expect(refused.message).toContain('notifications');
    expect((await run(`select count(*)::int as n from farmers`))[0]!.n).toBe(4);
  });

  it('says which table a backup lacks and which columns there are', async () => {
    expect((await errorOf(restoreTable(t.db, { file: morning, table: 'nope' }))).code).toBe('RESTORE_NO_TABLE');
    const bad = await errorOf(restoreTable(t.db, { file: morning, table: 'farmers', columns: ['nmae'] }));
    expect(bad.code).toBe('RESTORE_BAD_COLUMN');
    expect(bad.message).toContain('name');
  });
});
