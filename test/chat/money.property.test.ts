// Property tests for the ledger's money rules, checked against an independent integer (BigInt paise) computation,
// and for the balance rule after random sequences of entries, voids and advances sent through the chat pipeline.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryAmounts } from '../../src/domain/money.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { businessLogicViolations, createFarmer, send, setSetting, setTestRates } from './helpers.js';

/** Integer units → fixed decimal string: fixed(12345n, 2) = '123.45', fixed(-5n, 2) = '-0.05'. */
function fixed(units: bigint, scale: number): string {
  const neg = units < 0n;
  const abs = (neg ? -units : units).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${abs.slice(0, -scale)}.${abs.slice(-scale)}`;
}
/** Half-up division of non-negative integers. */
const divHalfUp = (n: bigint, d: bigint) => (n * 2n + d) / (2n * d);

function expected(qMilli: bigint, ratePaise: bigint, commissionHundredths: bigint, feePaise: bigint) {
  const total = divHalfUp(qMilli * ratePaise, 1000n); // milli-kg × paise = 1/1000 paise
  const commission = divHalfUp(total * commissionHundredths, 10000n); // percent with 2 decimals
  return {
    totalAmount: fixed(total, 2),
    commissionAmount: fixed(commission, 2),
    feeAmount: fixed(feePaise, 2),
    netAmount: fixed(total - commission - feePaise, 2),
  };
}

const quantity = fc.bigInt({ min: 1n, max: 99_999_999n }); // 0.001 … 99,999.999
const ratePaise = fc.bigInt({ min: 1n, max: 9_999_999n }); // ₹0.01 … ₹99,999.99
const commission = fc.bigInt({ min: 0n, max: 10_000n }); // 0.00 % … 100.00 %
const fee = fc.bigInt({ min: 0n, max: 50_000n });

describe('entry amounts (pure)', () => {
  it('total = round(q × r, 2), commission = round(total × c / 100, 2), net = total − commission − fee', () => {
    fc.assert(
      fc.property(quantity, ratePaise, commission, fee, (q, r, c, f) => {
        const got = entryAmounts({ quantity: fixed(q, 3), ratePerUnit: fixed(r, 2), commissionRate: fixed(c, 2), feeAmount: fixed(f, 2) });
        expect(got).toEqual(expected(q, r, c, f));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('on the database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await setTestRates(t);
    // Random lots and rates, most of them far from any real one: the fat-finger guard would hold them (it has its
    // own tests, test/chat/fixes.test.ts); here only the arithmetic is under test.
    await setSetting(t, 'max_lot_kg', '9999999.999');
    await setSetting(t, 'rate_confirm_factor', '0');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('what an entry stores is exactly the integer computation (no float error reaches the database)', async () => {
    const farmer = await createFarmer(t);
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: 9_999_999n }),
        fc.bigInt({ min: 1n, max: 999_999n }),
        commission,
        fc.bigInt({ min: 0n, max: 500n }),
        async (q, r, c, perUnitPaise) => {
          await sql(t.db, `update farmers set commission_rate = ?::numeric where id = ?`, [fixed(c, 2), farmer.id]);
          await setSetting(t, 'fee_per_entry', '0.00');
          await setSetting(t, 'fee_per_unit', fixed(perUnitPaise, 2));
          const sent = await send(t, '+919876543210', `${farmer.code} rose ${fixed(q, 3)} @${fixed(r, 2)}`);
          const rows = await sql<Record<string, string>>(
            t.db,
            `select total_amount::text as "totalAmount", commission_amount::text as "commissionAmount", fee_amount::text as "feeAmount", net_amount::text as "netAmount"
               from daily_entries where source_message_id = ?`,
            [sent.message.providerMessageId],
          );
          const feePaise = divHalfUp(perUnitPaise * q, 1000n);
          const want = expected(q, r, c, feePaise);
          if (want.netAmount.startsWith('-'))
            expect(rows).toEqual([]); // refused: fees above the amount
          else expect(rows).toEqual([want]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('the stored balance equals the balance recomputed from rows after any sequence of entries, voids and advances', async () => {
    await setSetting(t, 'fee_per_entry', '1.50');
    await setSetting(t, 'fee_per_unit', '0.05');
    const farmers = [await createFarmer(t), await createFarmer(t, { commissionRate: '7.25' })];
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('entry' as const),
        who: fc.nat(1),
        q: fc.bigInt({ min: 1n, max: 500_000n }),
        flower: fc.constantFrom('rose', 'malli', 'samanthi'),
      }),
      fc.record({ kind: fc.constant('void' as const), pick: fc.nat(50) }),
      fc.record({ kind: fc.constant('undo' as const) }),
      fc.record({ kind: fc.constant('advance' as const), who: fc.nat(1), paise: fc.bigInt({ min: 1n, max: 400_000n }), admin: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (ops) => {
        for (const o of ops) {
          if (o.kind === 'entry') await send(t, '+919876543211', `${farmers[o.who]!.code} ${o.flower} ${fixed(o.q, 3)}`);
          else if (o.kind === 'undo') await send(t, '+919876543211', 'undo');
          else if (o.kind === 'advance')
            await send(t, o.admin ? '+919876543210' : '+919876543211', `adv ${farmers[o.who]!.code} ${fixed(o.paise, 2)}`);
          else {
            const active = await sql<{ entry_no: string }>(
              t.db,
              `select entry_no::text from daily_entries where status = 'active' order by entry_no`,
            );
            if (active.length) await send(t, '+919876543210', `void ${active[o.pick % active.length]!.entry_no} property test`);
          }
        }
        expect(await businessLogicViolations(t)).toEqual({ settlements: [], balances: [], commissions: [] });
      }),
      { numRuns: 15 },
    );
    // The sequences did move money: the check above compared real figures, not zeros.
    const moved = await sql<{ n: string }>(t.db, `select count(*)::text as n from farmers where current_balance <> 0`);
    expect(Number(moved[0]!.n)).toBeGreaterThan(0);
  });
});
