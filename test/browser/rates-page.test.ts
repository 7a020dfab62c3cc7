// The rates page in a real browser (Debian's chromium driven by playwright-core) against a real HTTP server.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../src/domain/market-time.js';
import { ADMIN, STAFF, createApiHarness, type ApiHarness } from '../support/api.js';
import { sql } from '../support/sql.js';

const CHROMIUM = process.env.CHROME_PATH || '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);

describe.skipIf(!hasChromium)(`/admin/rates in chromium (${CHROMIUM}${hasChromium ? '' : ' is missing: apt-get install chromium'})`, () => {
  let h: ApiHarness;
  let server: ReturnType<typeof serve>;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    h = await createApiHarness();
    server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await h?.close();
  });

  it('signs in, changes a rate, saves, and sees it after a reload', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/admin/rates`);
    await page.fill('input[name=email]', 'nobody@malar.com');
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    expect(await page.textContent('[role=alert]')).toBe('Email or password is wrong.');

    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', ADMIN.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('table');
    const today = localDate(new Date(), h.t.config.marketTimeZone);
    expect(await page.textContent('h1')).toContain(today);
    const body = await page.textContent('body');
    for (const name of ['Jasmine', 'மல்லிகை', 'Marigold', 'செண்டுமல்லி', 'Early Morning', 'காலை']) expect(body).toContain(name);

    const cell = page.locator('input[data-flower=FLW002][data-slot="Early Morning"]');
    expect(await cell.inputValue()).toBe('150.00');
    await cell.fill('475.5');
    await page.click('text=Save · சேமி');
    await page.waitForSelector('[role=status]');
    expect(await page.textContent('[role=status]')).toContain('1 changed');

    await page.reload();
    expect(await page.locator('input[data-flower=FLW002][data-slot="Early Morning"]').inputValue()).toBe('475.50');
    expect(await page.locator('input[data-flower=FLW002][data-slot="Morning Peak"]').inputValue()).toBe('180.00');
    const rows = await sql(h.t.db, "select details->>'old' as old, details->>'new' as new from security_logs where action = 'rate_set'");
    expect(rows).toEqual([{ old: '150.00', new: '475.50' }]);

    // A bad value is refused on the page and nothing is saved.
    await page.locator('input[data-flower=FLW001][data-slot=Evening]').fill('12,5');
    await page.click('text=Save · சேமி');
    expect(await page.textContent('[role=alert]')).toContain('12,5');
    await page.goto(`${base}/admin/rates`);
    expect(await page.locator('input[data-flower=FLW001][data-slot=Evening]').inputValue()).toBe('120.00');
    await page.close();
  });

  it('staff are turned away from the page', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/admin/rates`);
    await page.fill('input[name=email]', STAFF.email);
    await page.fill('input[name=password]', STAFF.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    expect(await page.locator('table').count()).toBe(0);
    await page.close();
  });
});
