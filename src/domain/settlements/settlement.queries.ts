// Read-only views of settlements for the office: filtered lists and one settlement with its items.
import type { SETTLEMENT_STATUSES } from './settlement.entity.js';
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { qty, rupees } from '../money.js';
import { offsetOf, type Page, type PageRequest } from '../paging.js';
import { settledEntriesOf, type SettlementBounds } from './settlement.sql.js';

type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];

export interface SettlementFilter {
  /** Settlements whose period overlaps these market dates (both inclusive). */
  from?: string | undefined;
  to?: string | undefined;
  /** Exactly this period, by its first day. */
  periodStart?: string | undefined;
  farmerId?: string | undefined;
  status?: SettlementStatus | undefined;
}

export interface SettlementView {
  id: string;
  settlementNumber: string;
  farmer: { id: string; code: string; name: string };
  periodStart: string;
  periodEnd: string;
  grossAmount: string;
  totalCommission: string;
  totalFees: string;
  totalAdvances: string;
  totalAdjustments: string;
  netPayable: string;
  advancesOutstanding: string;
  status: SettlementStatus;
  /** 1, or 2, 3 … for a period settled again after a reopening. */
  revision: number;
  reopenedAt: string | null;
  reopenReason: string | null;
  paidAt: string | null;
  paidBy: string | null;
  paymentReference: string | null;
  generatedAt: string;
  sentAt: string | null;
}

export interface SettlementItemView {
  id: string;
  itemType: 'entry' | 'advance' | 'fee' | 'adjustment';
  description: string;
  entryId: string | null;
  entryNo: string | null;
  entryDate: string | null;
  advanceId: string | null;
  adjustmentId: string | null;
  quantity: string | null;
  rate: string | null;
  amount: string;
}

const SELECT = `
  select s.id, s.settlement_number, f.id as farmer_id, f.farmer_code, f.name as farmer_name,
         s.period_start::text as period_start, s.period_end::text as period_end,
         s.gross_amount::text as gross, s.total_commission::text as commission, s.total_fees::text as fees,
         s.total_advances::text as advances, s.net_payable::text as net, s.advances_outstanding::text as outstanding,
         s.total_adjustments::text as adjustments, s.revision, s.reopened_at, s.reopen_reason,
         s.status, s.paid_at, u.email as paid_by, s.payment_reference, s.generated_at, s.sent_at
    from settlements s join farmers f on f.id = s.farmer_id left join users u on u.id = s.paid_by_id`;

const str = (v: unknown) => (v == null ? null : String(v));
const iso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());

function toView(r: Record<string, unknown>): SettlementView {
  return {
    id: String(r.id),
    settlementNumber: String(r.settlement_number),
    farmer: { id: String(r.farmer_id), code: String(r.farmer_code), name: String(r.farmer_name) },
    periodStart: String(r.period_start),
    periodEnd: String(r.period_end),
    grossAmount: rupees(String(r.gross)),
    totalCommission: rupees(String(r.commission)),
    totalFees: rupees(String(r.fees)),
    totalAdvances: rupees(String(r.advances)),
    totalAdjustments: rupees(String(r.adjustments)),
    netPayable: rupees(String(r.net)),
    advancesOutstanding: rupees(String(r.outstanding)),
    status: r.status as SettlementStatus,
    revision: Number(r.revision),
    reopenedAt: iso(r.reopened_at),
    reopenReason: str(r.reopen_reason),
    paidAt: iso(r.paid_at),
    paidBy: str(r.paid_by),
    paymentReference: str(r.payment_reference),
    generatedAt: iso(r.generated_at)!,
    sentAt: iso(r.sent_at),
  };
}

/** Newest period first, then by farmer code. */
export async function listSettlements(em: EntityManager, filter: SettlementFilter & PageRequest): Promise<Page<SettlementView>> {
  if (filter.from && filter.to && filter.from > filter.to) {
    throw new AppError('DATE_RANGE', 'The start date is after the end date', 422, { from: filter.from, to: filter.to });
  }
  const conds: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => (conds.push(sql), params.push(v));
  if (filter.from) add('s.period_end >= ?::date', filter.from);
  if (filter.to) add('s.period_start <= ?::date', filter.to);
  if (filter.periodStart) add('s.period_start = ?::date', filter.periodStart);
  if (filter.farmerId) add('s.farmer_id = ?', filter.farmerId);
  if (filter.status) add('s.status = ?', filter.status);
  const where = conds.length ? `where ${conds.join(' and ')}` : '';
  const total = await em.execute<{ n: string }[]>(`select count(*)::text as n from settlements s ${where}`, params);
  const rows = await em.execute<Record<string, unknown>[]>(`${SELECT} ${where} order by s.period_end desc, f.farmer_code, s.id limit ? offset ?`, [
    ...params,
    filter.pageSize,
    offsetOf(filter),
  ]);
  return { items: rows.map(toView), page: filter.page, pageSize: filter.pageSize, total: Number(total[0]!.n) };
}

export async function getSettlement(em: EntityManager, id: string): Promise<SettlementView & { items: SettlementItemView[] }> {
  const rows = await em.execute<Record<string, unknown>[]>(`${SELECT} where s.id = ?`, [id]);
  if (!rows[0]) throw new AppError('SETTLEMENT_NOT_FOUND', 'No such settlement', 404);
  const bounds = await em.execute<SettlementBounds[]>(
    `select id, farmer_id, period_end::text as p_end, first_entry_date::text as first_entry_date from settlements where id = ?`,
    [id],
  );
  // Entry lines are the settled entries themselves (id = the entry's id); advance and fee lines are stored items.
  const { rows: entryLines } = await sql<Record<string, unknown>>`
    select de.id, 'entry' as item_type,
           format('Entry #%s %s %s %s %s x %s', de.entry_no, de.entry_date, ft.name, de.quantity, de.unit, de.rate_per_unit) as description,
           de.id as entry_id, de.entry_no::text as entry_no, de.entry_date::text as entry_date, null as cash_advance_id, null as adjustment_id,
           de.quantity::text as quantity, de.rate_per_unit::text as rate, de.total_amount::text as amount
      from daily_entries de join flower_types ft on ft.id = de.flower_type_id
     where ${settledEntriesOf(bounds[0]!)}
     order by de.entry_date, de.entry_no`.execute(em.getKysely());
  const stored = await em.execute<Record<string, unknown>[]>(
    `select i.id, i.item_type, i.description, null as entry_id, null as entry_no, null as entry_date,
            i.cash_advance_id, i.adjustment_id, i.quantity::text as quantity, i.rate::text as rate, i.amount::text as amount
       from settlement_items i
      where i.settlement_id = ?
      order by case i.item_type when 'fee' then 1 else 2 end, i.created_at, i.id`,
    [id],
  );
  const items = [...entryLines, ...stored];
  return {
    ...toView(rows[0]),
    items: items.map((r) => ({
      id: String(r.id),
      itemType: r.item_type as SettlementItemView['itemType'],
      description: String(r.description),
      entryId: str(r.entry_id),
      entryNo: str(r.entry_no),
      entryDate: str(r.entry_date),
      advanceId: str(r.cash_advance_id),
      adjustmentId: str(r.adjustment_id),
      quantity: r.quantity == null ? null : qty(String(r.quantity)),
      rate: r.rate == null ? null : rupees(String(r.rate)),
      amount: rupees(String(r.amount)),
    })),
  };
}
