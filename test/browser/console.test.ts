// The office in a real browser (Debian's chromium driven by playwright-core) against a real service on a real
// database, its WhatsApp being the fake Graph API: the try-it page, Today, advances, a settlement run, its PDF,
// paying it, and a failed message sent again. Screenshots of every page, in English and Tamil, go to
// test-output/screenshots (not committed).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../src/domain/market-time.js';
import { hashPassword } from '../../src/domain/users/password.js';
import { createLogger } from '../../src/logger.js';
import { startService, type RunningService } from '../../src/service.js';
import { ADMIN, STAFF } from '../support/api.js';
import { cloudTestConfig, eventually } from '../support/channels.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { sql } from '../support/sql.js';

const CHROMIUM = process.env.CHROME_PATH || '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
const SHOTS = path.resolve('test-output/screenshots');

describe.skipIf(!hasChromium)('the console and the try-it page in chromium', () => {
  let t: TestDatabase;
  let fake: FakeGraph;
  let service: RunningService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;

  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const pending = async () => (await sql(t.db, "select count(*)::int as n from notifications where status in ('pending','sending')"))[0]!.n === 0;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    t = await createTestDatabase();
    await sql(t.db, 'update users set password_hash = ? where email = ?', [await hashPassword(ADMIN.password), ADMIN.email]);
    await sql(t.db, 'update users set password_hash = ? where email = ?', [await hashPassword(STAFF.password), STAFF.email]);
    fake = await startFakeGraph();
    // Development: the try-it page is on beside a (fake) Cloud API, so every message also reaches the Graph API.
    const config = {
      ...cloudTestConfig(t, fake.url),
      nodeEnv: 'development' as const,
      jobsEnabled: false,
      dataDir: fs.mkdtempSync('/tmp/malar-console-'),
    };
    service = await startService(config, createLogger({ logLevel: 'silent' }), { outbox: { pollMs: 20 } });
    base = `http://127.0.0.1:${service.port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    context = await browser.newContext({ viewport: { width: 1100, height: 800 }, locale: 'en-IN' });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await fake?.close();
    await t?.close();
  });

  it('runs a morning: try-it entry in Tamil, Today, an advance, a settlement, its PDF, payment, a failed message retried', async () => {
    await page.goto(`${base}/`);
    expect(await page.textContent('h1')).toContain('Malar');
    await shot('landing');

    // Sign in: the console sends a stranger to the sign-in form and back.
    await page.goto(`${base}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/admin/today`);
    expect(await page.textContent('h1')).toContain(localDate(new Date(), t.config.marketTimeZone));

    // The try-it page as staff1, in Tamil; the rate is given (@200) so the figures do not depend on the slot:
    // 12.5 kg × ₹200.00 = ₹2,500.00, 5% commission ₹125.00, the farmer's net ₹2,375.00.
    await page.goto(`${base}/try`);
    await page.getByLabel('I am · நான்').selectOption('+919876543211');
    await page.getByLabel('Message · செய்தி').fill('FAR002 மல்லி 12.5 @200');
    await page.keyboard.press('Enter');
    const reply = page.locator('#chat .bubble.bot').first();
    await reply.waitFor();
    expect(await reply.textContent()).toContain('✓ #1 FAR002 மல்லிகை 12.5 கிலோ × ₹200.00 = ₹2,500.00');
    const receipt = page.locator('#others .bubble').first();
    await receipt.waitFor();
    const receiptText = await receipt.textContent();
    expect(receiptText).toContain('→ +919876543212');
    expect(receiptText).toContain('Kumar Raja (FAR002)');
    expect(receiptText).toContain('₹2,375.00');

    // A staff advance above the auto-approve limit (₹2,000) waits for an admin.
    await page.getByLabel('Message · செய்தி').fill('adv FAR002 2500 seeds');
    await page.getByRole('button', { name: 'Send · அனுப்பு' }).click();
    await page.locator('#chat .bubble.bot').nth(1).waitFor();
    await shot('try');

    // Today shows the entry and its totals.
    await page.goto(`${base}/admin/today`);
    const row = page.locator('#entries tbody tr').first();
    expect(await row.textContent()).toContain('FAR002');
    expect(await row.textContent()).toContain('₹2,500.00');
    expect(await page.locator('.card').nth(3).textContent()).toContain('₹2,375.00');
    await shot('today');

    // Approve the pending advance: the balance moves by it (₹2,375.00 − ₹2,500.00 = −₹125.00).
    await page.goto(`${base}/admin/advances`);
    await page.getByRole('button', { name: /Approve FAR002 ₹2,500\.00/ }).click();
    expect(await page.textContent('[role=status]')).toContain('FAR002 ₹2,500.00');
    const [bal] = await sql(t.db, "select current_balance::text as b from farmers where farmer_code = 'FAR002'");
    expect(bal!.b).toBe('-125.00');
    await shot('advances');

    // Farmers: the list with balances, the farmer's page.
    await page.goto(`${base}/admin/farmers?q=FAR002`);
    expect(await page.locator('tbody tr').first().textContent()).toContain('-₹125.00');
    await page.getByRole('link', { name: 'FAR002' }).click();
    expect(await page.textContent('h1')).toContain('FAR002');
    await shot('farmer');

    // A settlement: dry run first (nothing saved), then for real. The advance is more than the lot earned, so
    // FAR002 brings a second lot first.
    await page.goto(`${base}/try`);
    await page.getByLabel('I am · நான்').selectOption('+919876543211');
    await page.getByLabel('Message · செய்தி').fill('FAR002 rose 10 @100');
    await page.keyboard.press('Enter');
    await page.locator('#chat .bubble.bot').first().waitFor();
    // Gross 2,500 + 1,000 = 3,500; commission 175; advance 2,500 recovered: net 3,500 − 175 − 2,500 = ₹825.00.
    await page.goto(`${base}/admin/settlements`);
    const today = localDate(new Date(), t.config.marketTimeZone);
    await page.getByLabel('Period (2026-W47, 2026-11 or a date)').first().fill(today);
    await page.getByLabel('Also a period that has not ended').first().check();
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    expect(await page.textContent('#preview-h')).toContain('nothing saved yet');
    expect(await page.locator('section.card tbody tr', { hasText: 'FAR002' }).textContent()).toContain('₹825.00');
    expect((await sql(t.db, 'select count(*)::int as n from settlements'))[0]!.n).toBe(0);
    await shot('settlement-preview');
    await page.getByRole('button', { name: /for real/ }).click();
    expect(await page.textContent('#preview-h')).toContain('settled');
    const settled = page.locator('table', { hasText: 'Statement PDF' }).last().locator('tbody tr', { hasText: 'FAR002' });
    expect(await settled.textContent()).toContain('₹825.00');

    // The statement PDF link gives a PDF.
    const href = await settled.getByRole('link', { name: 'Statement PDF' }).getAttribute('href');
    const pdf = await context.request.get(`${base}${href}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

    // Mark it paid; the farmer's confirmation is refused by WhatsApp (131026) and shows on Messages.
    await eventually(pending, 'the outbox to drain', 4000);
    fake.script.push({ status: 400, code: 131026 });
    await settled.getByLabel(/Payment reference for/).fill('UPI-4471');
    await settled.getByRole('button', { name: 'Mark paid' }).click();
    expect(await page.textContent('[role=status]')).toContain('₹825.00');
    expect(await page.locator('tbody tr', { hasText: 'UPI-4471' }).count()).toBe(1);
    await shot('settlements');
    await eventually(
      async () => (await sql(t.db, "select count(*)::int as n from notifications where status = 'failed'"))[0]!.n === 1,
      'the refusal',
      4000,
    );
    await page.goto(`${base}/admin/messages`);
    const failed = page.locator('#failed tbody tr').first();
    expect(await failed.textContent()).toContain('+919876543212');
    expect(await failed.textContent()).toContain('UPI-4471');
    await shot('messages');
    const before = fake.accepted().length;
    await failed.getByRole('button', { name: /Send again/ }).click();
    expect(await page.textContent('[role=status]')).toBeTruthy();
    await eventually(() => fake.accepted().length > before, 'the retried message at the Graph API', 4000);
    const resent = fake.accepted().at(-1)!;
    expect(resent.body.to).toBe('919876543212');
    expect(JSON.stringify(resent.body)).toContain('UPI-4471');
  });

  it('draws every page in English and Tamil', async () => {
    const pages = [
      'today',
      'farmers',
      'buyers',
      'receivables',
      'advances',
      'settlements',
      'rates',
      'rate-history',
      'messages',
      'audit',
      'settings',
      'users',
    ];
    for (const lang of ['en', 'ta'] as const) {
      await context.addCookies([{ name: 'malar_lang', value: lang, url: base }]);
      for (const p of pages) {
        const res = await page.goto(`${base}/admin/${p}`);
        expect(res?.status(), p).toBe(200);
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        await shot(`${p}-${lang}`);
      }
    }
    expect(await page.textContent('nav.main')).toContain('இன்று');
    // A phone screen: the navigation wraps, nothing is wider than the screen.
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${base}/admin/today`);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot('today-phone-ta');
    await page.goto(`${base}/try`);
    await shot('try-phone');
  });
});
