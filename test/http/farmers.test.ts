import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, STAFF, body, createApiHarness, type ApiHarness } from '../support/api.js';
import { sql } from '../support/sql.js';

let h: ApiHarness;
let admin: string;
let staff: string;
beforeAll(async () => {
  h = await createApiHarness();
  admin = await h.login(ADMIN);
  staff = await h.login(STAFF);
});
afterAll(() => h?.close());

describe('farmers', () => {
  it('401 without a token; staff may read but not change', async () => {
    expect((await h.call('GET', '/api/farmers')).status).toBe(401);
    expect((await h.call('GET', '/api/farmers', { token: staff })).status).toBe(200);
    expect((await h.call('POST', '/api/farmers', { token: staff, body: { name: 'X' } })).status).toBe(403);
  });

  it('adds farmers with the next codes (FAR004 after FAR003), normalising phones; audit row holds the new values', async () => {
    // Other tests in this file may add farmers too; the code follows the highest one so far.
    const [{ n }] = (await sql<{ n: number }>(h.t.db, 'select max(substring(farmer_code from 4)::int) as n from farmers')) as [{ n: number }];
    const code = (k: number) => `FAR${String(k).padStart(3, '0')}`;
    const res = await h.call('POST', '/api/farmers', {
      token: admin,
      body: { name: 'Selvi Murugan', village: 'Nilakottai', phone: '98765 00001', commissionRate: '4.5' },
    });
    expect(res.status).toBe(201);
    const f = await body(res);
    expect(f).toMatchObject({
      farmerCode: code(n + 1),
      phone: '+919876500001',
      whatsappNumber: '+919876500001',
      languagePreference: 'ta',
      commissionRate: '4.50',
      currentBalance: '0.00',
      isActive: true,
    });
    const second = await body(await h.call('POST', '/api/farmers', { token: admin, body: { name: 'Arul' } }));
    expect(second.farmerCode).toBe(code(n + 2));
    expect(second.commissionRate).toBeNull();
    const [log] = await sql<{ d: any }>(h.t.db, "select details as d from security_logs where action = 'farmer_created' and entity_id = ?", [f.id]);
    expect(log!.d.new).toMatchObject({ farmerCode: code(n + 1), name: 'Selvi Murugan' });
  });

  it('422 for bad input: no name, bad phone, commission over 100, unknown field', async () => {
    expect((await h.call('POST', '/api/farmers', { token: admin, body: {} })).status).toBe(422);
    const phone = await h.call('POST', '/api/farmers', { token: admin, body: { name: 'A', phone: 'call me' } });
    expect(phone.status).toBe(422);
    expect((await body(phone)).error.code).toBe('INVALID_PHONE');
    const pct = await h.call('POST', '/api/farmers', { token: admin, body: { name: 'A', commissionRate: '101' } });
    expect((await body(pct)).error.fields[0].field).toBe('commissionRate');
    expect((await h.call('POST', '/api/farmers', { token: admin, body: { name: 'A', currentBalance: '100' } })).status).toBe(422);
  });

  it('409 WHATSAPP_NUMBER_TAKEN when another farmer has the number', async () => {
    const res = await h.call('POST', '/api/farmers', { token: admin, body: { name: 'Copy', phone: '+919876543212' } });
    expect(res.status).toBe(409);
    expect((await body(res)).error.code).toBe('WHATSAPP_NUMBER_TAKEN');
  });

  it('searches by code, name, village and phone', async () => {
    const codes = async (q: string) =>
      (await body(await h.call('GET', `/api/farmers?q=${encodeURIComponent(q)}`, { token: staff }))).items.map((f: any) => f.farmerCode);
    expect(await codes('FAR002')).toEqual(['FAR002']);
    expect(await codes('muthu')).toEqual(['FAR003']);
    expect(await codes('trichy')).toEqual(['FAR003']);
    expect(await codes('98765 43213')).toEqual(['FAR003']);
    expect(await codes('%')).toEqual([]);
  });

  it('paginates with bounds', async () => {
    const p1 = await body(await h.call('GET', '/api/farmers?pageSize=2&page=1', { token: staff }));
    expect(p1.items.map((f: any) => f.farmerCode)).toEqual(['FAR001', 'FAR002']);
    expect(p1.total).toBeGreaterThanOrEqual(3);
    const p2 = await body(await h.call('GET', '/api/farmers?pageSize=2&page=2', { token: staff }));
    expect(p2.items[0].farmerCode).toBe('FAR003');
    for (const q of ['pageSize=0', 'pageSize=201', 'page=0', 'page=-1', 'pageSize=abc']) {
      const r = await h.call('GET', `/api/farmers?${q}`, { token: staff });
      expect(r.status, q).toBe(422);
    }
  });

  it('updates and deactivates with old and new values audited; money goes out as strings', async () => {
    const [far2] = await sql<{ id: string }>(h.t.db, "select id from farmers where farmer_code = 'FAR002'");
    const res = await h.call('PATCH', `/api/farmers/${far2!.id}`, { token: admin, body: { village: 'Batlagundu', commissionRate: 6 } });
    expect(res.status).toBe(200);
    expect(await body(res)).toMatchObject({ village: 'Batlagundu', commissionRate: '6.00' });
    const off = await body(await h.call('PATCH', `/api/farmers/${far2!.id}`, { token: admin, body: { isActive: false } }));
    expect(off.isActive).toBe(false);
    const logs = await sql<{ action: string; d: any }>(h.t.db, 'select action, details as d from security_logs where entity_id = ? order by id', [
      far2!.id,
    ]);
    expect(logs.map((l) => l.action)).toEqual(['farmer_updated', 'farmer_deactivated']);
    expect([logs[0]!.d.old.village, logs[0]!.d.new.village]).toEqual(['Dindigul', 'Batlagundu']);
    expect([logs[0]!.d.old.commissionRate, logs[0]!.d.new.commissionRate]).toEqual([null, '6.00']);
    const active = await body(await h.call('GET', '/api/farmers?active=true', { token: staff }));
    expect(active.items.map((f: any) => f.farmerCode)).not.toContain('FAR002');
    expect((await h.call('PATCH', '/api/farmers/00000000-0000-4000-8000-000000000000', { token: admin, body: { name: 'x' } })).status).toBe(404);
  });

  it('never deletes a farmer with history; deletes one added by mistake', async () => {
    const [far3] = await sql<{ id: string }>(h.t.db, "select id from farmers where farmer_code = 'FAR003'");
    await sql(h.t.db, "insert into cash_advances (id, farmer_id, amount, status) values (gen_random_uuid(), ?, '500.00', 'pending')", [far3!.id]);
    const refused = await h.call('DELETE', `/api/farmers/${far3!.id}`, { token: admin });
    expect(refused.status).toBe(409);
    expect((await body(refused)).error.code).toBe('FARMER_HAS_HISTORY');
    const mistake = await body(await h.call('POST', '/api/farmers', { token: admin, body: { name: 'Typo' } }));
    expect((await h.call('DELETE', `/api/farmers/${mistake.id}`, { token: staff })).status).toBe(403);
    expect((await h.call('DELETE', `/api/farmers/${mistake.id}`, { token: admin })).status).toBe(204);
    expect((await h.call('GET', `/api/farmers/${mistake.id}`, { token: admin })).status).toBe(404);
    const logs = await sql(h.t.db, 'select action from security_logs where entity_id = ? order by id', [mistake.id]);
    expect(logs).toEqual([{ action: 'farmer_created' }, { action: 'farmer_deleted' }]);
  });
});
