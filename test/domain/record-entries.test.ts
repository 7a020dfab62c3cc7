// recordEntries with one line per call versus many lines in one call: the same entry rows, audit rows, balances
// and facts (each fact's balance is the farmer's balance just after that line). This is what keeps the chat's
// bulk planner (many lines in one call) and the one-line paths (chat, office form) in step.
// Rates (helpers.ts): rose 180.35, jasmine 412.50 in Morning Peak from 2030-03-01; fees 2.00 + 0.50 per unit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEntries, type EntryLine } from '../../src/domain/entries/record-entries.js';
import { activeFlowers } from '../../src/domain/flowers/flower.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { createFarmer, createStaff, setSetting, setTestRates } from '../chat/helpers.js';

let t: TestDatabase;
const TZ = 'Asia/Kolkata';
const AT = new Date('2030-03-02T00:40:00Z'); // 06:10 market time: Morning Peak

beforeAll(async () => {
  t = await createTestDatabase();
  await setTestRates(t);
  await setSetting(t, 'fee_per_entry', '2.00');
  await setSetting(t, 'fee_per_unit', '0.50');
});
afterAll(async () => {
  await t?.close();
});

async function conversation(n: number, oneCallEach: boolean) {
  const staff = await createStaff(t, `+91985000${n}001`);
  const actor = { userId: staff.id, role: 'staff' as const, phone: staff.phone, channel: 'chat' as const };
  const a = await createFarmer(t);
  const b = await createFarmer(t, { commissionRate: '4.00' });
  const flowers = await activeFlowers(t.db.orm.em.fork());
  const rose = flowers.find((f) => f.code === 'FLW001')!;
  const malli = flowers.find((f) => f.code === 'FLW002')!;
  const line = (
    farmer: { id: string; code: string },
    commissionRate: string | null,
    flower: EntryLine['flower'],
    quantity: string,
    rate: string | null,
    no: number,
  ): EntryLine => ({
    farmer: { id: farmer.id, code: farmer.code, commissionRate },
    flower,
    quantity,
    slotId: null,
    rate,
    at: AT,
    sourceMessageId: `re-${n}-${no}`,
    sourceLine: 0,
  });
  const lines = [
    line(a, null, rose, '2', null, 1),
    line(a, null, malli, '1.5', null, 2),
    line(b, '4.00', rose, '1', '200', 3),
    line(a, null, rose, '1', null, 4),
  ];
  const em = t.db.orm.em.fork();
  const facts = oneCallEach
    ? await em.transactional(async (tx) => {
        const out = [];
        for (const l of lines) out.push(...(await recordEntries(tx, actor, [l], { timeZone: TZ })));
        return out;
      })
    : await em.transactional((tx) => recordEntries(tx, actor, lines, { timeZone: TZ }));
  const rows = await sql<Record<string, string>>(
    t.db,
    `select case e.farmer_id when ? then 'A' else 'B' end as farmer, e.quantity::text as qty, e.rate_per_unit::text as rate,
            e.total_amount::text as total, e.commission_amount::text as commission, e.fee_amount::text as fee, e.net_amount::text as net,
            e.source, e.status, l.actor_phone = ? as by_staff, l.details->>'rateGiven' as rate_given, l.details->>'entryNo' = e.entry_no::text as audit_no
       from daily_entries e join security_logs l on l.entity_id = e.id::text and l.action = 'entry.create'
      where e.farmer_id in (?, ?) order by e.entry_no`,
    [a.id, staff.phone, a.id, b.id],
  );
  const balances = await sql<{ b: string }>(t.db, `select current_balance::text as b from farmers where id in (?, ?) order by id = ? desc`, [
    a.id,
    b.id,
    a.id,
  ]);
  return {
    rows,
    balances: balances.map((r) => r.b),
    facts: facts.map((f) => ({ net: f.entry.netAmount, after: f.balanceAfter, farmer: f.farmer.id === a.id ? 'A' : 'B' })),
  };
}

describe('recordEntries: one line per call or many in one call', () => {
  it('writes the same rows, audit rows and balances, and reports each line’s balance after, worked out by hand', async () => {
    const many = await conversation(1, false);
    const one = await conversation(2, true);
    expect(many).toEqual(one);
    // A: 2 × 180.35 = 360.70, 5% 18.04, fee 3.00 → 339.66; 1.5 × 412.50 = 618.75, 30.94, fee 2.75 → 585.06;
    //    1 × 180.35, 9.02, fee 2.50 → 168.83. B: 1 × 200 (given), 4% 8.00, fee 2.50 → 189.50.
    expect(many.facts).toEqual([
      { net: '339.66', after: '339.66', farmer: 'A' },
      { net: '585.06', after: '924.72', farmer: 'A' },
      { net: '189.50', after: '189.50', farmer: 'B' },
      { net: '168.83', after: '1093.55', farmer: 'A' },
    ]);
    expect(many.balances).toEqual(['1093.55', '189.50']);
    expect(many.rows.map((r) => [r.farmer, r.net, r.rate_given, r.by_staff, r.audit_no, r.source])).toEqual([
      ['A', '339.66', 'false', true, true, 'whatsapp'],
      ['A', '585.06', 'false', true, true, 'whatsapp'],
      ['B', '189.50', 'true', true, true, 'whatsapp'],
      ['A', '168.83', 'false', true, true, 'whatsapp'],
    ]);
  });

  it('records nothing when one line cannot be priced (no rate in force on its date)', async () => {
    const staff = await createStaff(t, '+919850009001');
    const a = await createFarmer(t);
    const flowers = await activeFlowers(t.db.orm.em.fork());
    const rose = flowers.find((f) => f.code === 'FLW001')!;
    // 2001: before any rate; the first line gives its rate, the second needs the one in force.
    const base = {
      farmer: { id: a.id, code: a.code, commissionRate: null },
      flower: rose,
      quantity: '1',
      slotId: null,
      at: new Date('2001-03-02T00:40:00Z'),
      sourceLine: 0,
    };
    const err = await t.db.orm.em
      .fork()
      .transactional((tx) =>
        recordEntries(
          tx,
          { userId: staff.id, role: 'staff', phone: staff.phone, channel: 'chat' },
          [
            { ...base, rate: '200', sourceMessageId: 'nr-1' },
            { ...base, rate: null, sourceMessageId: 'nr-2' },
          ],
          { timeZone: TZ },
        ),
      )
      .catch((e: { code?: string }) => e);
    expect((err as { code?: string }).code).toBe('NO_RATE');
    expect(await sql(t.db, `select 1 from daily_entries where farmer_id = ?`, [a.id])).toEqual([]);
    expect((await sql<{ b: string }>(t.db, `select current_balance::text as b from farmers where id = ?`, [a.id]))[0]!.b).toBe('0.00');
  });
});
