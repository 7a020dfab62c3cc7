// Random sales, collections, voids and fixes (seed pinned): each buyer's stored balance equals the one worked out
// here in integer paise, and the book's checks hold (no allocation above its sale or its collection, nothing applied
// to a voided sale, no free money while a sale is unpaid, balance = Σ active sales − Σ collections).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../src/errors.js';
import type { StaffActor } from '../../src/domain/audit/actor.js';
import { recordCollections } from '../../src/domain/buyers/collections.service.js';
import { recordSales } from '../../src/domain/buyers/record-sales.js';
import { fixSale, voidSale } from '../../src/domain/buyers/sale-corrections.js';
import { buyerChecks } from '../../src/ops/validation/buyer-checks.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { setSetting } from '../chat/helpers.js';
import { buyerBalance, createBuyer } from './helpers.js';

let t: TestDatabase;
let actor: StaffActor;
let flower: { id: string; code: string; name: string; nameTa: string; unit: 'kg' };
beforeAll(async () => {
  t = await createTestDatabase();
  await setSetting(t, 'buyer_charge_per_sale', '2.00');
  await setSetting(t, 'buyer_charge_per_unit', '0.25');
  const [u] = await sql<{ id: string }>(t.db, `select id::text from users where email = 'admin@malar.com'`);
  actor = { userId: u!.id, role: 'admin', channel: 'cli' };
  const [f] = await sql<{ id: string }>(t.db, `select id::text from flower_types where code = 'FLW002'`);
  flower = { id: f!.id, code: 'FLW002', name: 'Jasmine', nameTa: 'மல்லிகை', unit: 'kg' };
});
afterAll(async () => {
  await t?.close();
});

const fixed = (v: bigint, places: number) => {
  const s = (v < 0n ? -v : v).toString().padStart(places + 1, '0');
  return `${v < 0n ? '-' : ''}${s.slice(0, -places)}.${s.slice(-places)}`;
};
/** round(q × r, 2) + round(2.00 + 0.25 × q, 2), in paise: q in thousandths, r in paise; half up. */
const totalPaise = (q: bigint, r: bigint) => (q * r + 500n) / 1000n + (200_000n + 25n * q + 500n) / 1000n;

describe('the buyers book under random sequences', () => {
  it('keeps stored balances equal to the rows and every allocation within its sale and its collection', async () => {
    let run = 0;
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('sale' as const),
        who: fc.nat(1),
        q: fc.bigInt({ min: 1n, max: 20_000n }),
        r: fc.bigInt({ min: 100n, max: 60_000n }),
      }),
      fc.record({ kind: fc.constant('coll' as const), who: fc.nat(1), paise: fc.bigInt({ min: 1n, max: 1_500_000n }) }),
      fc.record({ kind: fc.constant('void' as const), pick: fc.nat(40) }),
      fc.record({ kind: fc.constant('fix' as const), pick: fc.nat(40), q: fc.bigInt({ min: 1n, max: 20_000n }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
        run++;
        const buyers = [await createBuyer(t, `B${5000 + run * 2}`, null), await createBuyer(t, `B${5001 + run * 2}`, null)];
        // The model: each sale's total in paise while active; each buyer's collections.
        const sales = new Map<string, { who: number; total: bigint; r: bigint; active: boolean }>();
        const collected = [0n, 0n];
        let minute = 0;
        const tx = (fn: (em: EntityManager) => Promise<unknown>) => t.db.orm.em.fork().transactional((em) => fn(em as EntityManager));
        for (const o of ops) {
          const at = new Date(Date.UTC(2030, 5, 1, 1, minute++));
          if (o.kind === 'sale') {
            const b = buyers[o.who]!;
            await tx(async (em) => {
              const [s] = await recordSales(
                em,
                actor,
                [
                  {
                    buyer: { id: b.id, code: b.code },
                    flower,
                    quantity: fixed(o.q, 3),
                    rate: fixed(o.r, 2),
                    at,
                    sourceMessageId: null,
                    sourceLine: 0,
                  },
                ],
                { timeZone: 'Asia/Kolkata' },
              );
              sales.set(s!.sale.saleNo, { who: o.who, total: totalPaise(o.q, o.r), r: o.r, active: true });
            });
          } else if (o.kind === 'coll') {
            const b = buyers[o.who]!;
            await tx((em) =>
              recordCollections(
                em,
                actor,
                [
                  {
                    buyer: { id: b.id, code: b.code },
                    amount: fixed(o.paise, 2),
                    mode: 'cash',
                    reference: null,
                    at,
                    sourceMessageId: null,
                    sourceLine: 0,
                  },
                ],
                {
                  timeZone: 'Asia/Kolkata',
                },
              ),
            );
            collected[o.who]! += o.paise;
          } else {
            const active = [...sales].filter(([, s]) => s.active);
            if (!active.length) continue;
            const [no, s] = active[o.pick % active.length]!;
            try {
              if (o.kind === 'void') await tx((em) => voidSale(em, { saleNo: no, actor, reason: 'property', at }));
              else {
                await tx(async (em) => {
                  const { fixed: f } = await fixSale(em, {
                    saleNo: no,
                    actor,
                    quantity: fixed(o.q, 3),
                    rate: null,
                    at,
                    timeZone: 'Asia/Kolkata',
                    sourceMessageId: null,
                    sourceLine: 0,
                  });
                  sales.set(f.sale.saleNo, { who: s.who, total: totalPaise(o.q, s.r), r: s.r, active: true });
                });
              }
              s.active = false;
            } catch (err) {
              if (!(err instanceof AppError)) throw err;
              throw new Error(`unexpected refusal ${err.code}`);
            }
          }
        }
        for (const [i, b] of buyers.entries()) {
          const owed = [...sales.values()].filter((s) => s.active && s.who === i).reduce((a, s) => a + s.total, 0n) - collected[i]!;
          expect(await buyerBalance(t, b.id)).toBe(fixed(owed, 2));
        }
        for (const check of buyerChecks().filter((c) => c.severity === 'error')) {
          expect({ check: check.id, rows: await sql(t.db, check.sql) }).toEqual({ check: check.id, rows: [] });
        }
      }),
      { numRuns: 25, seed: 20261202 },
    );
    // The runs did move money and apply it: the checks above looked at real allocations.
    const [n] = await sql<{ a: number; r: number }>(
      t.db,
      `select count(*) filter (where released_at is null)::int as a, count(*) filter (where released_at is not null)::int as r from collection_allocations`,
    );
    expect(n!.a).toBeGreaterThan(0);
    expect(n!.r).toBeGreaterThan(0);
  });
});
