// What the buyers' book shows: a buyer's ledger with its running balance, open sales, the day's bill, the month so
// far, the receivables ageing, the day's collection register and the day's stock. Facts only.
import type { EntityManager } from '@mikro-orm/postgresql';
import { dec, qty, rupees, sum } from '../money.js';
import { LIVE_ALLOCATIONS } from './allocations.js';

export interface SaleRow {
  saleNo: string;
  date: string;
  at: string;
  flowerCode: string;
  flowerName: string;
  flowerNameTa: string;
  quantity: string;
  unit: 'kg' | 'piece';
  ratePerUnit: string;
  grossAmount: string;
  chargesAmount: string;
  totalAmount: string;
  paid: string;
  due: string;
}

const SALE_COLUMNS = `s.sale_no::text as "saleNo", s.sale_date::text as date, s.sale_time as at, f.code as "flowerCode", f.name as "flowerName",
  f.name_ta as "flowerNameTa", s.quantity::text as quantity, s.unit, s.rate_per_unit::text as "ratePerUnit", s.gross_amount::text as "grossAmount",
  s.charges_amount::text as "chargesAmount", s.total_amount::text as "totalAmount", coalesce(a.paid, 0)::numeric(14,2)::text as paid,
  (s.total_amount - coalesce(a.paid, 0))::numeric(14,2)::text as due`;
const SALE_FROM = `sales s join flower_types f on f.id = s.flower_type_id
  left join (select sale_id, sum(amount) as paid from ${LIVE_ALLOCATIONS} la group by sale_id) a on a.sale_id = s.id`;

const saleRow = (r: Record<string, unknown>): SaleRow => ({
  ...(r as unknown as SaleRow),
  at: new Date(r.at as string).toISOString(),
  quantity: qty(r.quantity as string),
  ratePerUnit: rupees(r.ratePerUnit as string),
});

/** The buyer's active sales with something still due, oldest first. */
export async function openSales(em: EntityManager, buyerId: string): Promise<SaleRow[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `select ${SALE_COLUMNS} from ${SALE_FROM} where s.buyer_id = ? and s.status = 'active' and s.total_amount > coalesce(a.paid, 0)
      order by s.sale_date, s.sale_time, s.sale_no`,
    [buyerId],
  );
  return rows.map(saleRow);
}

/** The buyer's active sales of a date range, oldest first. */
export async function salesBetween(em: EntityManager, buyerId: string, from: string, to: string): Promise<SaleRow[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `select ${SALE_COLUMNS} from ${SALE_FROM} where s.buyer_id = ? and s.status = 'active' and s.sale_date between ? and ?
      order by s.sale_date, s.sale_time, s.sale_no`,
    [buyerId, from, to],
  );
  return rows.map(saleRow);
}

export interface CollectionRow {
  collectionNo: string;
  date: string;
  at: string;
  amount: string;
  mode: 'cash' | 'upi' | 'bank';
  reference: string | null;
  applied: string;
}

export async function collectionsBetween(em: EntityManager, buyerId: string, from: string, to: string): Promise<CollectionRow[]> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `select c.collection_no::text as "collectionNo", c.collection_date::text as date, c.collected_at as at, c.amount::text as amount, c.mode,
            c.reference, coalesce((select sum(amount) from ${LIVE_ALLOCATIONS} la where la.collection_id = c.id), 0)::numeric(14,2)::text as applied
       from collections c where c.buyer_id = ? and c.collection_date between ? and ? order by c.collected_at, c.collection_no`,
    [buyerId, from, to],
  );
  return rows.map((r) => ({ ...(r as unknown as CollectionRow), at: new Date(r.at as string).toISOString() }));
}

/** What the buyer owed at the end of a date, by the balance rule over rows dated up to then. */
export async function buyerBalanceAsOf(em: EntityManager, buyerId: string, date: string): Promise<string> {
  const [r] = await em.execute<{ b: string }[]>(
    `select (coalesce((select sum(total_amount) from sales where buyer_id = ? and status = 'active' and sale_date <= ?), 0)
           - coalesce((select sum(amount) from collections where buyer_id = ? and collection_date <= ?), 0))::numeric(14,2)::text as b`,
    [buyerId, date, buyerId, date],
  );
  return rupees(r!.b);
}

export interface LedgerLine {
  kind: 'sale' | 'collection';
  ref: string;
  date: string;
  at: string;
  description: string;
  debit: string;
  credit: string;
  balance: string;
}

/** Sales and collections in time order with the running balance (voided sales left out: they never count). */
export async function buyerLedger(em: EntityManager, buyerId: string): Promise<LedgerLine[]> {
  const rows = await em.execute<
    { kind: 'sale' | 'collection'; ref: string; date: string; at: string; description: string; debit: string; credit: string }[]
  >(
    `select * from (
       select 'sale' as kind, 'S' || s.sale_no as ref, s.sale_date::text as date, s.sale_time as at,
              f.code || ' ' || trim_scale(s.quantity)::text || ' ' || s.unit || ' @ ' || s.rate_per_unit::text as description,
              s.total_amount::text as debit, '0.00' as credit, s.sale_no as n
         from sales s join flower_types f on f.id = s.flower_type_id where s.buyer_id = ? and s.status = 'active'
       union all
       select 'collection', 'C' || c.collection_no, c.collection_date::text, c.collected_at, c.mode || coalesce(' ' || c.reference, ''),
              '0.00', c.amount::text, c.collection_no
         from collections c where c.buyer_id = ?
     ) l order by date, at, kind desc, n`,
    [buyerId, buyerId],
  );
  let running = dec(0);
  return rows.map((r) => {
    running = running.plus(r.debit).minus(r.credit);
    return { ...r, at: new Date(r.at).toISOString(), debit: rupees(r.debit), credit: rupees(r.credit), balance: rupees(running) };
  });
}

export interface ReceivableRow {
  buyerId: string;
  buyerCode: string;
  name: string;
  d0_7: string;
  d8_15: string;
  d16_30: string;
  d30plus: string;
  outstanding: string;
  /** Collected and not applied to any sale. */
  credit: string;
  balance: string;
  oldestDueDate: string | null;
}

/** Each active buyer's unpaid sales by age on `asOf` (days since the sale date): 0–7, 8–15, 16–30, more than 30. */
export async function receivables(em: EntityManager, asOf: string): Promise<ReceivableRow[]> {
  const rows = await em.execute<Record<string, string | null>[]>(
    `with due as (
       select s.buyer_id, s.sale_date, (?::date - s.sale_date) as age, s.total_amount - coalesce(a.paid, 0) as due
         from sales s left join (select sale_id, sum(amount) as paid from ${LIVE_ALLOCATIONS} la group by sale_id) a on a.sale_id = s.id
        where s.status = 'active' and s.sale_date <= ?::date and s.total_amount > coalesce(a.paid, 0)
     ),
     credit as (
       select c.buyer_id, sum(c.amount - coalesce(u.used, 0)) as credit
         from collections c left join (select collection_id, sum(amount) as used from ${LIVE_ALLOCATIONS} la group by collection_id) u on u.collection_id = c.id
        group by c.buyer_id
     )
     select b.id::text as "buyerId", b.buyer_code as "buyerCode", b.name,
            coalesce(sum(d.due) filter (where d.age <= 7), 0)::numeric(14,2)::text as d0_7,
            coalesce(sum(d.due) filter (where d.age between 8 and 15), 0)::numeric(14,2)::text as d8_15,
            coalesce(sum(d.due) filter (where d.age between 16 and 30), 0)::numeric(14,2)::text as d16_30,
            coalesce(sum(d.due) filter (where d.age > 30), 0)::numeric(14,2)::text as d30plus,
            coalesce(sum(d.due), 0)::numeric(14,2)::text as outstanding,
            coalesce(max(cr.credit), 0)::numeric(14,2)::text as credit,
            b.current_balance::text as balance, min(d.sale_date)::text as "oldestDueDate"
       from buyers b left join due d on d.buyer_id = b.id left join credit cr on cr.buyer_id = b.id
      where b.is_active
      group by b.id
     having coalesce(sum(d.due), 0) > 0 or coalesce(max(cr.credit), 0) > 0
      order by b.buyer_code`,
    [asOf, asOf],
  );
  return rows as unknown as ReceivableRow[];
}

export interface RegisterRow {
  collectionNo: string;
  at: string;
  buyerCode: string;
  buyerName: string;
  amount: string;
  mode: 'cash' | 'upi' | 'bank';
  reference: string | null;
  recordedBy: string | null;
}

/** The day's collection register, with totals by mode. */
export async function collectionRegister(em: EntityManager, date: string) {
  const rows = await em.execute<Record<string, unknown>[]>(
    `select c.collection_no::text as "collectionNo", c.collected_at as at, b.buyer_code as "buyerCode", b.name as "buyerName", c.amount::text as amount,
            c.mode, c.reference, u.full_name as "recordedBy"
       from collections c join buyers b on b.id = c.buyer_id left join users u on u.id = c.recorded_by_id
      where c.collection_date = ? order by c.collected_at, c.collection_no`,
    [date],
  );
  const list = rows.map((r) => ({
    ...(r as unknown as RegisterRow),
    at: new Date(r.at as string).toISOString(),
    amount: rupees(r.amount as string),
  }));
  const byMode = (m: string) => sum(list.filter((r) => r.mode === m).map((r) => r.amount));
  return { date, collections: list, totals: { cash: byMode('cash'), upi: byMode('upi'), bank: byMode('bank'), all: sum(list.map((r) => r.amount)) } };
}

export interface StockRow {
  flowerId: string;
  flowerCode: string;
  flowerName: string;
  flowerNameTa: string;
  unit: 'kg' | 'piece';
  received: string;
  sold: string;
  unsold: string;
}

/** Per flower, for a market date: received from farmers (active entries), sold to buyers (active sales), left unsold. */
export async function dayStock(em: EntityManager, date: string): Promise<StockRow[]> {
  const rows = await em.execute<Record<string, string>[]>(
    `select f.id::text as "flowerId", f.code as "flowerCode", f.name as "flowerName", f.name_ta as "flowerNameTa", f.unit,
            coalesce(r.q, 0)::text as received, coalesce(s.q, 0)::text as sold
       from flower_types f
       left join (select flower_type_id, sum(quantity) as q from daily_entries where entry_date = ? and status = 'active' group by 1) r on r.flower_type_id = f.id
       left join (select flower_type_id, sum(quantity) as q from sales where sale_date = ? and status = 'active' group by 1) s on s.flower_type_id = f.id
      where r.q is not null or s.q is not null
      order by f.name`,
    [date, date],
  );
  return rows.map((r) => ({
    ...(r as unknown as StockRow),
    received: qty(r.received!),
    sold: qty(r.sold!),
    unsold: qty(dec(r.received!).minus(r.sold!)),
  }));
}
