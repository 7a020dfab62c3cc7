import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../src/domain/market-time.js';
import { ADMIN, STAFF, body, createApiHarness, type ApiHarness } from '../support/api.js';
import { sql } from '../support/sql.js';

let h: ApiHarness;
let admin: string;
let staff: string;
let today: string;
const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  h = await createApiHarness();
  admin = await h.login(ADMIN);
  staff = await h.login(STAFF);
  today = localDate(new Date(), h.t.config.marketTimeZone);
});
afterAll(() => h?.close());

const SLOTS = ['Early Morning', 'Morning Peak', 'Late Morning', 'Afternoon', 'Evening'];
const jasmineRow = (grid: any) => grid.rows.find((r: any) => r.flower.code === 'FLW002');

describe('GET /api/rates', () => {
  it('401 without a token', async () => {
    expect((await h.call('GET', '/api/rates')).status).toBe(401);
  });

  it("today's grid for staff: every active flower × slot, seeded rates as 2-decimal strings, Tamil names", async () => {
    const res = await h.call('GET', '/api/rates', { token: staff });
    expect(res.status).toBe(200);
    const grid = await body(res);
    expect(grid.date).toBe(today);
    expect(grid.slots.map((s: any) => s.name)).toEqual(SLOTS);
    expect(grid.slots[0]).toMatchObject({ nameTa: 'காலை', startTime: '04:00', endTime: '06:00' });
    expect(grid.rows.map((r: any) => r.flower.code)).toEqual(['FLW001', 'FLW002', 'FLW003', 'FLW004', 'FLW005']);
    expect(jasmineRow(grid).flower.nameTa).toBe('மல்லிகை');
    // The guide's rule: Early 150, Peak 180, Late 140, otherwise 120.
    expect(jasmineRow(grid).cells.map((c: any) => c.rate)).toEqual(['150.00', '180.00', '140.00', '120.00', '120.00']);
  });

  it('a date before any rate gives empty cells; a bad date is 422', async () => {
    const grid = await body(await h.call('GET', '/api/rates?date=2000-01-01', { token: admin }));
    expect(jasmineRow(grid).cells.every((c: any) => c.rate === null && c.effectiveDate === null)).toBe(true);
    const bad = await h.call('GET', '/api/rates?date=2026-13-01', { token: admin });
    expect(bad.status).toBe(422);
    expect((await body(bad)).error.fields[0].field).toBe('date');
  });
});

describe('PUT /api/rates/{date}', () => {
  it('401 unauthenticated, 403 for staff', async () => {
    const payload = { rates: [{ flower: 'Jasmine', slot: 'Evening', rate: '400' }] };
    expect((await h.call('PUT', `/api/rates/${today}`, { body: payload })).status).toBe(401);
    expect((await h.call('PUT', `/api/rates/${today}`, { token: staff, body: payload })).status).toBe(403);
  });

  it('422 for a malformed rate, an empty list, a float-ish value, and a past date', async () => {
    const bad = await h.call('PUT', `/api/rates/${today}`, {
      token: admin,
      body: { rates: [{ flower: 'Jasmine', slot: 'Evening', rate: '4.555' }] },
    });
    expect(bad.status).toBe(422);
    expect((await body(bad)).error.fields[0].field).toBe('rates.0.rate');
    expect((await h.call('PUT', `/api/rates/${today}`, { token: admin, body: { rates: [] } })).status).toBe(422);
    expect(
      (await h.call('PUT', `/api/rates/${today}`, { token: admin, body: { rates: [{ flower: 'Jasmine', slot: 'Evening', rate: 0.1 + 0.2 }] } }))
        .status,
    ).toBe(422);
    const past = await h.call('PUT', `/api/rates/${addDays(today, -1)}`, {
      token: admin,
      body: { rates: [{ flower: 'Jasmine', slot: 'Evening', rate: '400' }] },
    });
    expect(past.status).toBe(422);
    expect((await body(past)).error.code).toBe('RATE_DATE_PAST');
    const unknown = await h.call('PUT', `/api/rates/${today}`, {
      token: admin,
      body: { rates: [{ flower: 'Tulip', slot: 'Evening', rate: '400' }] },
    });
    expect((await body(unknown)).error.code).toBe('FLOWER_NOT_FOUND');
    const zero = await h.call('PUT', `/api/rates/${today}`, { token: admin, body: { rates: [{ flower: 'Jasmine', slot: 'Evening', rate: '0' }] } });
    expect((await body(zero)).error.code).toBe('RATE_NOT_POSITIVE');
  });

  it("sets today's jasmine rate for every slot; only changed cells are audited, with old and new", async () => {
    const before = await sql<{ n: number }>(h.t.db, "select count(*)::int as n from security_logs where action = 'rate_set'");
    const rates = [
      { flower: 'FLW002', slot: 'Early Morning', rate: '450' },
      { flower: 'jasmine', slot: 'காலை உச்சம்', rate: 500 },
      { flower: 'மல்லிகை', slot: 'late morning', rate: '420.5' },
      { flower: 'Jasmine', slot: 'Afternoon', rate: '120.00' }, // unchanged
      { flower: 'Jasmine', slot: 'Evening', rate: '380' },
    ];
    const res = await h.call('PUT', `/api/rates/${today}`, { token: admin, body: { rates }, headers: { 'user-agent': 'rates-test' } });
    expect(res.status).toBe(200);
    const grid = await body(res);
    expect(grid.changed).toBe(4);
    expect(jasmineRow(grid).cells.map((c: any) => c.rate)).toEqual(['450.00', '500.00', '420.50', '120.00', '380.00']);
    const again = await body(await h.call('GET', '/api/rates', { token: staff }));
    expect(jasmineRow(again).cells.map((c: any) => c.rate)).toEqual(['450.00', '500.00', '420.50', '120.00', '380.00']);
    const logs = await sql<{ d: any; ua: string; actor: string }>(
      h.t.db,
      "select details as d, user_agent as ua, (select email from users where id = actor_user_id) as actor from security_logs where action = 'rate_set' order by id",
    );
    expect(logs.length - before[0]!.n).toBe(4);
    const last = logs.slice(-4);
    expect(last.map((l) => [l.d.slot, l.d.old, l.d.new])).toEqual([
      ['Early Morning', '150.00', '450.00'],
      ['Morning Peak', '180.00', '500.00'],
      ['Late Morning', '140.00', '420.50'],
      ['Evening', '120.00', '380.00'],
    ]);
    expect(last.every((l) => l.ua === 'rates-test' && l.actor === 'admin@malar.com' && l.d.flower === 'FLW002')).toBe(true);
  });

  it('a future rate does not change today, shows on its date, and the same cell twice is refused', async () => {
    const future = addDays(today, 3);
    const res = await h.call('PUT', `/api/rates/${future}`, { token: admin, body: { rates: [{ flower: 'Rose', slot: 'Evening', rate: '99.90' }] } });
    expect(res.status).toBe(200);
    const rose = (g: any) => g.rows.find((r: any) => r.flower.code === 'FLW001').cells[4];
    expect(rose(await body(res))).toEqual(expect.objectContaining({ rate: '99.90', effectiveDate: future }));
    expect(rose(await body(await h.call('GET', '/api/rates', { token: admin }))).rate).toBe('120.00');
    expect(rose(await body(await h.call('GET', `/api/rates?date=${addDays(today, 10)}`, { token: admin }))).rate).toBe('99.90');
    const dup = await h.call('PUT', `/api/rates/${future}`, {
      token: admin,
      body: {
        rates: [
          { flower: 'Rose', slot: 'Evening', rate: '1' },
          { flower: 'FLW001', slot: 'evening', rate: '2' },
        ],
      },
    });
    expect(dup.status).toBe(422);
    expect((await body(dup)).error.code).toBe('DUPLICATE_CELL');
    // Nothing of the refused batch was written.
    expect(rose(await body(await h.call('GET', `/api/rates?date=${future}`, { token: admin }))).rate).toBe('99.90');
  });
});

describe('GET /api/rates/history/{flowerTypeId}', () => {
  it('lists a flower’s rates newest first, paginated with bounds', async () => {
    const [lotus] = await sql<{ id: string }>(h.t.db, "select id from flower_types where code = 'FLW004'");
    const d1 = addDays(today, 1);
    await h.call('PUT', `/api/rates/${d1}`, { token: admin, body: { rates: [{ flower: 'Lotus', slot: 'Early Morning', rate: '12' }] } });
    const res = await h.call('GET', `/api/rates/history/${lotus!.id}?pageSize=2`, { token: staff });
    expect(res.status).toBe(200);
    const page = await body(res);
    expect(page.total).toBe(6);
    expect(page.items).toHaveLength(2);
    expect(page.items[0]).toMatchObject({ slot: 'Early Morning', rate: '12.00', effectiveDate: d1, createdBy: 'admin@malar.com' });
    expect(page.items[1]).toMatchObject({ slot: 'Early Morning', rate: '150.00', createdBy: null });
    const last = await body(await h.call('GET', `/api/rates/history/${lotus!.id}?pageSize=2&page=3`, { token: staff }));
    expect(last.items).toHaveLength(2);
    expect((await body(await h.call('GET', `/api/rates/history/${lotus!.id}?pageSize=2&page=4`, { token: staff }))).items).toEqual([]);
    expect((await h.call('GET', `/api/rates/history/${lotus!.id}?pageSize=201`, { token: staff })).status).toBe(422);
    expect((await h.call('GET', `/api/rates/history/${lotus!.id}?page=0`, { token: staff })).status).toBe(422);
    expect((await h.call('GET', `/api/rates/history/not-a-uuid`, { token: staff })).status).toBe(422);
    const missing = await h.call('GET', `/api/rates/history/00000000-0000-4000-8000-000000000000`, { token: staff });
    expect(missing.status).toBe(404);
    expect((await body(missing)).error.code).toBe('FLOWER_NOT_FOUND');
  });
});
