// Read-only views of the ledger's entries for the office: filtered lists, totals and exports.
// Recording and voiding entries belong to the entry service (the chat ledger), not here.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { qty, rupees } from '../money.js';
import { offsetOf, type Page, type PageRequest } from '../paging.js';

export interface EntryFilter {
  from?: string | undefined;
  to?: string | undefined;
  farmerId?: string | undefined;
  flowerTypeId?: string | undefined;
  timeSlotId?: string | undefined;
  status?: 'active' | 'voided' | undefined;
}

export interface EntryRow {
  id: string;
  entryNo: string;
  entryDate: string;
  entryTime: string;
  farmer: { id: string; code: string; name: string };
  flower: { id: string; code: string; name: string; nameTa: string };
  slot: { id: string; name: string; nameTa: string } | null;
  quantity: string;
  unit: string;
  ratePerUnit: string;
  totalAmount: string;
  commissionRate: string;
  commissionAmount: string;
  feeAmount: string;
  netAmount: string;
  status: string;
  source: string;
  recordedBy: string | null;
  voidedAt: string | null;
  voidReason: string | null;
  settlementId: string | null;
  /** A fix's replacement: the entry it corrects. */
  correctsEntryId: string | null;
}

export const EXPORT_MAX_ROWS = 100_000;

function whereOf(filter: EntryFilter): { where: string; params: unknown[] } {
  if (filter.from && filter.to && filter.from > filter.to) {
    throw new AppError('DATE_RANGE', 'The start date is after the end date', 422, { from: filter.from, to: filter.to });
  }
  const conds: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => (conds.push(sql), params.push(v));
  if (filter.from) add('e.entry_date >= ?::date', filter.from);
  if (filter.to) add('e.entry_date <= ?::date', filter.to);
  if (filter.farmerId) add('e.farmer_id = ?', filter.farmerId);
  if (filter.flowerTypeId) add('e.flower_type_id = ?', filter.flowerTypeId);
  if (filter.timeSlotId) add('e.time_slot_id = ?', filter.timeSlotId);
  if (filter.status) add('e.status = ?', filter.status);
  return { where: conds.length ? `where ${conds.join(' and ')}` : '', params };
}

const SELECT = `
  select e.id, e.entry_no::text as entry_no, e.entry_date::text as entry_date, e.entry_time,
         f.id as farmer_id, f.farmer_code, f.name as farmer_name,
         ft.id as flower_id, ft.code as flower_code, ft.name as flower_name, ft.name_ta as flower_name_ta,
         s.id as slot_id, s.name as slot_name, s.name_ta as slot_name_ta,
         e.quantity::text as quantity, e.unit, e.rate_per_unit::text as rate_per_unit, e.total_amount::text as total_amount,
         e.commission_rate::text as commission_rate, e.commission_amount::text as commission_amount,
         e.fee_amount::text as fee_amount, e.net_amount::text as net_amount, e.status, e.source,
         u.email as recorded_by, e.voided_at, e.void_reason, e.settlement_id, e.corrects_entry_id
    from daily_entries e
    join farmers f on f.id = e.farmer_id
    join flower_types ft on ft.id = e.flower_type_id
    left join time_slots s on s.id = e.time_slot_id
    left join users u on u.id = e.recorded_by_id`;
const ORDER = 'order by e.entry_date desc, e.entry_no desc';

const str = (v: unknown) => (v == null ? null : String(v));
const iso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());

function toRow(r: Record<string, unknown>): EntryRow {
  return {
    id: String(r.id),
    entryNo: String(r.entry_no),
    entryDate: String(r.entry_date),
    entryTime: iso(r.entry_time)!,
    farmer: { id: String(r.farmer_id), code: String(r.farmer_code), name: String(r.farmer_name) },
    flower: { id: String(r.flower_id), code: String(r.flower_code), name: String(r.flower_name), nameTa: String(r.flower_name_ta) },
    slot: r.slot_id == null ? null : { id: String(r.slot_id), name: String(r.slot_name), nameTa: String(r.slot_name_ta) },
    quantity: qty(String(r.quantity)),
    unit: String(r.unit),
    ratePerUnit: rupees(String(r.rate_per_unit)),
    totalAmount: rupees(String(r.total_amount)),
    commissionRate: rupees(String(r.commission_rate)),
    commissionAmount: rupees(String(r.commission_amount)),
    feeAmount: rupees(String(r.fee_amount)),
    netAmount: rupees(String(r.net_amount)),
    status: String(r.status),
    source: String(r.source),
    recordedBy: str(r.recorded_by),
    voidedAt: iso(r.voided_at),
    voidReason: str(r.void_reason),
    settlementId: str(r.settlement_id),
    correctsEntryId: str(r.corrects_entry_id),
  };
}

export interface EntryTotals {
  /** Sums over the active entries that match (voided ones count for nothing). */
  activeCount: number;
  totalAmount: string;
  commissionAmount: string;
  feeAmount: string;
  netAmount: string;
}

export async function listEntries(em: EntityManager, filter: EntryFilter & PageRequest): Promise<Page<EntryRow> & { totals: EntryTotals }> {
  const { where, params } = whereOf(filter);
  const agg = await em.execute<Record<string, string>[]>(
    `select count(*)::text as n,
            count(*) filter (where e.status = 'active')::text as active,
            coalesce(sum(e.total_amount) filter (where e.status = 'active'), 0)::text as total,
            coalesce(sum(e.commission_amount) filter (where e.status = 'active'), 0)::text as commission,
            coalesce(sum(e.fee_amount) filter (where e.status = 'active'), 0)::text as fee,
            coalesce(sum(e.net_amount) filter (where e.status = 'active'), 0)::text as net
       from daily_entries e ${where}`,
    params,
  );
  const rows = await em.execute<Record<string, unknown>[]>(`${SELECT} ${where} ${ORDER} limit ? offset ?`, [
    ...params,
    filter.pageSize,
    offsetOf(filter),
  ]);
  const a = agg[0]!;
  return {
    items: rows.map(toRow),
    page: filter.page,
    pageSize: filter.pageSize,
    total: Number(a.n),
    totals: {
      activeCount: Number(a.active),
      totalAmount: rupees(a.total!),
      commissionAmount: rupees(a.commission!),
      feeAmount: rupees(a.fee!),
      netAmount: rupees(a.net!),
    },
  };
}

/** Every matching entry, oldest first (the order a ledger is read in). */
export async function exportEntries(em: EntityManager, filter: EntryFilter): Promise<EntryRow[]> {
  const { where, params } = whereOf(filter);
  const count = await em.execute<{ n: string }[]>(`select count(*)::text as n from daily_entries e ${where}`, params);
  if (Number(count[0]!.n) > EXPORT_MAX_ROWS) {
    throw new AppError('EXPORT_TOO_LARGE', `More than ${EXPORT_MAX_ROWS} entries; narrow the dates`, 422, { max: EXPORT_MAX_ROWS });
  }
  const rows = await em.execute<Record<string, unknown>[]>(`${SELECT} ${where} order by e.entry_date, e.entry_no`, params);
  return rows.map(toRow);
}

/** One entry as the lists show it. */
export async function getEntryRow(em: EntityManager, id: string): Promise<EntryRow> {
  const rows = await em.execute<Record<string, unknown>[]>(`${SELECT} where e.id = ?`, [id]);
  if (!rows[0]) throw new AppError('ENTRY_NOT_FOUND', 'No such entry', 404);
  return toRow(rows[0]);
}

export interface FlowerSlotTotal {
  flower: { code: string; name: string; nameTa: string; unit: string };
  slot: { name: string; nameTa: string } | null;
  entries: number;
  quantity: string;
  totalAmount: string;
  netAmount: string;
}

/** Active entries of a market day by flower and slot (the office's Today page). */
export async function dayTotalsByFlowerAndSlot(em: EntityManager, date: string): Promise<FlowerSlotTotal[]> {
  const rows = await em.execute<Record<string, string | null>[]>(
    `select ft.code, ft.name, ft.name_ta, ft.unit, s.name as slot, s.name_ta as slot_ta, count(*)::text as n,
            sum(e.quantity)::text as quantity, sum(e.total_amount)::text as total, sum(e.net_amount)::text as net
       from daily_entries e join flower_types ft on ft.id = e.flower_type_id left join time_slots s on s.id = e.time_slot_id
      where e.entry_date = ?::date and e.status = 'active'
      group by ft.code, ft.name, ft.name_ta, ft.unit, s.name, s.name_ta, s.sort_order, s.start_time
      order by ft.code, s.sort_order, s.start_time`,
    [date],
  );
  return rows.map((r) => ({
    flower: { code: r.code!, name: r.name!, nameTa: r.name_ta!, unit: r.unit! },
    slot: r.slot == null ? null : { name: r.slot, nameTa: r.slot_ta! },
    entries: Number(r.n),
    quantity: qty(r.quantity!),
    totalAmount: rupees(r.total!),
    netAmount: rupees(r.net!),
  }));
}
