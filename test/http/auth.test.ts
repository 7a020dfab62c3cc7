import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, STAFF, body, createApiHarness, type ApiHarness } from '../support/api.js';
import { sql } from '../support/sql.js';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { SESSION_RECHECK_MS } from '../../src/http/auth/session.js';
import { MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_IP } from '../../src/domain/users/auth.service.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ trustProxy: true });
});
afterAll(() => h?.close());

const fromIp = (ip: string) => ({ 'x-forwarded-for': ip });

describe('login', () => {
  it('gives a token and an httpOnly SameSite=Strict cookie, and writes a login row', async () => {
    const res = await h.call('POST', '/api/auth/login', { body: ADMIN, headers: { ...fromIp('10.1.0.1'), 'user-agent': 'vitest-ua' } });
    expect(res.status).toBe(200);
    const b = await body(res);
    expect(b.tokenType).toBe('Bearer');
    expect(b.token.split('.')).toHaveLength(3);
    expect(b.user).toMatchObject({ email: 'admin@malar.com', role: 'admin' });
    expect(b.user.passwordHash).toBeUndefined();
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toContain(`malar_session=${b.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Max-Age=7200/);
    const rows = await sql(
      h.t.db,
      "select ip_address, user_agent from security_logs where action = 'login' and actor_user_id = (select id from users where email = ?)",
      [ADMIN.email],
    );
    expect(rows).toContainEqual({ ip_address: '10.1.0.1', user_agent: 'vitest-ua' });
  });

  it('accepts the email in any case and with spaces', async () => {
    const res = await h.call('POST', '/api/auth/login', {
      body: { email: '  Admin@Malar.COM ', password: ADMIN.password },
      headers: fromIp('10.1.0.2'),
    });
    expect(res.status).toBe(200);
  });

  it('answers an unknown email exactly as a wrong password, and logs both', async () => {
    const unknown = await h.call('POST', '/api/auth/login', {
      body: { email: 'nobody@malar.com', password: 'whatever-1' },
      headers: fromIp('10.2.0.1'),
    });
    const wrong = await h.call('POST', '/api/auth/login', { body: { email: ADMIN.email, password: 'whatever-1' }, headers: fromIp('10.2.0.2') });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await unknown.text()).toBe(await wrong.text());
    expect(unknown.headers.get('set-cookie')).toBeNull();
    const rows = await sql<{ entity_id: string; ip_address: string; reason: string }>(
      h.t.db,
      "select entity_id, ip_address, details->>'reason' as reason from security_logs where action = 'login_failed' and ip_address in ('10.2.0.1', '10.2.0.2') order by ip_address",
    );
    expect(rows).toEqual([
      { entity_id: 'nobody@malar.com', ip_address: '10.2.0.1', reason: 'unknown_email' },
      { entity_id: 'admin@malar.com', ip_address: '10.2.0.2', reason: 'wrong_password' },
    ]);
  });

  it('refuses bad input with 422 naming the fields', async () => {
    const res = await h.call('POST', '/api/auth/login', { body: { email: 'x' } });
    expect(res.status).toBe(422);
    const b = await body(res);
    expect(b.error.code).toBe('VALIDATION_FAILED');
    expect(b.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['email', 'password']);
  });

  it('throttles an account after 5 failures in 15 minutes, even with the right password then', async () => {
    await sql(
      h.t.db,
      "insert into users (id, email, full_name, phone, role, password_hash) select gen_random_uuid(), 'victim@malar.com', 'V', '+919800000001', 'staff', password_hash from users where email = ?",
      [STAFF.email],
    );
    for (let i = 0; i < 5; i++) {
      const r = await h.call('POST', '/api/auth/login', {
        body: { email: 'victim@malar.com', password: 'bad-guess-' + i },
        headers: fromIp(`10.3.0.${i}`),
      });
      expect(r.status).toBe(401);
    }
    const sixth = await h.call('POST', '/api/auth/login', {
      body: { email: 'victim@malar.com', password: STAFF.password },
      headers: fromIp('10.3.1.1'),
    });
    expect(sixth.status).toBe(429);
    expect((await body(sixth)).error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(sixth.headers.get('retry-after')).toBe('900');
    // An unknown email is throttled the same way, so throttling does not reveal which emails exist.
    for (let i = 0; i < 5; i++)
      await h.call('POST', '/api/auth/login', { body: { email: 'ghost@malar.com', password: 'x' }, headers: fromIp(`10.4.0.${i}`) });
    expect((await h.call('POST', '/api/auth/login', { body: { email: 'ghost@malar.com', password: 'x' }, headers: fromIp('10.4.1.1') })).status).toBe(
      429,
    );
    // Failures older than the window no longer count.
    await sql(h.t.db, "update security_logs set created_at = now() - interval '16 minutes' where entity_id = 'victim@malar.com'");
    const later = await h.call('POST', '/api/auth/login', {
      body: { email: 'victim@malar.com', password: STAFF.password },
      headers: fromIp('10.3.1.2'),
    });
    expect(later.status).toBe(200);
    const throttled = await sql(
      h.t.db,
      "select count(*)::int as n from security_logs where action = 'login_throttled' and entity_id = 'victim@malar.com'",
    );
    expect(throttled[0]).toEqual({ n: 1 });
  });

  it('throttles an address after 20 failures across accounts', async () => {
    for (let i = 0; i < 20; i++) {
      await h.call('POST', '/api/auth/login', { body: { email: `spray${i}@malar.com`, password: 'x' }, headers: fromIp('10.9.9.9') });
    }
    const res = await h.call('POST', '/api/auth/login', { body: ADMIN, headers: fromIp('10.9.9.9') });
    expect(res.status).toBe(429);
    expect((await h.call('POST', '/api/auth/login', { body: ADMIN, headers: fromIp('10.9.9.10') })).status).toBe(200);
  });

  it('50 parallel wrong passwords for one account get exactly the 5 tries the throttle allows', async () => {
    await sql(
      h.t.db,
      "insert into users (id, email, full_name, phone, role, password_hash) select gen_random_uuid(), 'rush@malar.com', 'R', '+919800000009', 'staff', password_hash from users where email = ?",
      [STAFF.email],
    );
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h.call('POST', '/api/auth/login', { body: { email: 'rush@malar.com', password: `guess-${i}` }, headers: fromIp(`10.7.${i}.1`) }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_FAILURES_PER_ACCOUNT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50 - MAX_FAILURES_PER_ACCOUNT);
    expect(await sql(h.t.db, "select count(*)::int as n from security_logs where action = 'login_failed' and entity_id = 'rush@malar.com'")).toEqual([
      { n: 5 },
    ]);
    // The right password is throttled now too.
    expect(
      (await h.call('POST', '/api/auth/login', { body: { email: 'rush@malar.com', password: STAFF.password }, headers: fromIp('10.7.99.1') })).status,
    ).toBe(429);
  });

  it('50 parallel tries from one address across accounts get no more than its 20, and a right password in the rush still signs in', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h.call('POST', '/api/auth/login', { body: { email: `crowd${i}@malar.com`, password: 'x' }, headers: fromIp('10.8.8.8') }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_FAILURES_PER_IP);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50 - MAX_FAILURES_PER_IP);
    // A provisional failure is taken back when the password was right: success never counts against the limit.
    const before = await sql(h.t.db, "select count(*)::int as n from security_logs where action = 'login_failed' and ip_address = '10.8.8.9'");
    const ok = await Promise.all([
      h.call('POST', '/api/auth/login', { body: ADMIN, headers: fromIp('10.8.8.9') }),
      h.call('POST', '/api/auth/login', { body: ADMIN, headers: fromIp('10.8.8.9') }),
    ]);
    expect(ok.map((r) => r.status)).toEqual([200, 200]);
    expect(await sql(h.t.db, "select count(*)::int as n from security_logs where action = 'login_failed' and ip_address = '10.8.8.9'")).toEqual(
      before,
    );
  });

  it('refuses a switched-off account even with the right password', async () => {
    await sql(
      h.t.db,
      "insert into users (id, email, full_name, phone, role, is_active, password_hash) select gen_random_uuid(), 'gone@malar.com', 'G', '+919800000002', 'staff', false, password_hash from users where email = ?",
      [STAFF.email],
    );
    const res = await h.call('POST', '/api/auth/login', { body: { email: 'gone@malar.com', password: STAFF.password }, headers: fromIp('10.5.0.1') });
    expect(res.status).toBe(403);
    expect((await body(res)).error.code).toBe('ACCOUNT_INACTIVE');
  });
});

describe('sessions', () => {
  it('me: 401 without a token, with a forged one, and works by Bearer or by cookie', async () => {
    const none = await h.call('GET', '/api/auth/me');
    expect(none.status).toBe(401);
    expect((await body(none)).error.code).toBe('UNAUTHENTICATED');
    const token = await h.login(ADMIN);
    const [head, payload] = token.split('.');
    expect((await h.call('GET', '/api/auth/me', { token: `${head}.${payload}.AAAA` })).status).toBe(401);
    const byBearer = await h.call('GET', '/api/auth/me', { token });
    expect((await body(byBearer)).email).toBe('admin@malar.com');
    const byCookie = await h.call('GET', '/api/auth/me', { headers: { cookie: `malar_session=${token}` } });
    expect((await body(byCookie)).role).toBe('admin');
  });

  it('a token stops working when its user is switched off', async () => {
    await sql(
      h.t.db,
      "insert into users (id, email, full_name, phone, role, password_hash) select gen_random_uuid(), 'temp@malar.com', 'T', '+919800000003', 'staff', password_hash from users where email = ?",
      [STAFF.email],
    );
    const token = await h.login({ email: 'temp@malar.com', password: STAFF.password });
    expect((await h.call('GET', '/api/auth/me', { token })).status).toBe(200);
    const admin = await h.login(ADMIN);
    const [temp] = await sql<{ id: string }>(h.t.db, "select id from users where email = 'temp@malar.com'");
    expect((await h.call('PATCH', `/api/users/${temp!.id}`, { token: admin, body: { isActive: false } })).status).toBe(200);
    expect((await h.call('GET', '/api/auth/me', { token })).status).toBe(401);
    expect(await sql(h.t.db, 'select count(*)::int as n from user_sessions where user_id = ? and revoked_at is null', [temp!.id])).toEqual([
      { n: 0 },
    ]);
  });

  it('a token used after logout gets 401, by Bearer and by cookie', async () => {
    const res = await h.call('POST', '/api/auth/login', { body: STAFF });
    const { token } = await body(res);
    expect((await h.call('GET', '/api/auth/me', { token })).status).toBe(200);
    expect((await h.call('POST', '/api/auth/logout', { token })).status).toBe(200);
    expect((await h.call('GET', '/api/auth/me', { token })).status).toBe(401);
    expect((await h.call('GET', '/api/auth/me', { headers: { cookie: `malar_session=${token}` } })).status).toBe(401);
    // Another sign-in of the same account is a session of its own and still works.
    const other = await h.login(STAFF);
    expect((await h.call('GET', '/api/auth/me', { token: other })).status).toBe(200);
  });

  it('another instance learns of a logout or a switched-off account within SESSION_RECHECK_MS, with no query per request', async () => {
    let clock = 1_000_000;
    const replica = createApp({ config: h.t.config, db: h.t.db, logger: createLogger({ logLevel: 'silent' }), sessions: { now: () => clock } });
    const me = (token: string) => Promise.resolve(replica.request('/api/auth/me', { headers: { authorization: `Bearer ${token}` } }));
    const token = await h.login(STAFF);
    expect((await me(token)).status).toBe(200);
    await h.call('POST', '/api/auth/logout', { token });
    // The replica read the session a moment ago and trusts it until the recheck is due.
    clock += SESSION_RECHECK_MS - 1;
    expect((await me(token)).status).toBe(200);
    clock += 1;
    expect((await me(token)).status).toBe(401);

    // A change made behind the API's back (here: SQL) reaches every instance within the same bound.
    const second = await h.login(STAFF);
    expect((await me(second)).status).toBe(200);
    await sql(h.t.db, 'update users set is_active = false where email = ?', [STAFF.email]);
    clock += SESSION_RECHECK_MS;
    expect((await me(second)).status).toBe(401);
    await sql(h.t.db, 'update users set is_active = true where email = ?', [STAFF.email]);
  });

  it('logout clears the cookie and is audited', async () => {
    const logouts = async () => (await sql<{ n: number }>(h.t.db, "select count(*)::int as n from security_logs where action = 'logout'"))[0]!.n;
    const before = await logouts();
    const token = await h.login(ADMIN);
    const res = await h.call('POST', '/api/auth/logout', { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/malar_session=;.*Max-Age=0/);
    expect((await h.call('POST', '/api/auth/logout')).status).toBe(401);
    expect(await logouts()).toBe(before + 1);
  });

  it('password change: wrong current password refused; success ends older tokens', async () => {
    await sql(
      h.t.db,
      "insert into users (id, email, full_name, phone, role, password_hash) select gen_random_uuid(), 'pw@malar.com', 'P', '+919800000004', 'staff', password_hash from users where email = ?",
      [STAFF.email],
    );
    const old = await h.login({ email: 'pw@malar.com', password: STAFF.password });
    const wrong = await h.call('POST', '/api/auth/password', { token: old, body: { currentPassword: 'nope', newPassword: 'brand-new-pass-1' } });
    expect(wrong.status).toBe(400);
    expect((await body(wrong)).error.code).toBe('WRONG_PASSWORD');
    const short = await h.call('POST', '/api/auth/password', { token: old, body: { currentPassword: STAFF.password, newPassword: 'short' } });
    expect(short.status).toBe(422);
    const ok = await h.call('POST', '/api/auth/password', { token: old, body: { currentPassword: STAFF.password, newPassword: 'brand-new-pass-1' } });
    expect(ok.status).toBe(200);
    const fresh = (await body(ok)).token;
    expect((await h.call('GET', '/api/auth/me', { token: old })).status).toBe(401);
    expect((await h.call('GET', '/api/auth/me', { token: fresh })).status).toBe(200);
    expect((await h.call('POST', '/api/auth/login', { body: { email: 'pw@malar.com', password: 'brand-new-pass-1' } })).status).toBe(200);
    const rows = await sql(h.t.db, "select action from security_logs where action like 'password_change%' order by id");
    expect(rows).toEqual([{ action: 'password_change_failed' }, { action: 'password_changed' }]);
  });

  it('the signing key is generated once and kept in the database', async () => {
    const rows = await sql<{ value: string }>(h.t.db, "select value from system_settings where key = 'jwt_secret'");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.value.length).toBeGreaterThanOrEqual(32);
  });
});

describe('roles and languages', () => {
  it('staff get 403 with a stable code on an admin-only route', async () => {
    const token = await h.login(STAFF);
    const res = await h.call('GET', '/api/users', { token });
    expect(res.status).toBe(403);
    expect((await body(res)).error.code).toBe('FORBIDDEN');
  });

  it("errors come in the signed-in user's language, or Accept-Language's", async () => {
    // staff1 prefers Tamil (seed).
    const token = await h.login(STAFF);
    const staffRes = await h.call('GET', '/api/users', { token });
    expect((await body(staffRes)).error.message).toBe('உங்கள் பொறுப்பிற்கு இதைச் செய்ய அனுமதி இல்லை.');
    const anon = await h.call('GET', '/api/farmers', { headers: { 'accept-language': 'ta-IN,ta;q=0.9,en;q=0.5' } });
    expect((await body(anon)).error.message).toBe('முதலில் உள்நுழையவும்.');
    const en = await h.call('GET', '/api/farmers', { headers: { 'accept-language': 'fr, en;q=0.5' } });
    expect((await body(en)).error.message).toBe('Please sign in.');
  });
});
