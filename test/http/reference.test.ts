// Flower types, time slots, settings, users and the security log over HTTP.
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

describe('flower types', () => {
  it('401, staff read only, create with the next code, names unique (409), delete in use refused', async () => {
    expect((await h.call('GET', '/api/flower-types')).status).toBe(401);
    const list = await body(await h.call('GET', '/api/flower-types', { token: staff }));
    expect(list.items.find((f: any) => f.code === 'FLW003')).toMatchObject({ name: 'Marigold', nameTa: 'செண்டுமல்லி', unit: 'kg' });
    expect((await h.call('POST', '/api/flower-types', { token: staff, body: { name: 'Tulip', nameTa: 'துலிப்' } })).status).toBe(403);
    expect((await h.call('POST', '/api/flower-types', { token: admin, body: { name: 'Tulip' } })).status).toBe(422);
    const res = await h.call('POST', '/api/flower-types', {
      token: admin,
      body: { name: 'Crossandra', nameTa: 'கனகாம்பரம்', aliases: [' Kanakambaram ', 'kanakambaram'] },
    });
    expect(res.status).toBe(201);
    const f = await body(res);
    expect(f).toMatchObject({ code: 'FLW006', unit: 'kg', aliases: ['kanakambaram'], isActive: true });
    const dup = await h.call('POST', '/api/flower-types', { token: admin, body: { name: 'Rose', nameTa: 'வேறு' } });
    expect(dup.status).toBe(409);
    expect((await body(dup)).error.code).toBe('FLOWER_NAME_TAKEN');
    const [rose] = await sql<{ id: string }>(h.t.db, "select id from flower_types where code = 'FLW001'");
    const inUse = await h.call('DELETE', `/api/flower-types/${rose!.id}`, { token: admin });
    expect(inUse.status).toBe(409);
    expect((await body(inUse)).error.code).toBe('FLOWER_IN_USE');
    const off = await body(await h.call('PATCH', `/api/flower-types/${f.id}`, { token: admin, body: { isActive: false } }));
    expect(off.isActive).toBe(false);
    expect((await h.call('DELETE', `/api/flower-types/${f.id}`, { token: admin })).status).toBe(204);
    const actions = await sql(h.t.db, 'select action from security_logs where entity_id = ? order by id', [f.id]);
    expect(actions).toEqual([{ action: 'flower_type_created' }, { action: 'flower_type_updated' }, { action: 'flower_type_deleted' }]);
  });
});

describe('time slots', () => {
  it('refuses an overlapping slot with a clear 409 naming the slot it hits', async () => {
    const res = await h.call('POST', '/api/time-slots', {
      token: admin,
      body: { name: 'Dawn', nameTa: 'விடியல்', startTime: '05:30', endTime: '06:30' },
    });
    expect(res.status).toBe(409);
    const b = await body(res);
    expect(b.error.code).toBe('SLOT_OVERLAP');
    expect(b.error.details).toEqual({ slot: 'Early Morning', startTime: '04:00', endTime: '06:00' });
    expect(b.error.message).toBe('These times overlap the slot Early Morning (04:00–06:00).');
  });

  it('adds a slot after the last; end before start is 422; 03:00-04:00 touches but does not overlap', async () => {
    const night = await h.call('POST', '/api/time-slots', {
      token: admin,
      body: { name: 'Night', nameTa: 'இரவு', startTime: '18:00', endTime: '21:00', sortOrder: 6 },
    });
    expect(night.status).toBe(201);
    expect(await body(night)).toMatchObject({ startTime: '18:00', endTime: '21:00', isActive: true });
    const back = await h.call('POST', '/api/time-slots', {
      token: admin,
      body: { name: 'Back', nameTa: 'பின்', startTime: '23:00', endTime: '22:00' },
    });
    expect(back.status).toBe(422);
    expect((await body(back)).error.code).toBe('SLOT_RANGE');
    expect(
      (await h.call('POST', '/api/time-slots', { token: admin, body: { name: 'X', nameTa: 'எக்ஸ்', startTime: '25:00', endTime: '26:00' } })).status,
    ).toBe(422);
    const pre = await h.call('POST', '/api/time-slots', {
      token: admin,
      body: { name: 'Pre-dawn', nameTa: 'முன்விடியல்', startTime: '03:00', endTime: '04:00' },
    });
    expect(pre.status).toBe(201);
  });

  it('a deactivated slot frees its hours; re-activating it then overlaps (409)', async () => {
    const [evening] = await sql<{ id: string }>(h.t.db, "select id from time_slots where name = 'Evening'");
    expect((await h.call('PATCH', `/api/time-slots/${evening!.id}`, { token: staff, body: { isActive: false } })).status).toBe(403);
    expect((await h.call('PATCH', `/api/time-slots/${evening!.id}`, { token: admin, body: { isActive: false } })).status).toBe(200);
    const late = await h.call('POST', '/api/time-slots', {
      token: admin,
      body: { name: 'Late Afternoon', nameTa: 'பிற்பகல்', startTime: '14:00', endTime: '17:00' },
    });
    expect(late.status).toBe(201);
    const again = await h.call('PATCH', `/api/time-slots/${evening!.id}`, { token: admin, body: { isActive: true } });
    expect(again.status).toBe(409);
    expect((await body(again)).error.details.slot).toBe('Late Afternoon');
    const [row] = await sql<{ is_active: boolean }>(h.t.db, 'select is_active from time_slots where id = ?', [evening!.id]);
    expect(row!.is_active).toBe(false);
    const inUse = await h.call('DELETE', `/api/time-slots/${evening!.id}`, { token: admin });
    expect((await body(inUse)).error.code).toBe('SLOT_IN_USE');
  });

  it('maps a racing exclusion violation (no pre-check) to 409 SLOT_OVERLAP, not 500', async () => {
    const { databaseError } = await import('../../src/http/errors.js');
    let caught: unknown;
    try {
      await h.t.db.orm.em
        .getConnection()
        .execute("insert into time_slots (id, name, name_ta, start_time, end_time) values (gen_random_uuid(), 'Clash', 'மோதல்', '04:30', '05:00')");
    } catch (err) {
      caught = err;
    }
    const mapped = databaseError(caught);
    expect(mapped?.status).toBe(409);
    expect(mapped?.code).toBe('SLOT_OVERLAP');
  });
});

describe('settings', () => {
  it('public settings without sign-in; the full list needs an admin and never shows the signing key', async () => {
    const pub = await h.call('GET', '/api/settings/public');
    expect(pub.status).toBe(200);
    const keys = (await body(pub)).items.map((s: any) => s.key);
    expect(keys).toContain('market_name_ta');
    expect(keys).not.toContain('commission_rate');
    expect((await h.call('GET', '/api/settings')).status).toBe(401);
    expect((await h.call('GET', '/api/settings', { token: staff })).status).toBe(403);
    const all = (await body(await h.call('GET', '/api/settings', { token: admin }))).items;
    expect(all.find((s: any) => s.key === 'commission_rate')).toMatchObject({ valueType: 'number', value: '5.0' });
    expect(all.find((s: any) => s.key === 'whatsapp_enabled').value).toBe(true);
    expect(all.map((s: any) => s.key)).not.toContain('jwt_secret');
    expect((await h.call('GET', '/api/settings/jwt_secret', { token: admin })).status).toBe(404);
  });

  it('checks values by type and shape, and audits old and new', async () => {
    const put = (key: string, value: unknown, token = admin) => h.call('PUT', `/api/settings/${key}`, { token, body: { value } });
    expect((await put('commission_rate', '4.5', staff)).status).toBe(403);
    for (const [key, value] of [
      ['commission_rate', 'five'],
      ['commission_rate', '101'],
      ['whatsapp_enabled', 'yes'],
      ['market_open_time', '4am'],
      ['market_name', ''],
    ] as const) {
      const r = await put(key, value);
      expect(r.status, `${key}=${value}`).toBe(422);
      expect((await body(r)).error.code).toBe('INVALID_SETTING_VALUE');
    }
    expect(await body(await put('commission_rate', 4.5))).toMatchObject({ value: '4.5' });
    expect(await body(await put('whatsapp_enabled', false))).toMatchObject({ value: false });
    expect(await body(await put('market_open_time', '03:30'))).toMatchObject({ value: '03:30' });
    expect((await put('no_such_key', 1)).status).toBe(404);
    const logs = await sql<{ entity_id: string; d: any }>(
      h.t.db,
      "select entity_id, details as d from security_logs where action = 'setting_changed' order by id",
    );
    expect(logs.map((l) => [l.entity_id, l.d.old, l.d.new])).toEqual([
      ['commission_rate', '5.0', '4.5'],
      ['whatsapp_enabled', 'true', 'false'],
      ['market_open_time', '04:00', '03:30'],
    ]);
  });
});

describe('users', () => {
  it('admin adds a staff member with a generated password they can sign in with', async () => {
    expect((await h.call('POST', '/api/users', { token: staff, body: {} })).status).toBe(403);
    const res = await h.call('POST', '/api/users', { token: admin, body: { email: 'Kavi@Malar.com', fullName: 'Kavi', phone: '9876500077' } });
    expect(res.status).toBe(201);
    const b = await body(res);
    expect(b.user).toMatchObject({ email: 'kavi@malar.com', role: 'staff', phone: '+919876500077', isActive: true });
    expect(b.generatedPassword).toHaveLength(16);
    expect((await h.call('POST', '/api/auth/login', { body: { email: 'kavi@malar.com', password: b.generatedPassword } })).status).toBe(200);
    const dup = await h.call('POST', '/api/users', { token: admin, body: { email: 'kavi@malar.com', fullName: 'K2', phone: '9876500078' } });
    expect(dup.status).toBe(409);
    expect((await body(dup)).error.code).toBe('EMAIL_TAKEN');
    expect((await h.call('POST', '/api/users', { token: admin, body: { email: 'not-an-email', fullName: 'K', phone: '9876500079' } })).status).toBe(
      422,
    );
  });

  it('switching a user off ends their sessions; an admin cannot switch themself off', async () => {
    const created = await body(
      await h.call('POST', '/api/users', {
        token: admin,
        body: { email: 'temp2@malar.com', fullName: 'T', phone: '9876500080', password: 'temp-pass-123' },
      }),
    );
    expect(created.generatedPassword).toBeNull();
    const token = await h.login({ email: 'temp2@malar.com', password: 'temp-pass-123' });
    const off = await h.call('PATCH', `/api/users/${created.user.id}`, { token: admin, body: { isActive: false } });
    expect((await body(off)).isActive).toBe(false);
    expect((await h.call('GET', '/api/auth/me', { token })).status).toBe(401);
    const me = await body(await h.call('GET', '/api/auth/me', { token: admin }));
    const self = await h.call('PATCH', `/api/users/${me.id}`, { token: admin, body: { isActive: false } });
    expect(self.status).toBe(409);
    expect((await body(self)).error.code).toBe('SELF_LOCKOUT');
    const [log] = await sql<{ d: any }>(h.t.db, "select details as d from security_logs where action = 'user_updated' and entity_id = ?", [
      created.user.id,
    ]);
    expect([log!.d.old.isActive, log!.d.new.isActive]).toEqual([true, false]);
  });

  it('resetting a password returns a new one once and ends old sessions', async () => {
    const created = await body(
      await h.call('POST', '/api/users', {
        token: admin,
        body: { email: 'reset@malar.com', fullName: 'R', phone: '9876500081', password: 'first-pass-123' },
      }),
    );
    const token = await h.login({ email: 'reset@malar.com', password: 'first-pass-123' });
    const res = await body(await h.call('POST', `/api/users/${created.user.id}/password`, { token: admin, body: {} }));
    expect(res.generatedPassword).toHaveLength(16);
    expect((await h.call('GET', '/api/auth/me', { token })).status).toBe(401);
    expect((await h.call('POST', '/api/auth/login', { body: { email: 'reset@malar.com', password: res.generatedPassword } })).status).toBe(200);
  });
});

describe('security logs', () => {
  it('admin only; filters and paginates newest first with bounds', async () => {
    expect((await h.call('GET', '/api/security-logs')).status).toBe(401);
    expect((await h.call('GET', '/api/security-logs', { token: staff })).status).toBe(403);
    await sql(
      h.t.db,
      "insert into security_logs (action, entity, entity_id, ip_address) select 'probe', 'thing', 'T' || g, '10.0.0.' || g from generate_series(1, 5) g",
    );
    const p1 = await body(await h.call('GET', '/api/security-logs?action=probe&pageSize=2', { token: admin }));
    expect(p1.total).toBe(5);
    expect(p1.items.map((l: any) => l.entityId)).toEqual(['T5', 'T4']);
    const p3 = await body(await h.call('GET', '/api/security-logs?action=probe&pageSize=2&page=3', { token: admin }));
    expect(p3.items.map((l: any) => l.entityId)).toEqual(['T1']);
    const one = await body(await h.call('GET', '/api/security-logs?entity=thing&entityId=T3', { token: admin }));
    expect(one.items).toHaveLength(1);
    expect(one.items[0]).toMatchObject({ action: 'probe', ipAddress: '10.0.0.3', actor: { userId: null, email: null } });
    const logins = await body(await h.call('GET', '/api/security-logs?action=login&pageSize=1', { token: admin }));
    expect(logins.items[0].actor.email).toMatch(/@malar\.com$/);
    expect((await h.call('GET', '/api/security-logs?pageSize=500', { token: admin })).status).toBe(422);
    expect((await h.call('GET', '/api/security-logs?from=yesterday', { token: admin })).status).toBe(422);
    const future = await body(await h.call('GET', `/api/security-logs?from=${encodeURIComponent('2999-01-01T00:00:00Z')}`, { token: admin }));
    expect(future.total).toBe(0);
  });
});
