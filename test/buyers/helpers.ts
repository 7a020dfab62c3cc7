// Buyers of a test's own, with known phones, languages and credit limits.
import type { TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';

export async function createBuyer(
  t: TestDatabase,
  code: string,
  phone: string | null,
  o: { language?: 'en' | 'ta'; creditLimit?: string | null; name?: string } = {},
) {
  const rows = await sql<{ id: string }>(
    t.db,
    `insert into buyers (buyer_code, name, phone, village, language_preference, credit_limit) values (?, ?, ?, 'Test town', ?, ?) returning id::text as id`,
    [code, o.name ?? `Buyer ${code}`, phone, o.language ?? 'ta', o.creditLimit ?? null],
  );
  return { id: rows[0]!.id, code, phone };
}

export const buyerBalance = async (t: TestDatabase, id: string) =>
  (await sql<{ b: string }>(t.db, `select current_balance::text as b from buyers where id = ?`, [id]))[0]!.b;

/** Live allocations of a buyer as 'C<n> S<n> amount', summed per pair, in collection then sale order. */
export async function liveAllocations(t: TestDatabase, buyerId: string) {
  const rows = await sql<{ line: string }>(
    t.db,
    `select 'C' || c.collection_no || ' S' || s.sale_no || ' ' || sum(a.amount)::numeric(14,2)::text as line
       from collection_allocations a join collections c on c.id = a.collection_id join sales s on s.id = a.sale_id
      where a.released_at is null and c.buyer_id = ?
      group by c.collection_no, s.sale_no order by c.collection_no, s.sale_no`,
    [buyerId],
  );
  return rows.map((r) => r.line);
}
