// Who may open which console page, over HTTP: no session → to the sign-in form; staff on an admin page → 403;
// changes by staff on admin pages → 403 with nothing changed. The try-it page: on for the console transport (an
// admin or the local token outside development), 404 for a production service on the Cloud API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { localServiceToken, TRY_TOKEN_HEADER } from '../../src/http/try/local-service.js';
import { createLogger } from '../../src/logger.js';
import { ADMIN, STAFF, createApiHarness, type ApiHarness } from '../support/api.js';
import { sql } from '../support/sql.js';

const ADMIN_PAGES = [
  '/admin/advances',
  '/admin/settlements',
  '/admin/rates',
  '/admin/rate-history',
  '/admin/messages',
  '/admin/audit',
  '/admin/settings',
  '/admin/users',
];
const STAFF_PAGES = ['/admin/today', '/admin/farmers'];

let h: ApiHarness;
let admin: string;
let staff: string;
const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
  h.app.request(path, { headers: { ...(token ? { cookie: `malar_session=${token}` } : {}), ...headers }, redirect: 'manual' });
const post = (path: string, token: string | undefined, form: Record<string, string>, headers: Record<string, string> = {}) =>
  h.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(token ? { cookie: `malar_session=${token}` } : {}), ...headers },
    body: new URLSearchParams(form).toString(),
  });

beforeAll(async () => {
  h = await createApiHarness();
  admin = await h.login(ADMIN);
  staff = await h.login(STAFF);
});
afterAll(() => h?.close());

describe('console pages', () => {
  it('send a visitor without a session to the sign-in form, and back to the page after', async () => {
    for (const path of [...STAFF_PAGES, ...ADMIN_PAGES]) {
      const res = await get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe(`/admin/login?next=${encodeURIComponent(path)}`);
    }
    const form = await get('/admin/login?next=/admin/audit');
    expect(await form.text()).toContain('name="next" value="/admin/audit"');
    // A next that leaves the site is not followed.
    const res = await post('/admin/login', undefined, { email: ADMIN.email, password: ADMIN.password, next: '//evil.example/x' });
    expect(res.headers.get('location')).toBe('/admin/today');
  });

  it('give staff their pages and refuse them the admin ones', async () => {
    for (const path of STAFF_PAGES) expect((await get(path, staff)).status, path).toBe(200);
    for (const path of ADMIN_PAGES) {
      const res = await get(path, staff);
      expect(res.status, path).toBe(403);
      // staff1 reads Tamil: the page says so in Tamil.
      expect(await res.text()).toContain('உங்கள் பொறுப்புக்கு இல்லை');
    }
    for (const path of [...STAFF_PAGES, ...ADMIN_PAGES]) expect((await get(path, admin)).status, path).toBe(200);
  });

  it('refuse staff the admin changes and leave the data alone', async () => {
    const [farmer] = await sql(h.t.db, "select id from farmers where farmer_code = 'FAR002'");
    const res = await post(`/admin/farmers/${farmer!.id}`, staff, { name: 'Changed by staff', commissionRate: '1' });
    expect(res.status).toBe(403);
    expect((await post('/admin/settlements/run', staff, { period: '', dryRun: '0' })).status).toBe(403);
    expect((await post('/admin/settings/market_name', staff, { value: 'X' })).status).toBe(403);
    const [after] = await sql(h.t.db, "select name, commission_rate from farmers where farmer_code = 'FAR002'");
    expect(after).toEqual({ name: 'Kumar Raja', commission_rate: null });
  });

  it('refuse a form posted from another site', async () => {
    const res = await post('/admin/settings/market_name', admin, { value: 'Hijacked' }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
  });

  it('let an admin edit a farmer, refusing a bad commission in words', async () => {
    const [farmer] = await sql(h.t.db, "select id from farmers where farmer_code = 'FAR003'");
    const bad = await post(`/admin/farmers/${farmer!.id}`, admin, { name: 'Muthu Pandi', commissionRate: '4,5', isActive: '1' });
    expect(new URL(bad.headers.get('location')!, 'http://x').searchParams.get('err')).toBe(
      'Commission “4,5”: write a percentage like 4.5 (at most 100).',
    );
    const ok = await post(`/admin/farmers/${farmer!.id}`, admin, {
      name: 'Muthu Pandi',
      village: 'Nilakottai',
      commissionRate: '4.5',
      isActive: '1',
    });
    expect(ok.headers.get('location')).toBe(`/admin/farmers/${farmer!.id}?done=1`);
    const [after] = await sql(h.t.db, 'select village, commission_rate::text as rate from farmers where id = ?', [farmer!.id]);
    expect(after).toEqual({ village: 'Nilakottai', rate: '4.50' });
  });
});

describe('the try-it page', () => {
  it('is for admins (or the local token) outside development with the console transport', async () => {
    expect(h.t.config.whatsapp.transport).toBe('console');
    const res = await get('/try');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login?next=/try');
    expect((await get('/try/api/feed?after=latest')).status).toBe(401);
    expect((await get('/try', staff)).status).toBe(403);
    const page = await get('/try', admin);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('+919876543211');
    expect(html).toContain('FAR002 Kumar Raja');
    expect((await get('/try/api/feed?after=latest', undefined, { [TRY_TOKEN_HEADER]: localServiceToken() })).status).toBe(200);
    expect((await get('/try/api/feed?after=latest', undefined, { [TRY_TOKEN_HEADER]: 'guess' })).status).toBe(401);
  });

  it('stores a message as the webhook does, and refuses a bad phone with a code', async () => {
    const send = (body: unknown) =>
      h.app.request('/try/api/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `malar_session=${admin}` },
        body: JSON.stringify(body),
      });
    const bad = await send({ from: 'abc', text: 'bal' });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_PHONE');
    const ok = await send({ from: '+91 98765 43212', text: 'இருப்பு' });
    expect(ok.status).toBe(202);
    const rows = await sql(h.t.db, "select channel, sender_phone, text from inbound_messages where text = 'இருப்பு'");
    expect(rows).toEqual([{ channel: 'console', sender_phone: '+919876543212', text: 'இருப்பு' }]);
  });

  it('is a 404 for a production service on the Cloud API', async () => {
    const config = { ...h.t.config, nodeEnv: 'production' as const, whatsapp: { ...h.t.config.whatsapp, transport: 'cloud' as const } };
    const app = createApp({ config, db: h.t.db, logger: createLogger({ logLevel: 'silent' }) });
    expect((await app.request('/try', { headers: { cookie: `malar_session=${admin}` } })).status).toBe(404);
    const landing = await (await app.request('/')).text();
    expect(landing).not.toContain('href="/try"');
  });
});
