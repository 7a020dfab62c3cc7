// Who may open which console page, over HTTP: no session → to the sign-in form; staff on an admin page → 403;
// changes by staff on admin pages → 403 with nothing changed. The try-it page: on for the console transport (an
// admin or the local token outside development), 404 for a production service on the Cloud API. The buyers'
// pages and a farmer's adjustments show figures worked out by hand from rows the tests make.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { StaffActor } from '../../src/domain/audit/actor.js';
import { recordCollections } from '../../src/domain/buyers/collections.service.js';
import { recordSales } from '../../src/domain/buyers/record-sales.js';
import { createBuyer } from '../buyers/helpers.js';
import { createApp } from '../../src/app.js';
import { localServiceToken, TRY_TOKEN_HEADER } from '../../src/http/try/local-service.js';
import { createLogger } from '../../src/logger.js';
import { ADMIN, STAFF, createApiHarness, type ApiHarness } from '../support/api.js';
import { sql } from '../support/sql.js';

const ADMIN_PAGES = [
  '/admin/receivables',
  '/admin/advances',
  '/admin/settlements',
  '/admin/rates',
  '/admin/rate-history',
  '/admin/messages',
  '/admin/audit',
  '/admin/settings',
  '/admin/users',
];
const STAFF_PAGES = ['/admin/today', '/admin/farmers', '/admin/buyers'];

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

// A table row's cells as text, found by its data attribute: the figures a reader sees on that line.
function rowText(page: string, attr: string, value: string): string[] {
  const m = new RegExp(`<tr[^>]*data-${attr}="${value}"[^>]*>([\\s\\S]*?)</tr>`).exec(page);
  if (!m) return [];
  return [...m[1]!.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((c) =>
    c[1]!
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

async function book(fn: (em: EntityManager, actor: StaffActor) => Promise<unknown>) {
  const [u] = await sql<{ id: string }>(h.t.db, `select id::text from users where email = 'admin@malar.com'`);
  const actor: StaffActor = { userId: u!.id, role: 'admin', channel: 'cli' };
  await h.t.db.orm.em.fork().transactional((em) => fn(em as EntityManager, actor));
}

describe('the buyers’ pages', () => {
  // B301 (credit limit 3000): S1 2030-05-01 1 kg × 1250.00, S2 2030-05-03 1 kg × 320.50; C 1400.00 cash 2030-05-04.
  // The collection pays the oldest first: S1 1250 in full, S2 150 → 170.50 due. Running balance 1250.00, 1570.50,
  // 170.50. On 2030-05-10 S2 is 7 days old → 0–7: 170.50, outstanding 170.50; nobody else sold in May 2030.
  let codes: { s1: string; s2: string; c: string };
  beforeAll(async () => {
    const b = await createBuyer(h.t, 'B301', '+919811130100', { name: 'Console Buyer', creditLimit: '3000' });
    const [flower] = await sql<{ id: string }>(h.t.db, `select id::text from flower_types where code = 'FLW002'`);
    const jasmine = { id: flower!.id, code: 'FLW002', name: 'Jasmine', nameTa: 'மல்லிகை', unit: 'kg' as const };
    const sale = (date: string, rate: string) => ({
      buyer: { id: b.id, code: 'B301' },
      flower: jasmine,
      quantity: '1',
      rate,
      at: new Date(`${date}T06:00:00+05:30`),
      sourceMessageId: null,
      sourceLine: 0,
    });
    await book((em, actor) => recordSales(em, actor, [sale('2030-05-01', '1250'), sale('2030-05-03', '320.50')], { timeZone: 'Asia/Kolkata' }));
    await book((em, actor) =>
      recordCollections(
        em,
        actor,
        [
          {
            buyer: { id: b.id, code: 'B301' },
            amount: '1400',
            mode: 'cash',
            reference: null,
            at: new Date('2030-05-04T09:00:00+05:30'),
            sourceMessageId: null,
            sourceLine: 0,
          },
        ],
        { timeZone: 'Asia/Kolkata' },
      ),
    );
    const sales = await sql<{ n: string }>(h.t.db, `select sale_no::text as n from sales where buyer_id = ? order by sale_date`, [b.id]);
    const [coll] = await sql<{ n: string }>(h.t.db, `select collection_no::text as n from collections where buyer_id = ?`, [b.id]);
    codes = { s1: `S${sales[0]!.n}`, s2: `S${sales[1]!.n}`, c: `C${coll!.n}` };
  });

  it('list a buyer with their limit and what they owe, and find them by name or phone', async () => {
    for (const q of ['', '?q=console', '?q=98111%2030100']) {
      const page = await (await get(`/admin/buyers${q}`, staff)).text();
      expect(page, q).toContain('href="/admin/buyers/B301"');
      expect(page).toMatch(/Console Buyer<\/td>\s*<td>\+919811130100<\/td>\s*<td class="num">₹3,000.00<\/td>\s*<td class="num">₹170.50<\/td>/);
    }
    expect(await (await get('/admin/buyers?q=nobody-like-this', staff)).text()).not.toContain('B301');
  });

  it('show a buyer’s ledger with the running balance and what is due per sale', async () => {
    const res = await get('/admin/buyers/B301', staff);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(rowText(page, 'ref', codes.s1)).toEqual(['2030-05-01', codes.s1, 'FLW002 1 kg @ 1250.00', '₹1,250.00', '', '₹1,250.00']);
    expect(rowText(page, 'ref', codes.s2)).toEqual(['2030-05-03', codes.s2, 'FLW002 1 kg @ 320.50', '₹320.50', '', '₹1,570.50']);
    expect(rowText(page, 'ref', codes.c)).toEqual(['2030-05-04', codes.c, 'cash', '', '₹1,400.00', '₹170.50']);
    // S1 is paid in full, so only S2 is still due.
    expect(rowText(page, 'sale', codes.s1)).toEqual([]);
    expect(rowText(page, 'sale', codes.s2)).toEqual([codes.s2, '2030-05-03', '₹320.50', '₹150.00', '₹170.50']);
    // staff1 reads Tamil: the headings are Tamil words, not keys.
    expect(page).toContain('விற்பனை வாரியாக நிலுவை');
    expect(page).not.toContain('consoleBuyers.');
    expect((await get('/admin/buyers/B999', staff)).status).toBe(404);
  });

  it('age the receivables on a date, link the CSV, and list the day’s collections', async () => {
    const page = await (await get('/admin/receivables?asOf=2030-05-10&date=2030-05-04', admin)).text();
    expect(rowText(page, 'buyer', 'B301')).toEqual(['B301', 'Console Buyer', '₹170.50', '₹0.00', '₹0.00', '₹0.00', '₹170.50', '₹0.00', '2030-05-03']);
    const totals = rowText(page, 'buyer', 'total');
    expect(totals.slice(1, 4)).toEqual(['₹170.50', '₹0.00', '₹0.00']);
    expect(page).toContain('href="/api/reports/receivables?asOf=2030-05-10&amp;format=csv"');
    expect(rowText(page, 'collection', codes.c)).toEqual([
      codes.c,
      '2030-05-04 09:00:00',
      'B301 Console Buyer',
      '₹1,400.00',
      'Cash',
      '',
      'Admin User',
    ]);
    expect(page).toMatch(/data-register-totals>[\s\S]*Cash<b>₹1,400.00<\/b>[\s\S]*UPI<b>₹0.00<\/b>[\s\S]*Total<b>₹1,400.00<\/b>/);
    // The CSV the page links to answers the signed-in admin's browser.
    const csv = await get('/api/reports/receivables?asOf=2030-05-10&format=csv', admin);
    expect(await csv.text()).toContain('B301,Console Buyer,170.50,0.00,0.00,0.00,170.50,0.00');
  });
});

describe('a farmer’s adjustments', () => {
  it('are listed for staff, and added by an admin through the domain (never by staff)', async () => {
    const [f] = await sql<{ id: string; b: string }>(h.t.db, "select id::text, current_balance::text as b from farmers where farmer_code = 'FAR001'");
    const url = `/admin/farmers/${f!.id}`;
    expect((await post(`${url}/adjustments`, staff, { amount: '+150', reason: 'Crate returned' })).status).toBe(403);
    const bad = await post(`${url}/adjustments`, admin, { amount: 'abc', reason: 'x' });
    expect(new URL(bad.headers.get('location')!, 'http://x').searchParams.get('err')).toBeTruthy();
    expect((await post(`${url}/adjustments`, admin, { amount: '+150', reason: 'Crate returned' })).status).toBe(303);
    expect((await post(`${url}/adjustments`, admin, { amount: '−40.25', reason: 'Short weight' })).status).toBe(303);
    const rows = await sql(
      h.t.db,
      "select amount::text, reason from adjustments where farmer_id = ? and reason in ('Crate returned', 'Short weight', 'x') order by adjustment_no",
      [f!.id],
    );
    expect(rows).toEqual([
      { amount: '150.00', reason: 'Crate returned' },
      { amount: '-40.25', reason: 'Short weight' },
    ]);
    // The balance moved by +150.00 − 40.25 = +109.75.
    const [after] = await sql<{ d: string }>(h.t.db, 'select (current_balance - ?::numeric)::text as d from farmers where id = ?', [f!.b, f!.id]);
    expect(after!.d).toBe('109.75');
    const staffPage = await (await get(url, staff)).text();
    expect(staffPage).toContain('+₹150.00');
    expect(staffPage).toContain('-₹40.25');
    expect(staffPage).toContain('Short weight');
    expect(staffPage).not.toContain(`action="${url}/adjustments"`);
    expect(await (await get(url, admin)).text()).toContain(`action="${url}/adjustments"`);
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
