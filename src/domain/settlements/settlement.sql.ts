// The settlement of one batch of farmers in one SQL statement. Every step reads the same snapshot, so the
// entries that are summed are exactly the entries that are linked (an entry's settlement_id is its statement line): an entry committed after the
// statement began is not seen and stays unsettled for the next period (the next run takes every unsettled
// entry dated up to its end, not only those in its own week). Entries and advances are locked (FOR UPDATE),
// so a void or an approval racing with the settlement waits and then sees the entry settled.
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SettlementPeriod } from './period.js';
import { securityLogInsert } from '../audit/audit.service.js';

export interface SettledRow {
  farmerId: string;
  farmerCode: string;
  settlementId: string | null;
  settlementNumber: string | null;
  entries: number;
  grossAmount: string;
  totalCommission: string;
  totalFees: string;
  totalAdvances: string;
  /** Σ of the adjustment lines carried (credits +, debits −). */
  totalAdjustments: string;
  netPayable: string;
  advancesOutstanding: string;
  /** Fees exceed what the entries earned: nothing is settled for this farmer; staff must look. */
  refused: boolean;
}

// Where a settlement's entries are: shared with the statements' read (statement-read.ts).
export { settledEntriesOf, type SettlementBounds } from './statement-read.js';

/** Start of the day after the period, in the market's zone: advances given before it count. */
const periodEndInstant = (period: SettlementPeriod, timeZone: string) => sql`((${period.end}::date + 1)::timestamp at time zone ${timeZone})`;

/** Farmers with something to settle in the period and no settlement for it yet, by farmer code. */
export async function findFarmersToSettle(em: EntityManager, period: SettlementPeriod, timeZone: string, farmerCodes?: string[]) {
  const codes = farmerCodes?.length ? farmerCodes : null;
  const { rows } = await sql<{ id: string; farmer_code: string }>`
    select f.id, f.farmer_code from farmers f
    where (${codes}::text[] is null or f.farmer_code = any(${codes}::text[]))
      and not exists (select 1 from settlements s where s.farmer_id = f.id and s.period_start = ${period.start} and s.period_end = ${period.end}
                        and s.status <> 'reopened')
      and (exists (select 1 from daily_entries de where de.farmer_id = f.id and de.settlement_id is null
                     and de.status = 'active' and de.entry_date <= ${period.end})
        or exists (select 1 from adjustments aj where aj.farmer_id = f.id and aj.settlement_id is null
                     and aj.created_at < ${periodEndInstant(period, timeZone)})
        or exists (select 1 from cash_advances ca where ca.farmer_id = f.id and ca.status = 'approved'
                     and ca.amount_recovered < ca.amount and ca.created_at < ${periodEndInstant(period, timeZone)}))
    order by f.farmer_code`.execute(em.getKysely());
  return rows.map((r) => ({ id: r.id, farmerCode: r.farmer_code }));
}

/**
 * Settles the given farmers for the period. Call inside a transaction, after lockFarmers(): a farmer settled
 * meanwhile by another run is skipped here (fresh snapshot), and the unique (farmer, period) key is the backstop.
 */
export async function settleBatch(
  em: EntityManager,
  input: { period: SettlementPeriod; timeZone: string; farmerIds: string[]; settlementIds: string[] },
): Promise<SettledRow[]> {
  const { period } = input;
  // Compiling this plan (JIT) cost more than running it; the farmer filters let the entries' index be used
  // instead of reading the whole table per batch.
  await sql`set local jit = off`.execute(em.getKysely());
  const { rows } = await sql<Record<string, string | number | boolean | null>>`
    with batch as (
      -- A period reopened before is settled again under the next revision, with its number's suffix (-2, -3 …).
      select b.farmer_id, b.settlement_id, f.farmer_code, r.revision,
             'S-' || ${period.label}::text || '-' || f.farmer_code || case when r.revision > 1 then '-' || r.revision else '' end as number
      from unnest(${input.farmerIds}::uuid[], ${input.settlementIds}::uuid[]) as b(farmer_id, settlement_id)
      join farmers f on f.id = b.farmer_id
      cross join lateral (select coalesce(max(s.revision), 0) + 1 as revision from settlements s
                           where s.farmer_id = b.farmer_id and s.period_start = ${period.start} and s.period_end = ${period.end}) r
      where not exists (select 1 from settlements s where s.farmer_id = b.farmer_id
                          and s.period_start = ${period.start} and s.period_end = ${period.end} and s.status <> 'reopened')
    ),
    claimed as (
      select de.id, de.entry_date, de.total_amount, de.commission_amount, de.fee_amount, b.settlement_id
      from daily_entries de
      join batch b on b.farmer_id = de.farmer_id
      where de.farmer_id = any(${input.farmerIds}::uuid[])
        and de.settlement_id is null and de.status = 'active' and de.entry_date <= ${period.end}
      for update of de
    ),
    entry_totals as (
      select settlement_id, count(*) as entries, sum(total_amount) as gross, sum(commission_amount) as commission,
             sum(fee_amount) as fees, sum(total_amount) - sum(commission_amount) - sum(fee_amount) as net,
             min(entry_date) as first_entry_date
      from claimed group by settlement_id
    ),
    open_advances as (
      select ca.id, ca.created_at, b.settlement_id, ca.amount - ca.amount_recovered as outstanding
      from cash_advances ca join batch b on b.farmer_id = ca.farmer_id
      where ca.status = 'approved' and ca.amount_recovered < ca.amount
        and ca.created_at < ${periodEndInstant(period, input.timeZone)}
      for update of ca
    ),
    open_adjustments as (
      select aj.id, aj.amount, aj.reason, aj.created_at, b.settlement_id
      from adjustments aj join batch b on b.farmer_id = aj.farmer_id
      where aj.settlement_id is null and aj.created_at < ${periodEndInstant(period, input.timeZone)}
      for update of aj
    ),
    entry_net as (
      select b.settlement_id, coalesce(t.net, 0) + coalesce((select sum(oa.amount) from open_adjustments oa
                                                             where oa.settlement_id = b.settlement_id and oa.amount > 0), 0) as net
      from batch b left join entry_totals t using (settlement_id)
    ),
    -- Every credit is carried; debits oldest first while the net stays at or above zero (a whole line or none:
    -- a debit that does not fit waits, whole, for a later settlement).
    carried_adjustments as (
      select oa.* from open_adjustments oa where oa.amount > 0
      union all
      select d.id, d.amount, d.reason, d.created_at, d.settlement_id from (
        select oa.*, en.net + sum(oa.amount) over (partition by oa.settlement_id order by oa.created_at, oa.id
                                                   rows between unbounded preceding and current row) as left_after
        from open_adjustments oa join entry_net en using (settlement_id) where oa.amount < 0) d
      where d.left_after >= 0
    ),
    adjustment_totals as (
      select settlement_id, count(*) as n, sum(amount) as total from carried_adjustments group by settlement_id
    ),
    available as (
      select b.settlement_id, coalesce(t.entries, 0) as entries, coalesce(t.gross, 0) as gross,
             coalesce(t.commission, 0) as commission, coalesce(t.fees, 0) as fees,
             coalesce(t.net, 0) + coalesce(adj.total, 0) as net, coalesce(t.net, 0) as entries_net,
             coalesce(adj.total, 0) as adjustments, coalesce(adj.n, 0) as adjustment_lines, t.first_entry_date
      from batch b left join entry_totals t using (settlement_id) left join adjustment_totals adj using (settlement_id)
    ),
    -- Oldest first, each advance takes what the older ones left of the net, never more than it still owes.
    allocation as (
      select oa.id, oa.settlement_id, oa.outstanding, oa.created_at,
             greatest(0, least(oa.outstanding,
               a.net - (sum(oa.outstanding) over (partition by oa.settlement_id order by oa.created_at, oa.id
                                                   rows between unbounded preceding and current row) - oa.outstanding))) as deducted
      from open_advances oa join available a using (settlement_id)
    ),
    advance_totals as (
      select settlement_id, sum(deducted) as deducted, sum(outstanding - deducted) as still_outstanding
      from allocation group by settlement_id
    ),
    to_settle as (
      select b.settlement_id, b.farmer_id, b.farmer_code, b.revision, b.number, a.entries, a.gross, a.commission, a.fees,
             a.adjustments, a.first_entry_date,
             coalesce(t.deducted, 0) as deducted, coalesce(t.still_outstanding, 0) as still_outstanding
      from batch b join available a using (settlement_id) left join advance_totals t using (settlement_id)
      where a.entries_net >= 0 and a.net >= 0 and (a.entries > 0 or a.adjustment_lines > 0 or t.settlement_id is not null)
    ),
    new_settlements as (
      insert into settlements (id, settlement_number, farmer_id, period_start, period_end, gross_amount,
                               total_commission, total_fees, total_advances, total_adjustments, net_payable, advances_outstanding,
                               first_entry_date, status, generated_at, revision)
      select settlement_id, number, farmer_id, ${period.start}, ${period.end},
             gross, commission, fees, deducted, adjustments, gross - commission - fees + adjustments - deducted, still_outstanding,
             first_entry_date, 'finalized', now(), revision
      from to_settle
      returning id
    ),
    adjustments_linked as (
      update adjustments aj set settlement_id = ca.settlement_id
      from carried_adjustments ca join to_settle ts on ts.settlement_id = ca.settlement_id
      where aj.id = ca.id
      returning aj.id
    ),
    adjustment_items as (
      insert into settlement_items (settlement_id, item_type, adjustment_id, description, amount)
      select ca.settlement_id, 'adjustment', ca.id, ca.reason, ca.amount
      from carried_adjustments ca join to_settle ts on ts.settlement_id = ca.settlement_id
      returning id
    ),
    -- The entry itself is its statement line: settling writes settlement_id (a HOT update: no index has it).
    linked as (
      update daily_entries de set settlement_id = c.settlement_id, updated_at = now()
      from claimed c join to_settle ts on ts.settlement_id = c.settlement_id
      where de.id = c.id and de.farmer_id = any(${input.farmerIds}::uuid[])
      returning de.id
    ),
    recovered as (
      update cash_advances ca set amount_recovered = ca.amount_recovered + al.deducted, updated_at = now()
      from allocation al join to_settle ts on ts.settlement_id = al.settlement_id
      where ca.id = al.id and al.deducted > 0
      returning ca.id
    ),
    advance_items as (
      insert into settlement_items (settlement_id, item_type, cash_advance_id, description, amount)
      select al.settlement_id, 'advance', al.id, format('Advance of %s recovered', (al.created_at at time zone ${input.timeZone})::date), al.deducted
      from allocation al join to_settle ts on ts.settlement_id = al.settlement_id
      where al.deducted > 0
      returning id
    ),
    audit as (${securityLogInsert(
      ['action', 'entity', 'entity_id', 'details'],
      sql`select 'settlement.created', 'settlement', ts.settlement_id::text,
                 jsonb_build_object('settlementNumber', ts.number,
                                    'periodStart', ${period.start}::text, 'periodEnd', ${period.end}::text,
                                    'netPayable', (ts.gross - ts.commission - ts.fees + ts.adjustments - ts.deducted)::text)
            from to_settle ts`,
    )})
    select b.farmer_id as "farmerId", b.farmer_code as "farmerCode",
           ts.settlement_id as "settlementId",
           case when ts.settlement_id is null then null else b.number end as "settlementNumber",
           a.entries::int as entries, a.gross::text as "grossAmount", a.commission::text as "totalCommission",
           a.fees::text as "totalFees", coalesce(ts.deducted, 0)::text as "totalAdvances",
           coalesce(ts.adjustments, 0)::text as "totalAdjustments",
           coalesce(a.gross - a.commission - a.fees + ts.adjustments - ts.deducted, 0)::text as "netPayable",
           coalesce(ts.still_outstanding, 0)::text as "advancesOutstanding",
           (a.entries_net < 0) as refused
    from batch b join available a using (settlement_id) left join to_settle ts using (settlement_id)
    order by b.farmer_code`.execute(em.getKysely());
  return rows.map((r) => ({
    farmerId: String(r.farmerId),
    farmerCode: String(r.farmerCode),
    settlementId: (r.settlementId as string | null) ?? null,
    settlementNumber: (r.settlementNumber as string | null) ?? null,
    entries: Number(r.entries),
    grossAmount: String(r.grossAmount),
    totalCommission: String(r.totalCommission),
    totalFees: String(r.totalFees),
    totalAdvances: String(r.totalAdvances),
    totalAdjustments: String(r.totalAdjustments),
    netPayable: String(r.netPayable),
    advancesOutstanding: String(r.advancesOutstanding),
    refused: Boolean(r.refused),
  }));
}

/** Locks the farmers' rows in a fixed order (no deadlocks between runs); entry and payment paths lock them too. */
export async function lockFarmers(em: EntityManager, farmerIds: string[]) {
  await sql`select id from farmers where id = any(${farmerIds}::uuid[]) order by id for update`.execute(em.getKysely());
}
