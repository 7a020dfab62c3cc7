import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, STAFF, body, createApiHarness, type ApiHarness } from '../support/api.js';
import { sql } from '../support/sql.js';
import { addFarmer } from '../settlements/fixture.js';

let h: ApiHarness;
let admin: string;
let staff: string;
const FROM = { 'x-forwarded-for': '203.0.113.9', 'user-agent': 'advances-test/1' };

beforeAll(async () => {
  h = await createApiHarness({ trustProxy: true, marketTimeZone: 'Asia/Kolkata' });
  admin = await h.login(ADMIN);
  staff = await h.login(STAFF);
});
afterAll(() => h?.close());

/** A farmer of the test's own, with nothing on the books. */
async function newFarmer(language: 'ta' | 'en' = 'ta') {
  const code = await addFarmer(h.t.db, { language });
  const [f] = await sql<{ id: string; phone: string }>(h.t.db, 'select id, whatsapp_number as phone from farmers where farmer_code = ?', [code]);
  return { code, ...f! };
}
const figures = async (id: string) =>
  (await sql<{ b: string; a: string }>(h.t.db, 'select current_balance::text as b, total_advances::text as a from farmers where id = ?', [id]))[0]!;
const notices = (farmerId: string) =>
  sql<{ text: string; language: string; recipient_phone: string }>(
    h.t.db,
    "select payload->>'text' as text, language, recipient_phone from notifications where farmer_id = ? order by created_at, id",
    [farmerId],
  );

describe('/api/advances', () => {
  it('401 without a token; staff may record but not list, approve or reject', async () => {
    const f = await newFarmer();
    expect((await h.call('GET', '/api/advances')).status).toBe(401);
    expect((await h.call('POST', '/api/advances', { body: { farmerId: f.id, amount: '100' } })).status).toBe(401);
    const anon = await h.call('POST', `/api/advances/${f.id}/approve`);
    expect(anon.status).toBe(401);
    expect((await body(anon)).error.code).toBe('UNAUTHENTICATED');
    expect((await h.call('GET', '/api/advances', { token: staff })).status).toBe(403);
    const pending = await body(await h.call('POST', '/api/advances', { token: staff, body: { farmerId: f.id, amount: '2500' } }));
    const approve = await h.call('POST', `/api/advances/${pending.id}/approve`, { token: staff });
    expect(approve.status).toBe(403);
    expect((await body(approve)).error.code).toBe('FORBIDDEN');
    expect((await h.call('POST', `/api/advances/${pending.id}/reject`, { token: staff, body: { reason: 'no' } })).status).toBe(403);
    const [row] = await sql<{ status: string }>(h.t.db, 'select status from cash_advances where id = ?', [pending.id]);
    expect(row!.status).toBe('pending');
  });

  it('422 for bad input; 404 for an unknown farmer or advance', async () => {
    const f = await newFarmer();
    for (const bad of [
      { farmerId: f.id, amount: 'abc' },
      { farmerId: f.id, amount: '10.005' },
      { farmerId: 'x', amount: '10' },
      { farmerId: f.id },
      { farmerId: f.id, amount: '10', extra: 1 },
    ]) {
      expect((await h.call('POST', '/api/advances', { token: admin, body: bad })).status, JSON.stringify(bad)).toBe(422);
    }
    const zero = await h.call('POST', '/api/advances', { token: admin, body: { farmerId: f.id, amount: '0' } });
    expect(zero.status).toBe(422);
    expect((await body(zero)).error.code).toBe('ADVANCE_NOT_POSITIVE');
    const unknown = await h.call('POST', '/api/advances', { token: admin, body: { farmerId: '00000000-0000-4000-8000-000000000000', amount: '10' } });
    expect(unknown.status).toBe(404);
    expect((await body(unknown)).error.code).toBe('FARMER_NOT_FOUND');
    const missing = await h.call('POST', '/api/advances/00000000-0000-4000-8000-000000000000/approve', { token: admin });
    expect(missing.status).toBe(404);
    expect((await body(missing)).error.code).toBe('ADVANCE_NOT_FOUND');
    expect((await h.call('POST', '/api/advances/not-a-uuid/approve', { token: admin })).status).toBe(422);
    expect((await h.call('GET', '/api/advances?from=2026-11-20&to=2026-11-01', { token: admin })).status).toBe(422);
    expect((await h.call('GET', '/api/advances?status=maybe', { token: admin })).status).toBe(422);
  });

  it('staff up to the limit (₹2,000): approved at once, balance moves, the farmer is told; above it: pending, nothing moves', async () => {
    const f = await newFarmer('en');
    const small = await h.call('POST', '/api/advances', { token: staff, body: { farmerId: f.id, amount: '1500.5', reason: 'seeds' }, headers: FROM });
    expect(small.status).toBe(201);
    const smallBody = await body(small);
    expect(smallBody).toMatchObject({
      amount: '1500.50',
      status: 'approved',
      reason: 'seeds',
      recordedBy: STAFF.email,
      approvedBy: STAFF.email,
      farmer: { code: f.code },
    });
    // 0 − 1500.50
    expect(await figures(f.id)).toEqual({ b: '-1500.50', a: '1500.50' });
    const big = await body(await h.call('POST', '/api/advances', { token: staff, body: { farmerId: f.id, amount: 2000.01 } }));
    expect(big).toMatchObject({ amount: '2000.01', status: 'pending', approvedBy: null, approvedAt: null });
    expect(await figures(f.id)).toEqual({ b: '-1500.50', a: '1500.50' });
    const told = await notices(f.id);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ language: 'en', recipient_phone: f.phone });
    expect(told[0]!.text).toBe('Your advance of ₹1,500.50 is approved. Your balance now: -₹1,500.50');
    const [log] = await sql<{ d: any; ip: string; ua: string }>(
      h.t.db,
      "select details as d, ip_address as ip, user_agent as ua from security_logs where action = 'advance.create' and entity_id = ?",
      [smallBody.id],
    );
    expect(log).toMatchObject({ ip: '203.0.113.9', ua: 'advances-test/1' });
    expect(log!.d).toMatchObject({ farmer: f.code, amount: '1500.50', status: 'approved' });
  });

  it('an admin\u2019s advance is approved whatever the amount', async () => {
    const f = await newFarmer();
    const res = await body(await h.call('POST', '/api/advances', { token: admin, body: { farmerId: f.id, amount: '25000', confirm: true } }));
    expect(res).toMatchObject({ status: 'approved', approvedBy: ADMIN.email, amount: '25000.00' });
    expect(await figures(f.id)).toEqual({ b: '-25000.00', a: '25000.00' });
  });

  it('approve: moves the totals once, audit row with old/new, actor, address and agent; Tamil notice; again → 409', async () => {
    const f = await newFarmer('ta');
    // Something owed to the farmer first: 3,000.00 from entries.
    await sql(h.t.db, 'update farmers set current_balance = 3000.00 where id = ?', [f.id]);
    const pending = await body(
      await h.call('POST', '/api/advances', { token: staff, body: { farmerId: f.id, amount: '2500.00', reason: 'wedding' } }),
    );
    expect(pending.status).toBe('pending');
    const res = await h.call('POST', `/api/advances/${pending.id}/approve`, { token: admin, headers: FROM });
    expect(res.status).toBe(200);
    const approved = await body(res);
    expect(approved).toMatchObject({ status: 'approved', approvedBy: ADMIN.email, recordedBy: STAFF.email, amount: '2500.00' });
    expect(approved.approvedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    // 3000.00 − 2500.00 = 500.00
    expect(await figures(f.id)).toEqual({ b: '500.00', a: '2500.00' });
    const [log] = await sql<{ d: any; ip: string; ua: string; actor: string }>(
      h.t.db,
      `select l.details as d, l.ip_address as ip, l.user_agent as ua, u.email as actor from security_logs l join users u on u.id = l.actor_user_id
        where l.action = 'advance.approve' and l.entity = 'cash_advance' and l.entity_id = ?`,
      [pending.id],
    );
    expect(log).toMatchObject({ ip: '203.0.113.9', ua: 'advances-test/1', actor: ADMIN.email });
    expect(log!.d).toMatchObject({ farmer: f.code, amount: '2500.00', old: { status: 'pending' }, new: { status: 'approved' } });
    const told = await notices(f.id);
    expect(told).toHaveLength(1);
    expect(told[0]!.language).toBe('ta');
    expect(told[0]!.text).toBe('உங்கள் முன்பணம் ₹2,500.00 அனுமதிக்கப்பட்டது. உங்கள் இப்போதைய இருப்பு: ₹500.00');

    const again = await h.call('POST', `/api/advances/${pending.id}/approve`, { token: admin });
    expect(again.status).toBe(409);
    expect((await body(again)).error.code).toBe('ADVANCE_NOT_PENDING');
    expect(await figures(f.id)).toEqual({ b: '500.00', a: '2500.00' });
    expect((await h.call('POST', `/api/advances/${pending.id}/reject`, { token: admin, body: { reason: 'late' } })).status).toBe(409);
  });

  it('reject: needs a reason; nothing moves; audit row and the farmer is told why', async () => {
    const f = await newFarmer('en');
    const pending = await body(await h.call('POST', '/api/advances', { token: staff, body: { farmerId: f.id, amount: '4000' } }));
    for (const bad of [{}, { reason: '' }, { reason: '   ' }]) {
      expect((await h.call('POST', `/api/advances/${pending.id}/reject`, { token: admin, body: bad })).status).toBe(422);
    }
    const res = await h.call('POST', `/api/advances/${pending.id}/reject`, {
      token: admin,
      body: { reason: 'Still owes last month' },
      headers: FROM,
    });
    expect(res.status).toBe(200);
    expect(await body(res)).toMatchObject({ status: 'rejected', rejectionReason: 'Still owes last month', approvedBy: null });
    expect(await figures(f.id)).toEqual({ b: '0.00', a: '0.00' });
    const [log] = await sql<{ d: any; ip: string }>(
      h.t.db,
      "select details as d, ip_address as ip from security_logs where action = 'advance.reject' and entity_id = ?",
      [pending.id],
    );
    expect(log!.ip).toBe('203.0.113.9');
    expect(log!.d).toMatchObject({ old: { status: 'pending' }, new: { status: 'rejected', rejectionReason: 'Still owes last month' } });
    expect((await notices(f.id)).map((n) => n.text)).toEqual(['Your advance request of ₹4,000.00 was not approved: Still owes last month']);
    expect((await h.call('POST', `/api/advances/${pending.id}/approve`, { token: admin })).status).toBe(409);
  });

  it('lists newest first, filtered by status, farmer and market date; paginated with bounds', async () => {
    const f = await newFarmer();
    const ids: string[] = [];
    for (const amount of ['100', '200', '3000']) {
      ids.push((await body(await h.call('POST', '/api/advances', { token: staff, body: { farmerId: f.id, amount } }))).id);
    }
    // Put them on known market days: 2026-03-02 23:00 IST is 17:30Z; 2026-03-03 00:30 IST is 2026-03-02 19:00Z.
    await sql(h.t.db, "update cash_advances set created_at = '2026-03-01T06:00:00Z' where id = ?", [ids[0]]);
    await sql(h.t.db, "update cash_advances set created_at = '2026-03-02T17:30:00Z' where id = ?", [ids[1]]);
    await sql(h.t.db, "update cash_advances set created_at = '2026-03-02T19:00:00Z' where id = ?", [ids[2]]);
    const list = async (q: string) => body(await h.call('GET', `/api/advances?farmerId=${f.id}&${q}`, { token: admin }));
    const all = await list('');
    expect(all.total).toBe(3);
    expect(all.items.map((a: any) => a.amount)).toEqual(['3000.00', '200.00', '100.00']);
    expect((await list('status=pending')).items.map((a: any) => a.amount)).toEqual(['3000.00']);
    expect((await list('status=approved')).total).toBe(2);
    expect((await list('from=2026-03-02&to=2026-03-02')).items.map((a: any) => a.amount)).toEqual(['200.00']);
    expect((await list('from=2026-03-03')).items.map((a: any) => a.amount)).toEqual(['3000.00']);
    const p2 = await list('pageSize=2&page=2');
    expect(p2).toMatchObject({ page: 2, pageSize: 2, total: 3 });
    expect(p2.items.map((a: any) => a.amount)).toEqual(['100.00']);
    expect((await list('pageSize=2&page=3')).items).toEqual([]);
    for (const q of ['pageSize=0', 'pageSize=201', 'page=0', 'pageSize=abc']) {
      expect((await h.call('GET', `/api/advances?${q}`, { token: admin })).status, q).toBe(422);
    }
    expect((await h.call('GET', `/api/advances/${ids[2]}`, { token: admin }).then(body)).status).toBe('pending');
  });
});
