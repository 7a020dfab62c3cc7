// The buyer balance rule (docs/buyers.md): what the buyer owes = Σ total_amount of active sales − Σ collections.
// This module is the only writer of buyers.current_balance: every change moves it by a delta in the same
// transaction and statement as the change, with one atomic UPDATE for any number of buyers.
import { sql, type RawBuilder } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../columns.js';
import { dec, rupees } from '../money.js';

/**
 * The move as CTEs for a set-based statement: `deltas` names a relation (buyer_id, delta), several rows per
 * buyer allowed. Buyers are locked in id order (FOR NO KEY UPDATE) so two movers cannot deadlock here.
 * Defines `buyers_moved` (id, buyer_code, balance, lang, recipient, name).
 */
export function buyerBalanceMoves(deltas: string): RawBuilder<unknown> {
  const d = sql.table(deltas);
  return sql`
    buyers_locked as materialized (
      select b.id from buyers b where b.id in (select buyer_id from ${d}) order by b.id for no key update
    ),
    buyers_moved as (
      update buyers b set current_balance = b.current_balance + m.delta, updated_at = now()
        from (select buyer_id, sum(delta) as delta from ${d} group by buyer_id) m
        join buyers_locked l on l.id = m.buyer_id
       where b.id = m.buyer_id
      returning b.id::text as id, b.buyer_code, b.current_balance::text as balance, b.language_preference as lang, b.phone as recipient, b.name
    )`;
}

export interface MovedBuyer {
  buyerId: string;
  buyerCode: string;
  name: string;
  currentBalance: string;
  language: Language;
  recipient: string | null;
}

/** Moves the balances of the buyers named with ONE statement; returns each one's figures after. */
export async function applyBuyerBalanceChanges(em: EntityManager, changes: { buyerId: string; delta: string }[]): Promise<Map<string, MovedBuyer>> {
  if (changes.length === 0) return new Map();
  const { rows } = await sql<{ id: string; buyer_code: string; balance: string; lang: Language; recipient: string | null; name: string }>`
    with deltas as (
      select * from unnest(${changes.map((c) => c.buyerId)}::uuid[], ${changes.map((c) => rupees(dec(c.delta)))}::numeric[]) as d(buyer_id, delta)
    ),
    ${buyerBalanceMoves('deltas')}
    select * from buyers_moved`.execute(em.getKysely());
  return new Map(
    rows.map((r) => [
      r.id,
      { buyerId: r.id, buyerCode: r.buyer_code, name: r.name, currentBalance: rupees(r.balance), language: r.lang, recipient: r.recipient },
    ]),
  );
}

/** The rule as SQL, the one copy: (buyer_id, sales, collected) of every buyer with rows. */
export const BUYER_LEDGER_SQL = `(
    select buyer_id, sum(sales) as sales, sum(collected) as collected from (
      select buyer_id, total_amount as sales, 0 as collected from sales where status = 'active'
      union all
      select buyer_id, 0, amount from collections
    ) rows group by buyer_id
  )`;

/** Each buyer's stored balance next to the one the rule gives; validation and tests compare them. */
export const RECOMPUTE_BUYER_BALANCES_SQL = `
  select b.id::text as buyer_id, b.buyer_code, b.current_balance::text as stored_balance,
         (coalesce(l.sales, 0) - coalesce(l.collected, 0))::numeric(14,2)::text as computed_balance
    from buyers b left join ${BUYER_LEDGER_SQL} l on l.buyer_id = b.id`;

/** The stored balance, read fresh from the row. */
export async function getBuyerBalance(em: EntityManager, buyerId: string): Promise<string> {
  const [r] = await em.execute<{ balance: string }[]>(`select current_balance::text as balance from buyers where id = ?`, [buyerId]);
  return rupees(r!.balance);
}
