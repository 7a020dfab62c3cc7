// What settling writes per entry: only the entry's settlement_id, in place. The entry is its own statement line
// (no settlement_items row), the update touches no index (HOT), and the link can never be changed afterwards.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { lockFarmers, settleBatch } from '../../src/domain/settlements/settlement.sql.js';
import { settlePeriod } from '../../src/domain/settlements/settlement.service.js';
import { settlementStatementData } from '../../src/domain/settlements/statement.service.js';
import { getSettlement } from '../../src/domain/settlements/settlement.queries.js';
import { NOW, TZ, W45, W46, addEntry, addFarmer, ledgerProblems, run } from './fixture.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());

const farmerId = async (code: string) => (await run<{ id: string }>(t.db, `select id from farmers where farmer_code = $1`, [code]))[0]!.id;

describe('settling an entry', () => {
  it('updates each entry in place (HOT: no index entry written) and stores no item for it', async () => {
    const code = await addFarmer(t.db);
    await addEntry(t.db, { farmerCode: code, date: '2026-11-03', quantity: '2.000', rate: '100.00' });
    await addEntry(t.db, { farmerCode: code, date: '2026-11-05', quantity: '1.500', rate: '200.00' });
    await addEntry(t.db, { farmerCode: code, date: '2026-11-06', quantity: '9.000', rate: '100.00', status: 'voided' });
    const id = await farmerId(code);
    const settlementId = randomUUID();
    // The transaction's own statistics: rows updated in daily_entries, and how many of them were heap-only.
    const counts = await t.db.orm.em.fork().transactional(async (tx) => {
      await lockFarmers(tx, [id]);
      const rows = await settleBatch(tx, { period: W45, timeZone: TZ, farmerIds: [id], settlementIds: [settlementId] });
      expect(rows.map((r) => [r.entries, r.grossAmount])).toEqual([[2, '500.00']]);
      const { rows: stats } = await sql<{ updated: number; hot: number }>`
        select pg_stat_get_xact_tuples_updated('daily_entries'::regclass)::int as updated,
               pg_stat_get_xact_tuples_hot_updated('daily_entries'::regclass)::int as hot`.execute(tx.getKysely());
      return stats[0]!;
    });
    // 2.000 × 100 + 1.500 × 200 = 500.00 from the two active entries; both updated, both heap-only.
    expect(counts).toEqual({ updated: 2, hot: 2 });
    expect(await run(t.db, `select count(*)::int as n from settlement_items where settlement_id = $1`, [settlementId])).toEqual([{ n: 0 }]);
    expect(await run(t.db, `select first_entry_date::text as d from settlements where id = $1`, [settlementId])).toEqual([{ d: '2026-11-03' }]);
  });

  it('shows the entries as the statement lines and the settlement items, leftovers from earlier weeks included', async () => {
    const code = await addFarmer(t.db);
    // Week 46's entry; week 45 is settled (nothing for this farmer); then a late entry dated in week 45 arrives,
    // which week 46's settlement takes too.
    await addEntry(t.db, { farmerCode: code, date: '2026-11-12', quantity: '3.000', rate: '100.00' });
    await settlePeriod(t.db.orm, { period: W45, timeZone: TZ, now: NOW, farmerCodes: [code], sendStatements: false });
    await addEntry(t.db, { farmerCode: code, date: '2026-11-04', quantity: '1.250', rate: '80.00' });
    const w46 = await settlePeriod(t.db.orm, { period: W46, timeZone: TZ, now: NOW, farmerCodes: [code], sendStatements: false });
    // 3.000 × 100 = 300.00 and 1.250 × 80 = 100.00.
    expect(w46.settled.map((r) => [r.entries, r.grossAmount])).toEqual([[2, '400.00']]);
    const settlementId = w46.settled[0]!.settlementId!;
    const data = await settlementStatementData(t.db.orm.em.fork(), settlementId);
    expect(data.lines.map((l) => [l.date, l.quantity, l.amount])).toEqual([
      ['2026-11-04', '1.250', '100.00'],
      ['2026-11-12', '3.000', '300.00'],
    ]);
    const view = await getSettlement(t.db.orm.em.fork(), settlementId);
    expect(view.items.map((i) => [i.itemType, i.entryDate, i.quantity, i.rate, i.amount])).toEqual([
      ['entry', '2026-11-04', '1.250', '80.00', '100.00'],
      ['entry', '2026-11-12', '3.000', '100.00', '300.00'],
    ]);
    expect(view.items[0]!.description).toMatch(/^Entry #\d+ 2026-11-04 Jasmine 1\.250 kg x 80\.00$/);
    expect(await ledgerProblems(t.db)).toEqual({ settlements: [], balances: [] });
  });

  it('can never be undone or moved to another settlement, and the settlement keeps its first entry date', async () => {
    const code = await addFarmer(t.db);
    await addEntry(t.db, { farmerCode: code, date: '2026-11-03', quantity: '1.000', rate: '100.00' });
    await addEntry(t.db, { farmerCode: code, date: '2026-11-10', quantity: '1.000', rate: '100.00' });
    await settlePeriod(t.db.orm, { period: W45, timeZone: TZ, now: NOW, farmerCodes: [code], sendStatements: false });
    await settlePeriod(t.db.orm, { period: W46, timeZone: TZ, now: NOW, farmerCodes: [code], sendStatements: false });
    const id = await farmerId(code);
    const unlink = await run(t.db, `update daily_entries set settlement_id = null where farmer_id = $1 and entry_date = '2026-11-03'`, [id]).catch(
      (e: Error) => e,
    );
    expect(String(unlink)).toMatch(/is settled and cannot change/);
    const move = await run(
      t.db,
      `update daily_entries set settlement_id = (select id from settlements where farmer_id = $1 and period_start = '2026-11-09')
        where farmer_id = $1 and entry_date = '2026-11-03'`,
      [id],
    ).catch((e: Error) => e);
    expect(String(move)).toMatch(/is settled and cannot change/);
    const widen = await run(t.db, `update settlements set first_entry_date = '2026-01-01' where farmer_id = $1`, [id]).catch((e: Error) => e);
    expect(String(widen)).toMatch(/figures cannot change/);
    expect(
      await run(
        t.db,
        `select entry_date::text as d, s.period_start::text as p from daily_entries de join settlements s on s.id = de.settlement_id where de.farmer_id = $1 order by 1`,
        [id],
      ),
    ).toEqual([
      { d: '2026-11-03', p: '2026-11-02' },
      { d: '2026-11-10', p: '2026-11-09' },
    ]);
  });
});
