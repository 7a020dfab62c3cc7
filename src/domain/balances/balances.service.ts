// The balance rule (docs/ledger.md): what the agent owes the farmer =
//   Σ net_amount of active entries + Σ adjustments − Σ approved advances − Σ net_payable of paid settlements.
// This module is the only writer of farmers.current_balance / total_advances / total_settlements. Every change
// moves them by a delta in the same transaction as the change, with one atomic UPDATE for any number of farmers,
// so concurrent messages for one farmer never lose an update.
import { sql, type RawBuilder } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../columns.js';
import { dec, rupees } from '../money.js';

export interface BalanceDelta {
  farmerId: string;
  /** Net of entries added (positive) or voided (negative). */
  entriesNet?: string;
  /** Adjustments added (credits positive, debits negative): they move the balance only. */
  adjustments?: string;
  /** Approved advances added (negative: reversed). */
  advances?: string;
  /** Settlements marked paid (their net_payable). */
  settlementsPaid?: string;
}

/** A farmer's figures just after the move, with what a notice to them needs. */
export interface MovedBalance {
  farmerId: string;
  farmerCode: string;
  currentBalance: string;
  totalAdvances: string;
  totalSettlements: string;
  language: Language;
  /** WhatsApp number, else phone; null when the farmer has neither. */
  recipient: string | null;
}

/**
 * The balance move as CTEs for a set-based statement: `deltas` names a relation of (farmer_id, entries_net,
 * advances, settled), several rows per farmer allowed. The farmers are locked in id order (FOR NO KEY UPDATE,
 * which foreign-key checks of new entries do not wait on), so two movers cannot deadlock here. Defines `moved`,
 * returning (id, farmer_code, balance, advances, settlements, lang, recipient) of each moved farmer.
 */
export function balanceMoves(deltas: string): RawBuilder<unknown> {
  const d = sql.table(deltas);
  return sql`
    locked as materialized (
      select f.id from farmers f where f.id in (select farmer_id from ${d}) order by f.id for no key update
    ),
    moved as (
      update farmers f set current_balance = f.current_balance + m.net - m.adv - m.paid,
                           total_advances = f.total_advances + m.adv,
                           total_settlements = f.total_settlements + m.paid,
                           updated_at = now()
        from (select farmer_id, sum(entries_net) as net, sum(advances) as adv, sum(settled) as paid from ${d} group by farmer_id) m
        join locked l on l.id = m.farmer_id
       where f.id = m.farmer_id
      returning f.id::text as id, f.farmer_code, f.current_balance::text as balance, f.total_advances::text as advances,
                f.total_settlements::text as settlements, f.language_preference as lang, coalesce(f.whatsapp_number, f.phone) as recipient
    )`;
}

export interface MovedRow {
  id: string;
  farmer_code: string;
  balance: string;
  advances: string;
  settlements: string;
  lang: Language;
  recipient: string | null;
}

export const movedBalance = (r: MovedRow): MovedBalance => ({
  farmerId: r.id,
  farmerCode: r.farmer_code,
  currentBalance: rupees(r.balance),
  totalAdvances: rupees(r.advances),
  totalSettlements: rupees(r.settlements),
  language: r.lang,
  recipient: r.recipient,
});

/** Moves the figures of every farmer named, with ONE statement; returns each moved farmer's figures after. */
export async function applyBalanceChanges(em: EntityManager, changes: BalanceDelta[]): Promise<Map<string, MovedBalance>> {
  if (changes.length === 0) return new Map();
  const col = (f: (c: BalanceDelta) => string | undefined) => changes.map((c) => rupees(dec(f(c) ?? '0')));
  // An adjustment moves the balance as an entry's net does; the relation has one column for both.
  const net = changes.map((c) => rupees(dec(c.entriesNet ?? '0').plus(c.adjustments ?? '0')));
  const { rows } = await sql<MovedRow>`
    with deltas as (
      select * from unnest(${changes.map((c) => c.farmerId)}::uuid[], ${net}::numeric[],
                           ${col((c) => c.advances)}::numeric[], ${col((c) => c.settlementsPaid)}::numeric[])
             as d(farmer_id, entries_net, advances, settled)
    ),
    ${balanceMoves('deltas')}
    select * from moved`.execute(em.getKysely());
  return new Map(rows.map((r) => [r.id, movedBalance(r)]));
}

export interface FarmerBalance {
  farmerId: string;
  farmerCode: string;
  currentBalance: string;
  totalAdvances: string;
  totalSettlements: string;
}

/** The stored figures, read fresh from the row (not from an identity map that may be stale). */
export async function getBalance(em: EntityManager, farmerId: string): Promise<FarmerBalance> {
  const rows = await em.execute<Record<string, string>[]>(
    `select id::text as farmer_id, farmer_code, current_balance::text, total_advances::text, total_settlements::text
       from farmers where id = ?`,
    [farmerId],
  );
  const r = rows[0]!;
  return {
    farmerId: r.farmer_id!,
    farmerCode: r.farmer_code!,
    currentBalance: rupees(r.current_balance!),
    totalAdvances: rupees(r.total_advances!),
    totalSettlements: rupees(r.total_settlements!),
  };
}

/**
 * The balance rule as SQL, the one copy: a relation (farmer_id, entries_net, adjustments, advances, settled) of
 * every farmer with ledger rows, counting archived entries (daily_entries_archive) as well as live ones.
 * Validation, the recompute and the monthly statement read it; a farmer without rows is absent (coalesce to 0).
 * LEDGER_BALANCE('l') is the balance it gives.
 */
// `upTo` bounds each kind of row by its own date (an entry's market date, an adjustment's and an advance's time, a
// payment); empty for the whole ledger.
const ledgerSql = (upTo: { entry: string; adjustment: string; advance: string; paid: string }) => `(
    select farmer_id, sum(entries_net) as entries_net, sum(adjustments) as adjustments, sum(advances) as advances,
           sum(settled) as settled from (
      select farmer_id, net_amount as entries_net, 0 as adjustments, 0 as advances, 0 as settled from daily_entries where status = 'active'${upTo.entry}
      union all
      select farmer_id, net_amount, 0, 0, 0 from daily_entries_archive where status = 'active'${upTo.entry}
      union all
      select farmer_id, 0, amount, 0, 0 from adjustments where true${upTo.adjustment}
      union all
      select farmer_id, 0, 0, amount, 0 from cash_advances where status = 'approved'${upTo.advance}
      union all
      select farmer_id, 0, 0, 0, net_payable from settlements where status = 'paid'${upTo.paid}
    ) rows group by farmer_id
  )`;

export const FARMER_LEDGER_SQL = ledgerSql({ entry: '', adjustment: '', advance: '', paid: '' });

/** The balance the rule gives, over a FARMER_LEDGER_SQL relation aliased `alias` (left-joined: absent is 0). */
export const LEDGER_BALANCE = (alias: string) =>
  `(coalesce(${alias}.entries_net, 0) + coalesce(${alias}.adjustments, 0) - coalesce(${alias}.advances, 0) - coalesce(${alias}.settled, 0))`;

/** The same rule for rows dated on or before a market date; parameters in order: see balanceAsOf. */
const FARMER_LEDGER_AS_OF_SQL = ledgerSql({
  entry: ` and entry_date <= ?::date`,
  adjustment: ` and (created_at at time zone ?)::date <= ?::date`,
  advance: ` and (coalesce(approved_at, created_at) at time zone ?)::date <= ?::date`,
  paid: ` and (paid_at at time zone ?)::date <= ?::date`,
});

/**
 * What the agent owed the farmer at the end of a market date (the closing balance of a month: its last day),
 * by the balance rule over rows dated up to then. Later rows do not count, whatever they did to current_balance.
 */
export async function balanceAsOf(em: EntityManager, farmerId: string, date: string, timeZone: string): Promise<string> {
  const [row] = await em.execute<{ balance: string }[]>(
    `select ${LEDGER_BALANCE('l')}::numeric(14,2)::text as balance
       from ${FARMER_LEDGER_AS_OF_SQL} l where l.farmer_id = ?`,
    [date, date, timeZone, date, timeZone, date, timeZone, date, farmerId],
  );
  return row?.balance ?? '0.00';
}

/** Each farmer's stored figures next to the ones the balance rule gives; validation and tests compare them. */
export const RECOMPUTE_BALANCES_SQL = `
  select f.id::text as farmer_id, f.farmer_code,
         f.current_balance::text as stored_balance,
         ${LEDGER_BALANCE('l')}::numeric(14,2)::text as computed_balance,
         f.total_advances::text as stored_advances, coalesce(l.advances, 0)::numeric(14,2)::text as computed_advances,
         f.total_settlements::text as stored_settlements, coalesce(l.settled, 0)::numeric(14,2)::text as computed_settlements
    from farmers f left join ${FARMER_LEDGER_SQL} l on l.farmer_id = f.id`;

export async function recomputeBalances(em: EntityManager) {
  return em.execute<Record<string, string>[]>(RECOMPUTE_BALANCES_SQL);
}
