import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { migrateDown, migrateUp } from '../../src/db/schema.js';
import { seedReference } from '../../seeds/ReferenceSeeder.js';
import { pendingMigrationSql } from '../../src/ops/migrate-dry-run.js';
import { expectedForeignKeys, ormSql, validateLedger } from '../../src/ops/validation/validate.js';
import { buildLedger } from './ledger-fixture.js';

const BEFORE_DATA_MIGRATIONS = 'Migration20261125145922_login_throttle_indexes';
const LAST_DATA_MIGRATION = 'Migration20261125150100_assign_entry_slots';

async function figures(t: TestDatabase) {
  return sql(t.db, `select farmer_code, current_balance, total_settlements, total_advances from farmers order by farmer_code`);
}
async function slots(t: TestDatabase) {
  return sql(t.db, `select d.entry_no, s.name as slot from daily_entries d left join time_slots s on s.id = d.time_slot_id order by d.entry_no`);
}

describe('the data migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ prepared: false });
    await t.db.orm.migrator.up({ to: BEFORE_DATA_MIGRATIONS });
    await seedReference(t.db.orm, t.config);
    await buildLedger(ormSql(t.db.orm));
    // Figures as the guide's script left them: balance = settlements − advances, every settlement counted.
    await sql(
      t.db,
      `update farmers set current_balance = 5523.30, total_settlements = 5623.30, total_advances = 100.00 where farmer_code = 'FAR001'`,
    );
    await sql(t.db, `update farmers set current_balance = 973.64, total_settlements = 973.64, total_advances = 0 where farmer_code = 'FAR002'`);
    // Imported entries without a slot, at local (Kolkata) times before, inside and after the slots.
    await sql(
      t.db,
      `update daily_entries d set time_slot_id = null, entry_time = v.at::timestamptz
         from (values (103, '2026-11-20 03:30+05:30'), (104, '2026-11-20 05:45+05:30'), (105, '2026-11-16 07:59+05:30'),
                      (106, '2026-11-24 19:30+05:30')) as v(no, at)
        where d.entry_no = v.no`,
    );
  });
  afterAll(() => t?.close());

  it('print their SQL on a dry run without running it', async () => {
    const plan = await pendingMigrationSql(t.db.orm);
    expect(plan.map((m) => m.name).slice(0, 2)).toEqual([
      'Migration20261125150000_recompute_farmer_balances',
      'Migration20261125150100_assign_entry_slots',
    ]);
    expect(plan[0]!.sql.join('\n')).toContain('update farmers f');
    expect(plan[1]!.sql.join('\n')).toContain("coalesce((select value from system_settings where key = 'market_timezone'), 'Asia/Kolkata')");
    expect((await figures(t))[0]).toMatchObject({ farmer_code: 'FAR001', current_balance: '5523.30' });
  });

  it('recompute farmer figures by the balance rule and fill slots by local time; down puts both back', async () => {
    const guideFigures = await figures(t);
    const slotsBefore = await slots(t);
    await t.db.orm.migrator.up({ to: LAST_DATA_MIGRATION });

    expect(await figures(t)).toEqual([
      { farmer_code: 'FAR001', current_balance: '570.00', total_settlements: '5623.30', total_advances: '100.00' },
      { farmer_code: 'FAR002', current_balance: '1287.14', total_settlements: '0.00', total_advances: '0.00' },
      { farmer_code: 'FAR003', current_balance: '0.00', total_settlements: '0.00', total_advances: '0.00' },
    ]);
    expect(await slots(t)).toEqual([
      { entry_no: '101', slot: 'Early Morning' },
      { entry_no: '102', slot: 'Early Morning' },
      { entry_no: '103', slot: 'Early Morning' }, // 03:30, before the first slot: the first
      { entry_no: '104', slot: 'Early Morning' }, // 05:45
      { entry_no: '105', slot: 'Morning Peak' }, // 07:59
      { entry_no: '106', slot: 'Evening' }, // 19:30, after the last slot: the last
    ]);
    // Only what changed is remembered: two farmers, four entries.
    expect(await sql(t.db, `select table_name, count(*)::int as n from data_migration_undo group by 1 order by 1`)).toEqual([
      { table_name: 'daily_entries', n: 4 },
      { table_name: 'farmers', n: 2 },
    ]);
    // Validation reads the current schema: the migrations after the data ones go up for it, and down again.
    const later = await migrateUp(t.db.orm);
    const report = await validateLedger(ormSql(t.db.orm), expectedForeignKeys(t.db.orm));
    expect(report.checks.filter((c) => c.count > 0)).toEqual([]);
    expect(await migrateDown(t.db.orm, later.length)).toEqual([...later].reverse());

    expect(await migrateDown(t.db.orm, 2)).toEqual([
      'Migration20261125150100_assign_entry_slots',
      'Migration20261125150000_recompute_farmer_balances',
    ]);
    expect(await figures(t)).toEqual(guideFigures);
    expect(await slots(t)).toEqual(slotsBefore);
    expect(await sql(t.db, `select count(*)::int as n from data_migration_undo`)).toEqual([{ n: 0 }]);
  });
});
