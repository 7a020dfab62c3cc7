// Test entries and advances as plain rows (the entry service lives in another feature), with the farmer's
// totals moved in the same transaction, the way the real services do.
import pg from 'pg';
import { entryAmounts } from '../../src/domain/money.js';
import type { Database } from '../../src/db/orm.js';
import { CompiledQuery } from 'kysely';
import { parsePeriod } from '../../src/domain/settlements/period.js';

export interface EntryInput {
  farmerCode: string;
  flowerCode?: string;
  /** Market date YYYY-MM-DD; entry_time is 06:30 market time (01:00Z) that day. */
  date: string;
  quantity: string;
  rate: string;
  commissionRate?: string;
  fee?: string;
  status?: 'active' | 'voided';
}

/** Runs SQL with $n parameters on the test database or on a client of its own (concurrency tests). */
export async function run<T = Record<string, unknown>>(db: Database | pg.ClientBase, text: string, params: unknown[] = []): Promise<T[]> {
  if ('orm' in db) return (await db.orm.em.fork().getKysely().executeQuery<T>(CompiledQuery.raw(text, params))).rows;
  return (await db.query(text, params)).rows as T[];
}

/** The market's zone, a fixed "now" after both test weeks, and the two weeks the settlement tests use. */
export const TZ = 'Asia/Kolkata';
export const NOW = new Date('2026-11-25T06:00:00Z');
export const W45 = parsePeriod('weekly', '2026-W45');
export const W46 = parsePeriod('weekly', '2026-W46');

const ENTRY_SQL = `
with f as (select id from farmers where farmer_code = $1),
     ft as (select id, unit from flower_types where code = $2),
     ts as (select id from time_slots where name = 'Morning Peak'),
     ins as (
       insert into daily_entries (farmer_id, flower_type_id, time_slot_id, entry_date, entry_time, quantity, unit, rate_per_unit,
                                  total_amount, commission_rate, commission_amount, fee_amount, net_amount, source, status, voided_at, void_reason)
       select f.id, ft.id, ts.id, $3::date, ($3::date + time '01:00') at time zone 'UTC', $4, ft.unit, $5, $6, $7, $8, $9, $10, 'import', $11,
              case when $11 = 'voided' then now() end, case when $11 = 'voided' then 'test' end
       from f, ft, ts returning id, farmer_id, net_amount, status)
update farmers set current_balance = current_balance + (select case when status = 'active' then net_amount else 0 end from ins)
where id = (select farmer_id from ins) returning (select id from ins) as id`;

/** Inserts an entry priced by entryAmounts() and adds its net to the farmer's balance. */
export async function addEntry(db: Database | pg.ClientBase, e: EntryInput): Promise<string> {
  const commissionRate = e.commissionRate ?? '5.00';
  const a = entryAmounts({ quantity: e.quantity, ratePerUnit: e.rate, commissionRate, feeAmount: e.fee ?? '0' });
  const rows = await run(db, ENTRY_SQL, [
    e.farmerCode,
    e.flowerCode ?? 'FLW002',
    e.date,
    e.quantity,
    e.rate,
    a.totalAmount,
    commissionRate,
    a.commissionAmount,
    a.feeAmount,
    a.netAmount,
    e.status ?? 'active',
  ]);
  return String((rows[0] as { id: string }).id);
}

/** An advance given at `createdAt` (approved unless said otherwise); approved ones move the farmer's totals. */
export async function addAdvance(db: Database, input: { farmerCode: string; amount: string; createdAt: string; status?: 'approved' | 'pending' }) {
  const status = input.status ?? 'approved';
  const rows = await run<{ id: string }>(
    db,
    `with ins as (insert into cash_advances (farmer_id, amount, status, approved_at, created_at, reason)
        select id, $1::numeric, $2, case when $2 = 'approved' then $3::timestamptz end, $3::timestamptz, 'test' from farmers where farmer_code = $4
        returning id, farmer_id, amount, status)
     update farmers set total_advances = total_advances + (select case when status = 'approved' then amount else 0 end from ins),
                        current_balance = current_balance - (select case when status = 'approved' then amount else 0 end from ins)
     where id = (select farmer_id from ins) returning (select id from ins) as id`,
    [input.amount, status, input.createdAt, input.farmerCode],
  );
  return rows[0]!.id;
}

let counter = 0;
/** A new farmer of its own, so tests in one file never share ledger rows. */
export async function addFarmer(
  db: Database,
  input: { code?: string; name?: string; village?: string; language?: 'ta' | 'en'; commissionRate?: string } = {},
) {
  counter += 1;
  const code = input.code ?? `TST${String(process.pid % 1000).padStart(3, '0')}${String(counter).padStart(4, '0')}`;
  await run(
    db,
    `insert into farmers (farmer_code, name, village, phone, whatsapp_number, language_preference, commission_rate)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      code,
      input.name ?? `Farmer ${counter}`,
      input.village ?? 'Madurai',
      `+9190000${String(counter).padStart(5, '0')}`,
      `+9190000${String(counter).padStart(5, '0')}`,
      input.language ?? 'ta',
      input.commissionRate ?? null,
    ],
  );
  return code;
}

export async function ledgerProblems(db: Database) {
  // db:validate's own checks (src/ops/validation): the settlement sums, and the balance rule.
  const { ledgerChecks } = await import('../../src/ops/validation/checks.js');
  const checks = new Map(ledgerChecks([]).map((c) => [c.id, c.sql]));
  const all = async (ids: string[]) => (await Promise.all(ids.map((id) => run(db, checks.get(id)!)))).flat();
  return {
    settlements: await all(['settlement_arithmetic', 'negative_settlements', 'settlement_totals']),
    balances: await all(['farmer_figures']),
  };
}
