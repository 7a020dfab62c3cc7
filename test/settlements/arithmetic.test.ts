// Hand-worked settlements (weeks 45 and 46 of 2026: 2–8 and 9–15 November), and re-running them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { settlePeriod } from '../../src/domain/settlements/settlement.service.js';
import { paySettlement as markSettlementPaid } from '../../src/chat/payments.js';
import { statementDocument } from '../../src/outbox/documents.js';
import { inlineRenderer } from '../../src/pdf/render-pool.js';
import { NOW, TZ, W45, W46, addAdvance, addEntry, addFarmer, ledgerProblems, run } from './fixture.js';

let t: TestDatabase;
let code: string;
let w45: Awaited<ReturnType<typeof settlePeriod>>;

beforeAll(async () => {
  t = await createTestDatabase();
  code = await addFarmer(t.db, { commissionRate: '7.50' });
  // Week 45.
  // A: 12.345 kg × ₹450.50 = 5561.4225 → ₹5,561.42; commission 7.5% = 417.1065 → 417.11; fee 10.00;
  //    net 5561.42 − 417.11 − 10.00 = 5134.31.
  await addEntry(t.db, { farmerCode: code, date: '2026-11-03', quantity: '12.345', rate: '450.50', commissionRate: '7.50', fee: '10.00' });
  // B: 3.5 kg × ₹150.00 = 525.00; commission 39.375 → 39.38 (half-up); fee 2.50; net 483.12.
  await addEntry(t.db, {
    farmerCode: code,
    flowerCode: 'FLW001',
    date: '2026-11-08',
    quantity: '3.500',
    rate: '150.00',
    commissionRate: '7.50',
    fee: '2.50',
  });
  // Voided: never settled.
  await addEntry(t.db, { farmerCode: code, date: '2026-11-04', quantity: '99.000', rate: '100.00', commissionRate: '7.50', status: 'voided' });
  // Week 46: C: 20 kg × ₹120.00 = 2400.00; commission 180.00; no fee; net 2220.00.
  await addEntry(t.db, { farmerCode: code, flowerCode: 'FLW003', date: '2026-11-10', quantity: '20.000', rate: '120.00', commissionRate: '7.50' });
  // Advances: ₹1,000 in week 44 and ₹6,000 in week 45 (more than the week earns); a pending one never counts.
  await addAdvance(t.db, { farmerCode: code, amount: '1000.00', createdAt: '2026-10-28T04:30:00Z' });
  await addAdvance(t.db, { farmerCode: code, amount: '6000.00', createdAt: '2026-11-04T04:30:00Z' });
  await addAdvance(t.db, { farmerCode: code, amount: '300.00', createdAt: '2026-11-05T04:30:00Z', status: 'pending' });
  w45 = await settlePeriod(t.db.orm, { period: W45, timeZone: TZ, now: NOW, farmerCodes: [code] });
  await settlePeriod(t.db.orm, { period: W46, timeZone: TZ, now: NOW, farmerCodes: [code] });
});
afterAll(() => t?.close());

const settlementsOf = (farmerCode: string) =>
  run<Record<string, string>>(
    t.db,
    `select s.settlement_number, s.gross_amount::text gross, s.total_commission::text commission, s.total_fees::text fees,
            s.total_advances::text advances, s.net_payable::text net, s.advances_outstanding::text outstanding, s.status,
            (select count(*) from settlement_items si where si.settlement_id = s.id)::int stored_items, s.first_entry_date::text first_entry_date,
            (select count(*) from daily_entries de where de.settlement_id = s.id)::int linked
     from settlements s join farmers f on f.id = s.farmer_id where f.farmer_code = $1 order by s.period_start`,
    [farmerCode],
  );

describe('a week with an advance larger than its earnings', () => {
  it('deducts advances oldest first up to what is left and carries the rest', async () => {
    expect(w45.totals).toMatchObject({ farmers: 1, entries: 2 });
    const [s] = await settlementsOf(code);
    // gross 5561.42 + 525.00 = 6086.42; commission 417.11 + 39.38 = 456.49; fees 12.50;
    // left 6086.42 − 456.49 − 12.50 = 5617.43 → ₹1,000 advance in full, then 4617.43 of the ₹6,000; net 0.00;
    // still owed 6000 − 4617.43 = 1382.57.
    expect(s).toMatchObject({
      settlement_number: `S-2026W45-${code}`,
      gross: '6086.42',
      commission: '456.49',
      fees: '12.50',
      advances: '5617.43',
      net: '0.00',
      outstanding: '1382.57',
      stored_items: 2,
      linked: 2,
      first_entry_date: '2026-11-03',
    });
  });

  it('leaves what each advance still owes on the advance, and pending advances alone', async () => {
    const advances = await run<{ amount: string; recovered: string }>(
      t.db,
      `select amount::text, amount_recovered::text recovered from cash_advances ca join farmers f on f.id = ca.farmer_id
       where f.farmer_code = $1 order by ca.created_at`,
      [code],
    );
    // Week 45 took 1000.00 and 4617.43; week 46 the remaining 1382.57 of the 6000.00.
    expect(advances).toEqual([
      { amount: '1000.00', recovered: '1000.00' },
      { amount: '6000.00', recovered: '6000.00' },
      { amount: '300.00', recovered: '0.00' },
    ]);
  });

  it('recovers the carried advance the next week', async () => {
    const [, s] = await settlementsOf(code);
    // left 2400.00 − 180.00 = 2220.00; the 1382.57 still owed is recovered; net 2220.00 − 1382.57 = 837.43.
    expect(s).toMatchObject({
      settlement_number: `S-2026W46-${code}`,
      gross: '2400.00',
      commission: '180.00',
      fees: '0.00',
      advances: '1382.57',
      net: '837.43',
      outstanding: '0.00',
    });
  });

  it('creates nothing when a period is settled again', async () => {
    const before = await run<{ n: number }>(
      t.db,
      `select (select count(*) from settlements) + (select count(*) from settlement_items) + (select count(*) from notifications) as n`,
    );
    const again = await settlePeriod(t.db.orm, { period: W45, timeZone: TZ, now: NOW });
    const again46 = await settlePeriod(t.db.orm, { period: W46, timeZone: TZ, now: NOW, farmerCodes: [code] });
    expect(again.settled.filter((r) => r.farmerCode === code)).toEqual([]);
    expect(again46.settled).toEqual([]);
    const after = await run<{ n: number }>(
      t.db,
      `select (select count(*) from settlements) + (select count(*) from settlement_items) + (select count(*) from notifications) as n`,
    );
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('queued one statement per settlement for the farmer', async () => {
    const rows = await run<{ payload: { settlementId: string; filename: string; language: 'ta' | 'en'; caption?: string } }>(
      t.db,
      `select n.payload from notifications n join farmers f on f.id = n.farmer_id where f.farmer_code = $1 and n.type = 'statement' order by n.id`,
      [code],
    );
    expect(rows.map((r) => r.payload.filename)).toEqual([`S-2026W45-${code}.pdf`, `S-2026W46-${code}.pdf`]);
    // The row holds facts (which statement, the farmer's language); the caption is worded when it is sent:
    // Tamil (the farmer's language) with Indian grouping.
    expect(rows[1]!.payload).toEqual({ settlementId: expect.any(String), filename: `S-2026W46-${code}.pdf`, language: 'ta' });
    expect((await statementDocument(t.db.orm.em.fork(), rows[1]!.payload, TZ, inlineRenderer)).caption).toBe(
      `09-11-2026 முதல் 15-11-2026 வரையிலான கணக்கு அறிக்கை S-2026W46-${code}: நிகரத் தொகை ₹837.43`,
    );
  });

  it('keeps settled entries and settlement figures immutable', async () => {
    const err = await run(t.db, `update daily_entries set quantity = 1 where settlement_id is not null`).catch((e: Error) => e);
    expect(String(err)).toMatch(/is settled and cannot change/);
    const err2 = await run(t.db, `update settlements set net_payable = net_payable + 1`).catch((e: Error) => e);
    expect(String(err2)).toMatch(/figures cannot change/);
  });

  it('payment moves total_settlements and the balance, and leaves the ledger consistent', async () => {
    const code = await addFarmer(t.db, { commissionRate: '7.50' });
    // The same ledger as above, for a farmer of this test's own.
    await addEntry(t.db, { farmerCode: code, date: '2026-11-03', quantity: '12.345', rate: '450.50', commissionRate: '7.50', fee: '10.00' });
    await addEntry(t.db, {
      farmerCode: code,
      flowerCode: 'FLW001',
      date: '2026-11-08',
      quantity: '3.500',
      rate: '150.00',
      commissionRate: '7.50',
      fee: '2.50',
    });
    await addEntry(t.db, { farmerCode: code, flowerCode: 'FLW003', date: '2026-11-10', quantity: '20.000', rate: '120.00', commissionRate: '7.50' });
    await addAdvance(t.db, { farmerCode: code, amount: '1000.00', createdAt: '2026-10-28T04:30:00Z' });
    await addAdvance(t.db, { farmerCode: code, amount: '6000.00', createdAt: '2026-11-04T04:30:00Z' });
    await settlePeriod(t.db.orm, { period: W45, timeZone: TZ, now: NOW, farmerCodes: [code] });
    await settlePeriod(t.db.orm, { period: W46, timeZone: TZ, now: NOW, farmerCodes: [code] });
    const admin = (await run<{ id: string }>(t.db, `select id from users where email = 'admin@malar.com'`))[0]!.id;
    const paid1 = await markSettlementPaid(t.db.orm.em.fork(), {
      farmerCode: code,
      reference: 'UPI-1',
      actor: { userId: admin, role: 'admin', channel: 'web' },
    });
    expect(paid1).toMatchObject({ settlementNumber: `S-2026W45-${code}`, netPayable: '0.00' });
    const paid2 = await markSettlementPaid(t.db.orm.em.fork(), {
      farmerCode: code,
      reference: 'UPI-2',
      actor: { userId: admin, role: 'admin', channel: 'web' },
    });
    // Balance = entries 5134.31 + 483.12 + 2220.00 = 7837.43 − advances 7000.00 − paid 837.43 = 0.00.
    expect(paid2).toMatchObject({ settlementNumber: `S-2026W46-${code}`, netPayable: '837.43', currentBalance: '0.00' });
    const [f] = await run<Record<string, string>>(
      t.db,
      `select total_settlements::text ts, total_advances::text ta from farmers where farmer_code = $1`,
      [code],
    );
    expect(f).toEqual({ ts: '837.43', ta: '7000.00' });
    const again = await markSettlementPaid(t.db.orm.em.fork(), { farmerCode: code, reference: 'UPI-3' }).catch((e: { code?: string }) => e);
    expect(again).toMatchObject({ code: 'NOTHING_TO_PAY' });
    const logs = await run<{ n: number }>(
      t.db,
      `select count(*)::int n from security_logs where action = 'settlement.paid' and details->>'reference' like 'UPI-%' and entity_id in (select s.id::text from settlements s join farmers f on f.id = s.farmer_id where f.farmer_code = $1)`,
      [code],
    );
    expect(logs[0]!.n).toBe(2);
    const byId = await markSettlementPaid(t.db.orm.em.fork(), { settlementId: paid1.settlementId, reference: 'UPI-4' }).catch(
      (e: { code?: string }) => e,
    );
    expect(byId).toMatchObject({ code: 'ALREADY_PAID' });
    const notices = await run<{ text: string }>(
      t.db,
      `select n.payload->>'text' as text from notifications n join farmers f on f.id = n.farmer_id where f.farmer_code = $1 and n.type = 'payment_confirmation' order by n.id`,
      [code],
    );
    expect(notices[1]!.text).toBe(`அறிக்கை S-2026W46-${code}-க்கான ₹837.43 உங்களுக்குக் கொடுக்கப்பட்டது (குறிப்பு எண் UPI-2). நன்றி.`);
    expect(await ledgerProblems(t.db)).toEqual({ settlements: [], balances: [] });
  });
});
