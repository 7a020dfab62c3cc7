// Migration20261125171745: entry lines leave settlement_items (an entry's settlement_id is its line). Existing lines
// are checked against their entries before they go, first_entry_date is filled in, and down() writes them back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { migrateDown, migrateDownTo, migrateUp } from '../../src/db/schema.js';
import { settlementStatementData } from '../../src/domain/settlements/statement.service.js';

const MIGRATION = 'Migration20261125171745_settlement_lines_from_entries';
const S1 = '00000000-0000-4000-8000-0000000000a1';
const E1 = '00000000-0000-4000-8000-0000000000e1';
const E2 = '00000000-0000-4000-8000-0000000000e2';
const E3 = '00000000-0000-4000-8000-0000000000e3';
const ADV = '00000000-0000-4000-8000-0000000000d1';

let t: TestDatabase;
const q = <T = Record<string, unknown>>(query: string, params: unknown[] = []) => sql<T>(t.db, query, params);

/** A paid week on the schema before the migration: two live entries, one archived, their lines, an advance line. */
async function oldLedger() {
  const farmer = `(select id from farmers where farmer_code = 'FAR001')`;
  const flower = `(select id from flower_types where code = 'FLW002')`;
  await q(`insert into settlements (id, settlement_number, farmer_id, period_start, period_end, gross_amount, total_commission, total_fees, total_advances, net_payable, status, paid_at)
           values ('${S1}', 'S-2026W45-FAR001', ${farmer}, '2026-11-02', '2026-11-08', 6186.42, 309.32, 0, 100, 5777.10, 'paid', now())`);
  // 12.345 × 450.50 = 5561.4225 → 5561.42 (commission 278.07); 3.5 × 150.00 = 525.00 (26.25); the archived one
  // 1.000 × 100.00 = 100.00 (5.00), dated in week 44 and settled late in this one. Gross 6186.42, commission
  // 309.32, advance 100.00: net 5777.10.
  await q(`insert into daily_entries (id, farmer_id, flower_type_id, entry_date, entry_time, quantity, unit, rate_per_unit, total_amount, commission_rate, commission_amount, net_amount, settlement_id)
           values ('${E1}', ${farmer}, ${flower}, '2026-11-03', '2026-11-03T01:00:00Z', 12.345, 'kg', 450.50, 5561.42, 5, 278.07, 5283.35, '${S1}'),
                  ('${E2}', ${farmer}, ${flower}, '2026-11-08', '2026-11-08T01:00:00Z', 3.5, 'kg', 150.00, 525.00, 5, 26.25, 498.75, '${S1}')`);
  await q(`insert into daily_entries_archive (id, entry_no, farmer_id, flower_type_id, entry_date, entry_time, quantity, unit, rate_per_unit, total_amount, commission_rate, commission_amount, fee_amount, net_amount, source, source_line, status, settlement_id, sync_status, created_at, updated_at)
           values ('${E3}', 999, ${farmer}, ${flower}, '2026-10-30', '2026-10-30T01:00:00Z', 1, 'kg', 100.00, 100.00, 5, 5.00, 0, 95.00, 'whatsapp', 0, 'active', '${S1}', 'synced', now(), now())`);
  await q(
    `insert into cash_advances (id, farmer_id, amount, status, approved_at, amount_recovered) values ('${ADV}', ${farmer}, 100, 'approved', now(), 100)`,
  );
  await q(`insert into settlement_items (settlement_id, item_type, daily_entry_id, description, quantity, rate, amount) values
             ('${S1}', 'entry', '${E1}', 'Entry 1', 12.345, 450.50, 5561.42), ('${S1}', 'entry', '${E2}', 'Entry 2', 3.5, 150.00, 525.00)`);
  await q(
    `insert into settlement_items (settlement_id, item_type, cash_advance_id, description, amount) values ('${S1}', 'advance', '${ADV}', 'Advance', 100)`,
  );
  await q(`insert into settlement_items_archive (id, settlement_id, item_type, daily_entry_id, description, quantity, rate, amount, created_at)
           values (gen_random_uuid(), '${S1}', 'entry', '${E3}', 'Entry 3', 1, 100.00, 100.00, now())`);
}

/** Up to this migration only: later migrations (of other features) stay out of this test's way. */
const upToIt = async () => (await t.db.orm.migrator.up({ to: MIGRATION })).map((m) => m.name);

beforeAll(async () => {
  t = await createTestDatabase();
  const executed = (await t.db.orm.migrator.getExecuted()).map((m) => m.name);
  const later = executed.length - 1 - executed.indexOf(MIGRATION);
  expect((await migrateDown(t.db.orm, later + 1)).at(-1)).toBe(MIGRATION);
  await oldLedger();
});
afterAll(() => t?.close());

describe('settlement entry lines move onto the entries', () => {
  it('refuses to drop lines that disagree with their entries, and changes nothing', async () => {
    await q(`update settlement_items set amount = 5561.43 where daily_entry_id = '${E1}'`);
    await expect(upToIt()).rejects.toThrow(/1 settlement entry lines differ from their entries/);
    expect(await q(`select count(*)::int as n from settlement_items where item_type = 'entry'`)).toEqual([{ n: 2 }]);
    await q(`update settlement_items set amount = 5561.42 where daily_entry_id = '${E1}'`);
  });

  it('up: entry lines gone, advance line kept, first_entry_date from the oldest entry (archived ones too)', async () => {
    expect(await upToIt()).toEqual([MIGRATION]);
    expect(await q(`select item_type, amount::text from settlement_items`)).toEqual([{ item_type: 'advance', amount: '100.00' }]);
    expect(await q(`select count(*)::int as n from settlement_items_archive`)).toEqual([{ n: 0 }]);
    expect(await q(`select first_entry_date::text as d from settlements where id = '${S1}'`)).toEqual([{ d: '2026-10-30' }]);
    // The statement reads its lines from the live entries: the two of them, oldest first. Today's statement code
    // reads today's schema (adjustments came later), so it is read there and the schema taken back after.
    await migrateUp(t.db.orm);
    const data = await settlementStatementData(t.db.orm.em.fork(), S1);
    await migrateDownTo(t.db.orm, MIGRATION);
    expect(data.lines.map((l) => [l.date, l.quantity, l.rate, l.amount])).toEqual([
      ['2026-11-03', '12.345', '450.50', '5561.42'],
      ['2026-11-08', '3.500', '150.00', '525.00'],
    ]);
  });

  it('down: the lines come back from the entries, with their figures', async () => {
    expect(await migrateDown(t.db.orm, 1)).toEqual([MIGRATION]);
    const live = await q<{ id: string; quantity: string; rate: string; amount: string; description: string }>(
      `select daily_entry_id as id, quantity::text, rate::text, amount::text, description from settlement_items where item_type = 'entry' order by amount desc`,
    );
    expect(live.map((r) => [r.id, r.quantity, r.rate, r.amount])).toEqual([
      [E1, '12.345', '450.50', '5561.42'],
      [E2, '3.500', '150.00', '525.00'],
    ]);
    expect(live[0]!.description).toMatch(/^Entry #\d+ 2026-11-03 Jasmine 12\.345 kg x 450\.50$/);
    expect(await q(`select daily_entry_id as id, amount::text from settlement_items_archive`)).toEqual([{ id: E3, amount: '100.00' }]);
    expect(await upToIt()).toEqual([MIGRATION]);
  });
});
