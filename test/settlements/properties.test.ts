// Property: for random three-week ledgers, settling week by week matches a plain model of the rules, never
// pays a negative amount, and settlements + outstanding advances + unsettled entries add up to the balance.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Big, dec, entryAmounts, rupees } from '../../src/domain/money.js';
import { settlePeriod } from '../../src/domain/settlements/settlement.service.js';
import { addDays, periodContaining } from '../../src/domain/settlements/period.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { addAdvance, addEntry, addFarmer, ledgerProblems, run } from './fixture.js';

let t: TestDatabase;
const TZ = 'Asia/Kolkata';
const FIRST_MONDAY = '2026-10-19'; // ISO week 43
const WEEKS = [0, 1, 2].map((w) => periodContaining('weekly', addDays(FIRST_MONDAY, 7 * w)));

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());

const entryArb = fc.record({
  day: fc.integer({ min: 0, max: 20 }),
  // 1.000 to 60.000 kg at ₹10.00 to ₹999.99: earnings always exceed the fee.
  grams: fc.integer({ min: 1000, max: 60000 }),
  paise: fc.integer({ min: 1000, max: 99999 }),
  commissionRate: fc.constantFrom('0.00', '5.00', '7.50', '12.25'),
  feePaise: fc.integer({ min: 0, max: 500 }),
  voided: fc.boolean(),
});
const advanceArb = fc.record({
  day: fc.integer({ min: -7, max: 20 }),
  paise: fc.integer({ min: 100, max: 2_000_000 }),
  approved: fc.boolean(),
});
const ledgerArb = fc.array(fc.record({ entries: fc.array(entryArb, { maxLength: 8 }), advances: fc.array(advanceArb, { maxLength: 4 }) }), {
  minLength: 1,
  maxLength: 3,
});

const money = (paise: number) => new Big(paise).div(100).toFixed(2);

describe('settlement properties', () => {
  it('match the model week after week and keep the ledger whole', async () => {
    await fc.assert(
      fc.asyncProperty(ledgerArb, async (farmers) => {
        const codes: string[] = [];
        const expected = new Map<string, string[]>();
        const recovered = new Map<string, string[]>();
        for (const f of farmers) {
          const code = await addFarmer(t.db);
          codes.push(code);
          const entries = f.entries.map((e) => ({
            date: addDays(FIRST_MONDAY, e.day),
            quantity: new Big(e.grams).div(1000).toFixed(3),
            rate: money(e.paise),
            commissionRate: e.commissionRate,
            fee: money(e.feePaise),
            voided: e.voided,
          }));
          for (const e of entries) await addEntry(t.db, { farmerCode: code, ...e, status: e.voided ? 'voided' : 'active' });
          // Each advance at 10:00 market time on its day, a minute apart so "oldest first" is unambiguous.
          const advances = f.advances.map((a, i) => ({
            day: a.day,
            amount: money(a.paise),
            approved: a.approved,
            at: `${addDays(FIRST_MONDAY, a.day)}T04:${String(30 + i).padStart(2, '0')}:00Z`,
          }));
          for (const a of advances)
            await addAdvance(t.db, { farmerCode: code, amount: a.amount, createdAt: a.at, status: a.approved ? 'approved' : 'pending' });

          // The model: each week takes every active entry dated up to its end not yet settled, then recovers
          // approved advances given before its end, oldest first, up to what is left.
          const owed = advances
            .filter((a) => a.approved)
            .sort((x, y) => x.at.localeCompare(y.at))
            .map((a) => ({ ...a, left: dec(a.amount) }));
          const settledDates = new Set<number>();
          const nets: string[] = [];
          for (const week of WEEKS) {
            let available = new Big(0);
            let any = false;
            entries.forEach((e, i) => {
              if (e.voided || settledDates.has(i) || e.date > week.end) return;
              settledDates.add(i);
              any = true;
              const a = entryAmounts({ quantity: e.quantity, ratePerUnit: e.rate, commissionRate: e.commissionRate, feeAmount: e.fee });
              available = available.plus(a.totalAmount).minus(a.commissionAmount).minus(a.feeAmount);
            });
            const due = owed.filter((a) => addDays(FIRST_MONDAY, a.day) <= week.end && a.left.gt(0));
            if (!any && !due.length) continue;
            for (const a of due) {
              const take = a.left.lt(available) ? a.left : available;
              a.left = a.left.minus(take);
              available = available.minus(take);
            }
            nets.push(`${week.label}:${rupees(available)}`);
          }
          expected.set(code, nets);
          // Which advance was recovered how far (oldest first), in the order they were given.
          recovered.set(
            code,
            owed.map((a) => `${a.at}:${rupees(dec(a.amount).minus(a.left))}`),
          );
        }

        for (const week of WEEKS)
          await settlePeriod(t.db.orm, { period: week, timeZone: TZ, now: new Date('2026-11-25T00:00:00Z'), farmerCodes: codes });

        for (const code of codes) {
          const rows = await run<{ label: string; net: string }>(
            t.db,
            `select substring(s.settlement_number from 3 for 7) as label, s.net_payable::text net from settlements s
             join farmers f on f.id = s.farmer_id where f.farmer_code = $1 order by s.period_start`,
            [code],
          );
          expect(rows.map((r) => `${r.label}:${r.net}`)).toEqual(expected.get(code));
          const advances = await run<{ at: string; recovered: string }>(
            t.db,
            `select to_char(ca.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at, ca.amount_recovered::text recovered
             from cash_advances ca join farmers f on f.id = ca.farmer_id where f.farmer_code = $1 and ca.status = 'approved'
             order by ca.created_at`,
            [code],
          );
          expect(advances.map((a) => `${a.at}:${a.recovered}`)).toEqual(recovered.get(code));
          // Σ net payable + Σ unsettled active entries' net − Σ advances still owed = the farmer's balance.
          const [whole] = await run<{ lhs: string; balance: string }>(
            t.db,
            `select (coalesce((select sum(net_payable) from settlements where farmer_id = f.id), 0)
                   + coalesce((select sum(net_amount) from daily_entries where farmer_id = f.id and status = 'active' and settlement_id is null), 0)
                   - coalesce((select sum(amount - amount_recovered) from cash_advances where farmer_id = f.id and status = 'approved'), 0))::text as lhs,
                    f.current_balance::text as balance
             from farmers f where f.farmer_code = $1`,
            [code],
          );
          expect(dec(whole!.lhs).eq(whole!.balance)).toBe(true);
        }
        expect(await ledgerProblems(t.db)).toEqual({ settlements: [], balances: [] });
      }),
      { numRuns: 25 },
    );
  });
});
