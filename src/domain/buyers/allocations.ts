// Applying collections to sales, the one owner of that rule: each buyer's unapplied collection money goes to
// their oldest unpaid active sales first (sale date and time, then number), oldest collection first. Part
// payments stay per sale, so every sale knows what is still due. Allocations of a voided sale are released (kept,
// with released_at) and the money is applied again. One statement for any number of buyers.
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';

export interface Allocation {
  collectionId: string;
  saleId: string;
  saleNo: string;
  amount: string;
  /** What is still due on the sale after this allocation. */
  saleDue: string;
}

/** Live allocations: the relation every due and credit figure reads. */
export const LIVE_ALLOCATIONS = `(select collection_id, sale_id, amount from collection_allocations where released_at is null)`;

/**
 * Applies every buyer's free collection money to their open sales, FIFO on both sides: laying dues and free
 * amounts end to end in order, each (sale, collection) pair gets the overlap of their two ranges.
 */
export async function allocateCollections(em: EntityManager, buyerIds: string[]): Promise<Allocation[]> {
  const ids = [...new Set(buyerIds)];
  if (ids.length === 0) return [];
  const { rows } = await sql<{ collection_id: string; sale_id: string; sale_no: string; amount: string; due: string }>`
    with b as materialized (
      select id as buyer_id from buyers where id = any(${ids}::uuid[]) order by id for no key update
    ),
    open_sales as (
      select s.id, s.buyer_id, s.sale_no, s.sale_date, s.sale_time, s.total_amount - coalesce(sum(a.amount), 0) as due
        from sales s left join collection_allocations a on a.sale_id = s.id and a.released_at is null
       where s.status = 'active' and s.buyer_id in (select buyer_id from b)
       group by s.id
      having s.total_amount > coalesce(sum(a.amount), 0)
    ),
    free as (
      select c.id, c.buyer_id, c.collection_no, c.collected_at, c.amount - coalesce(sum(a.amount), 0) as free
        from collections c left join collection_allocations a on a.collection_id = c.id and a.released_at is null
       where c.buyer_id in (select buyer_id from b)
       group by c.id
      having c.amount > coalesce(sum(a.amount), 0)
    ),
    sr as (
      select *, sum(due) over w as hi from open_sales
      window w as (partition by buyer_id order by sale_date, sale_time, sale_no rows unbounded preceding)
    ),
    cr as (
      select *, sum(free) over w as hi from free
      window w as (partition by buyer_id order by collected_at, collection_no rows unbounded preceding)
    ),
    pairs as (
      select cr.id as collection_id, sr.id as sale_id, sr.sale_no, sr.due, sr.hi as s_hi,
             least(sr.hi, cr.hi) - greatest(sr.hi - sr.due, cr.hi - cr.free) as amount
        from sr join cr on cr.buyer_id = sr.buyer_id
       where least(sr.hi, cr.hi) > greatest(sr.hi - sr.due, cr.hi - cr.free)
    ),
    ins as (
      insert into collection_allocations (collection_id, sale_id, amount)
      select collection_id, sale_id, amount from pairs order by s_hi, collection_id
      returning collection_id, sale_id, amount
    )
    select p.collection_id::text, p.sale_id::text, p.sale_no::text, p.amount::text,
           (p.due - sum(p.amount) over (partition by p.sale_id))::numeric(14,2)::text as due
      from pairs p join ins using (collection_id, sale_id)
     order by p.s_hi`.execute(em.getKysely());
  return rows.map((r) => ({ collectionId: r.collection_id, saleId: r.sale_id, saleNo: r.sale_no, amount: r.amount, saleDue: r.due }));
}
