// db:validate's buyers' checks, each one caught by a fault planted in a rolled-back transaction, and no other check.
// The book (charges 0):
//   B301 (limit 1000): S1 2 × 100 = 200.00, S2 3 × 100 = 300.00, S3 1 × 500 = 500.00 voided; C1 250 cash → S1 200, S2 50.
//        Balance 200 + 300 − 250 = 250.00.
//   B302: S4 1 × 100 = 100.00; C2 150 → S4 100, 50 left as credit. Balance −50.00.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { StaffActor } from '../../src/domain/audit/actor.js';
import { recordCollections } from '../../src/domain/buyers/collections.service.js';
import { recordSales } from '../../src/domain/buyers/record-sales.js';
import { voidSale } from '../../src/domain/buyers/sale-corrections.js';
import { buyerChecks } from '../../src/ops/validation/buyer-checks.js';
import { expectedForeignKeys, validateLedger, type ValidationReport } from '../../src/ops/validation/validate.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { createBuyer } from './helpers.js';

let t: TestDatabase;
const no: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestDatabase();
  const [u] = await sql<{ id: string }>(t.db, `select id::text from users where email = 'admin@malar.com'`);
  const actor: StaffActor = { userId: u!.id, role: 'admin', channel: 'cli' };
  const [f] = await sql<{ id: string }>(t.db, `select id::text from flower_types where code = 'FLW002'`);
  const flower = { id: f!.id, code: 'FLW002', name: 'Jasmine', nameTa: 'மல்லிகை', unit: 'kg' as const };
  const a = await createBuyer(t, 'B301', null, { creditLimit: '1000.00' });
  const b = await createBuyer(t, 'B302', null);
  const at = (m: number) => new Date(Date.UTC(2030, 6, 1, 1, m));
  const line = (buyer: { id: string; code: string }, q: string, rate: string, m: number) => ({
    buyer,
    flower,
    quantity: q,
    rate,
    at: at(m),
    sourceMessageId: null,
    sourceLine: 0,
  });
  await t.db.orm.em.fork().transactional(async (e) => {
    const em = e as EntityManager;
    const s = await recordSales(em, actor, [line(a, '2', '100', 0), line(a, '3', '100', 1), line(a, '1', '500', 2), line(b, '1', '100', 3)], {
      timeZone: 'Asia/Kolkata',
    });
    for (const [i, k] of ['s1', 's2', 's3', 's4'].entries()) no[k] = s[i]!.sale.saleNo;
    await voidSale(em, { saleNo: no.s3!, actor, reason: 'fixture', at: at(4) });
    const c = await recordCollections(
      em,
      actor,
      [
        { buyer: a, amount: '250', mode: 'cash', reference: null, at: at(5), sourceMessageId: null, sourceLine: 0 },
        { buyer: b, amount: '150', mode: 'cash', reference: null, at: at(6), sourceMessageId: null, sourceLine: 0 },
      ],
      { timeZone: 'Asia/Kolkata' },
    );
    for (const [i, k] of ['c1', 'c2'].entries()) no[k] = c[i]!.collection.collectionNo;
  });
});
afterAll(() => t?.close());

class Rollback extends Error {}
async function validateWith(plant: string[]): Promise<ValidationReport> {
  let report: ValidationReport | undefined;
  await t.db.orm.em
    .fork()
    .transactional(async (em) => {
      for (const s of plant) await em.execute(s);
      report = await validateLedger((q, p = []) => em.execute(q, p), expectedForeignKeys(t.db.orm));
      throw new Rollback();
    })
    .catch((err) => {
      if (!(err instanceof Rollback)) throw err;
    });
  return report!;
}

const sale = (k: string) => `(select id from sales where sale_no = ${no[k]})`;
const coll = (k: string) => `(select id from collections where collection_no = ${no[k]})`;

describe("db:validate's buyers' checks", () => {
  it('finds nothing wrong in the clean book', async () => {
    expect((await validateWith([])).checks.filter((c) => c.count > 0)).toEqual([]);
  });

  const FAULTS: [string, () => string[], () => string[]][] = [
    // On the voided S3, so no balance moves: 500 + (−1) = 499 still adds up.
    [
      'negative_sale_values',
      () => [
        'alter table sales drop constraint sales_amounts_check',
        `update sales set charges_amount = -1.00, total_amount = 499.00 where id = ${sale('s3')}`,
      ],
      () => [`S${no.s3}`],
    ],
    ['sale_arithmetic', () => [`update sales set quantity = 2.5 where id = ${sale('s3')}`], () => [`S${no.s3}`]],
    // C2 has 50 free, so only the sale is over: 100 + 10 > 100.
    [
      'allocation_over_sale',
      () => [`insert into collection_allocations (collection_id, sale_id, amount) values (${coll('c2')}, ${sale('s4')}, 10.00)`],
      () => [`S${no.s4}`],
    ],
    // S2 has 250 due, so only the collection is over: 250 + 10 > 250.
    [
      'allocation_over_collection',
      () => [`insert into collection_allocations (collection_id, sale_id, amount) values (${coll('c1')}, ${sale('s2')}, 10.00)`],
      () => [`C${no.c1}`],
    ],
    ['buyer_balances', () => [`update buyers set current_balance = 251.00 where buyer_code = 'B301'`], () => ['B301']],
    ['unapplied_with_open_sales', () => [`update collection_allocations set released_at = now() where sale_id = ${sale('s2')}`], () => ['B301']],
    ['buyer_over_credit_limit', () => [`update buyers set credit_limit = 100.00 where buyer_code = 'B301'`], () => ['B301']],
  ];

  it('has a planted fault for every check', () => {
    expect(FAULTS.map(([id]) => id).sort()).toEqual(
      buyerChecks()
        .map((c) => c.id)
        .sort(),
    );
  });

  it.each(FAULTS)('%s reports its fault, and no other check does', async (check, plant, examples) => {
    const report = await validateWith(plant());
    expect(report.checks.filter((c) => c.count > 0).map((c) => ({ id: c.id, examples: c.examples }))).toEqual([{ id: check, examples: examples() }]);
    expect(report.ok).toBe(check === 'buyer_over_credit_limit');
  });
});
