import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, STAFF, body, createApiHarness, type ApiHarness } from '../support/api.js';
import { sql } from '../support/sql.js';
import { addAdvance, addEntry, addFarmer } from '../settlements/fixture.js';

let h: ApiHarness;
let admin: string;
let staff: string;
const FROM = { 'x-forwarded-for': '198.51.100.7', 'user-agent': 'settlements-test/1' };
// ISO week 10 of 2026: Monday 2 March to Sunday 8 March, long over.
const WEEK = '2026-W10';

beforeAll(async () => {
  h = await createApiHarness({ trustProxy: true, marketTimeZone: 'Asia/Kolkata' });
  admin = await h.login(ADMIN);
  staff = await h.login(STAFF);
});
afterAll(() => h?.close());

/**
 * A farmer with a week of known figures (5% commission, no fees):
 *   10 kg jasmine × 400.00 = 4000.00, commission 200.00, net 3800.00 (Tue 3 Mar)
 *   150 lotus × 12.50     = 1875.00, commission  93.75, net 1781.25 (Thu 5 Mar)
 *   advance 1000.00 (Wed 4 Mar)
 * gross 5875.00, commission 293.75, advances 1000.00, net payable 3800.00 + 1781.25 − 1000.00 = 4581.25.
 */
async function farmerWithWeek() {
  const code = await addFarmer(h.t.db, { language: 'ta' });
  await addEntry(h.t.db, { farmerCode: code, date: '2026-03-03', quantity: '10.000', rate: '400.00' });
  await addEntry(h.t.db, { farmerCode: code, flowerCode: 'FLW004', date: '2026-03-05', quantity: '150', rate: '12.50' });
  await addAdvance(h.t.db, { farmerCode: code, amount: '1000.00', createdAt: '2026-03-04T04:30:00Z' });
  const [f] = await sql<{ id: string }>(h.t.db, 'select id from farmers where farmer_code = ?', [code]);
  return { code, id: f!.id };
}
const run = (farmerCodes: string[], extra: Record<string, unknown> = {}) =>
  h.call('POST', '/api/settlements/run', { token: admin, body: { period: WEEK, farmerCodes, ...extra }, headers: FROM });
const figures = async (id: string) =>
  (
    await sql<{ b: string; s: string }>(h.t.db, 'select current_balance::text as b, total_settlements::text as s from farmers where id = ?', [id])
  )[0]!;

async function pdfText(bytes: Uint8Array): Promise<string> {
  const task = getDocument({ data: bytes, useSystemFonts: false });
  const pdf = await task.promise;
  const items: string[] = [];
  for (let p = 1; p <= pdf.numPages; p++) {
    for (const item of (await (await pdf.getPage(p)).getTextContent()).items) if ('str' in item) items.push(item.str);
  }
  await task.destroy();
  return items.join(' ');
}

// farmerWithWeek's week, worked by hand: the dry run reports it and the real run saves it.
const WEEK_TOTALS = {
  farmers: 1,
  entries: 2,
  gross: '5875.00',
  commission: '293.75',
  fees: '0.00',
  adjustments: '0.00',
  advances: '1000.00',
  net: '4581.25',
};

describe('/api/settlements', () => {
  it('401 without a token, 403 for staff, on every route', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [method, path, b] of [
      ['GET', '/api/settlements', undefined],
      ['GET', `/api/settlements/${id}`, undefined],
      ['POST', '/api/settlements/run', { period: WEEK }],
      ['GET', `/api/settlements/${id}/statement.pdf`, undefined],
      ['POST', `/api/settlements/${id}/paid`, { reference: 'X' }],
    ] as const) {
      const anon = await h.call(method, path, { body: b });
      expect(anon.status, `${method} ${path}`).toBe(401);
      expect((await body(anon)).error.code).toBe('UNAUTHENTICATED');
      const s = await h.call(method, path, { token: staff, body: b });
      expect(s.status, `${method} ${path}`).toBe(403);
      expect((await body(s)).error.code).toBe('FORBIDDEN');
    }
  });

  it('run: bad input is refused clearly; an open period needs allowOpenPeriod', async () => {
    const bad = await h.call('POST', '/api/settlements/run', { token: admin, body: { period: 'last tuesday' } });
    expect(bad.status).toBe(400);
    expect((await body(bad)).error.code).toBe('BAD_PERIOD');
    expect((await h.call('POST', '/api/settlements/run', { token: admin, body: { period: WEEK, dryRun: 'yes' } })).status).toBe(422);
    expect((await h.call('POST', '/api/settlements/run', { token: admin, body: { period: WEEK, everyone: true } })).status).toBe(422);
    const open = await h.call('POST', '/api/settlements/run', { token: admin, body: { period: '2999-01-05' } });
    expect(open.status).toBe(409);
    expect((await body(open)).error.code).toBe('PERIOD_NOT_OVER');
    const nobody = await h.call('POST', '/api/settlements/run', { token: admin, body: { period: WEEK, farmerCodes: ['NOPE999'] } });
    expect(nobody.status).toBe(404);
    expect((await body(nobody)).error.code).toBe('FARMER_NOT_FOUND');
  });

  it('run with dryRun reports the hand-worked figures and saves nothing', async () => {
    const f = await farmerWithWeek();
    const res = await run([f.code], { dryRun: true });
    expect(res.status).toBe(200);
    const summary = await body(res);
    expect(summary).toMatchObject({
      dryRun: true,
      period: { frequency: 'weekly', start: '2026-03-02', end: '2026-03-08', label: '2026W10' },
      totals: WEEK_TOTALS,
    });
    expect(summary.settled).toEqual([
      {
        farmerCode: f.code,
        settlementId: expect.any(String),
        settlementNumber: `S-2026W10-${f.code}`,
        entries: 2,
        grossAmount: '5875.00',
        totalCommission: '293.75',
        totalFees: '0.00',
        totalAdvances: '1000.00',
        totalAdjustments: '0.00',
        netPayable: '4581.25',
        advancesOutstanding: '0.00',
      },
    ]);
    expect((await sql(h.t.db, 'select 1 from settlements where farmer_id = ?', [f.id])).length).toBe(0);
    expect((await sql(h.t.db, "select 1 from security_logs where action = 'settlement.run' and details::text like ?", [`%${f.code}%`])).length).toBe(
      0,
    );
  });

  it('run, list, get with items, PDF, mark paid (balance moves once), with audit rows', async () => {
    const f = await farmerWithWeek();
    expect(await figures(f.id)).toEqual({ b: '4581.25', s: '0.00' });
    const summary = await body(await run([f.code]));
    expect(summary.dryRun).toBe(false);
    expect(summary.totals).toEqual(WEEK_TOTALS);
    const number = `S-2026W10-${f.code}`;
    const [runLog] = await sql<{ d: any; ip: string; ua: string }>(
      h.t.db,
      "select details as d, ip_address as ip, user_agent as ua from security_logs where action = 'settlement.run' and details::text like ?",
      [`%${number}%`],
    );
    expect(runLog).toMatchObject({ ip: '198.51.100.7', ua: 'settlements-test/1' });
    expect(runLog!.d.settlements).toEqual([{ number, netPayable: '4581.25' }]);
    // Settling again finds nothing new for this farmer.
    expect((await body(await run([f.code]))).totals.farmers).toBe(0);

    const list = await body(await h.call('GET', `/api/settlements?farmerId=${f.id}`, { token: admin }));
    expect(list.total).toBe(1);
    const s = list.items[0];
    expect(s).toMatchObject({
      settlementNumber: number,
      farmer: { code: f.code },
      periodStart: '2026-03-02',
      periodEnd: '2026-03-08',
      grossAmount: '5875.00',
      totalCommission: '293.75',
      totalFees: '0.00',
      totalAdvances: '1000.00',
      netPayable: '4581.25',
      advancesOutstanding: '0.00',
      status: 'finalized',
      paidAt: null,
    });
    const one = await body(await h.call('GET', `/api/settlements/${s.id}`, { token: admin }));
    expect(one.items.map((i: any) => [i.itemType, i.entryDate, i.quantity, i.rate, i.amount])).toEqual([
      ['entry', '2026-03-03', '10.000', '400.00', '4000.00'],
      ['entry', '2026-03-05', '150.000', '12.50', '1875.00'],
      ['advance', null, null, null, '1000.00'],
    ]);

    const pdf = await h.call('GET', `/api/settlements/${s.id}/statement.pdf`, { token: admin });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toBe(`attachment; filename="${number}.pdf"`);
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    expect(Number(pdf.headers.get('content-length'))).toBe(bytes.length);
    const text = await pdfText(bytes);
    expect(text).toContain(number);
    expect(text).toContain('4,581.25');

    const noRef = await h.call('POST', `/api/settlements/${s.id}/paid`, { token: admin, body: { reference: '  ' } });
    expect(noRef.status).toBe(422);
    expect((await body(noRef)).error.fields[0].field).toBe('reference');
    const paid = await h.call('POST', `/api/settlements/${s.id}/paid`, { token: admin, body: { reference: 'UPI-4471' }, headers: FROM });
    expect(paid.status).toBe(200);
    expect(await body(paid)).toMatchObject({
      settlementNumber: number,
      farmerCode: f.code,
      netPayable: '4581.25',
      reference: 'UPI-4471',
      currentBalance: '0.00',
    });
    // 4581.25 − 4581.25 = 0.00 owed; settlements paid 4581.25.
    expect(await figures(f.id)).toEqual({ b: '0.00', s: '4581.25' });
    const again = await h.call('POST', `/api/settlements/${s.id}/paid`, { token: admin, body: { reference: 'UPI-4472' } });
    expect(again.status).toBe(409);
    expect((await body(again)).error.code).toBe('ALREADY_PAID');
    expect(await figures(f.id)).toEqual({ b: '0.00', s: '4581.25' });
    const [payLog] = await sql<{ d: any; ip: string; ua: string; actor: string }>(
      h.t.db,
      `select l.details as d, l.ip_address as ip, l.user_agent as ua, u.email as actor from security_logs l join users u on u.id = l.actor_user_id
        where l.action = 'settlement.paid' and l.entity_id = ?`,
      [s.id],
    );
    expect(payLog).toMatchObject({ ip: '198.51.100.7', ua: 'settlements-test/1', actor: ADMIN.email });
    expect(payLog!.d).toMatchObject({ settlementNumber: number, netPayable: '4581.25', reference: 'UPI-4471' });
    const [notice] = await sql<{ language: string; text: string }>(
      h.t.db,
      "select language, payload->>'text' as text from notifications where farmer_id = ? and type = 'payment_confirmation'",
      [f.id],
    );
    expect(notice!.language).toBe('ta');
    expect(notice!.text).toContain('₹4,581.25');
    const after = await body(await h.call('GET', `/api/settlements/${s.id}`, { token: admin }));
    expect(after).toMatchObject({ status: 'paid', paymentReference: 'UPI-4471', paidBy: ADMIN.email });
  });

  it('404 for an unknown settlement on get, PDF and paid; 422 for a bad id', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [method, path, b] of [
      ['GET', `/api/settlements/${id}`, undefined],
      ['GET', `/api/settlements/${id}/statement.pdf`, undefined],
      ['POST', `/api/settlements/${id}/paid`, { reference: 'X' }],
    ] as const) {
      const res = await h.call(method, path, { token: admin, body: b });
      expect(res.status, path).toBe(404);
      expect((await body(res)).error.code).toBe('SETTLEMENT_NOT_FOUND');
    }
    expect((await h.call('GET', '/api/settlements/abc', { token: admin })).status).toBe(422);
  });

  it('lists by period, farmer and status; paginated with bounds', async () => {
    const a = await farmerWithWeek();
    const b = await farmerWithWeek();
    await run([a.code, b.code]);
    // One more week for a: 2 kg at 100.00 = 200.00, 5% = 10.00, net 190.00 (Tue 10 Mar, week 11).
    await addEntry(h.t.db, { farmerCode: a.code, date: '2026-03-10', quantity: '2', rate: '100.00' });
    const w11 = await body(await h.call('POST', '/api/settlements/run', { token: admin, body: { period: '2026-W11', farmerCodes: [a.code] } }));
    // Nothing recovered and no fees still read "0.00", not the database's "0".
    expect(
      w11.settled.map((r: any) => [r.grossAmount, r.totalCommission, r.totalFees, r.totalAdvances, r.netPayable, r.advancesOutstanding]),
    ).toEqual([['200.00', '10.00', '0.00', '0.00', '190.00', '0.00']]);
    const list = async (q: string) => body(await h.call('GET', `/api/settlements?${q}`, { token: admin }));
    const ofA = await list(`farmerId=${a.id}`);
    expect(ofA.items.map((s: any) => [s.settlementNumber, s.netPayable])).toEqual([
      [`S-2026W11-${a.code}`, '190.00'],
      [`S-2026W10-${a.code}`, '4581.25'],
    ]);
    expect((await list(`farmerId=${a.id}&period=2026-W11`)).items.map((s: any) => s.periodStart)).toEqual(['2026-03-09']);
    expect((await list(`farmerId=${a.id}&period=2026-03-04`)).items.map((s: any) => s.periodStart)).toEqual(['2026-03-02']);
    expect((await list(`farmerId=${a.id}&from=2026-03-09&to=2026-03-09`)).total).toBe(1);
    expect((await list(`farmerId=${a.id}&status=paid`)).total).toBe(0);
    const week10 = await list('period=2026-W10&pageSize=1&page=1');
    expect(week10.total).toBeGreaterThanOrEqual(2);
    expect(week10.items).toHaveLength(1);
    for (const q of ['pageSize=0', 'pageSize=201', 'page=0', 'status=open', 'from=2026-03-09&to=2026-03-01']) {
      expect((await h.call('GET', `/api/settlements?${q}`, { token: admin })).status, q).toBe(422);
    }
    expect((await h.call('GET', '/api/settlements?period=soon', { token: admin })).status).toBe(400);
  });
});
