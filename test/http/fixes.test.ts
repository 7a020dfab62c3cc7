// The fat-finger guard and the one-step fix over HTTP: 422 CONFIRMATION_REQUIRED unless confirm: true, a flower's
// own largest lot, and POST /api/entries/{id}/fix. Today's jasmine rate is 450.00 in every slot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../src/domain/market-time.js';
import { ADMIN, STAFF, body, createApiHarness, type ApiHarness } from '../support/api.js';
import { sql } from '../support/sql.js';
import { addFarmer } from '../settlements/fixture.js';

let h: ApiHarness;
let admin: string;
let staff: string;
let jasmine: string;
const TZ = 'Asia/Kolkata';
const SLOTS = ['Early Morning', 'Morning Peak', 'Late Morning', 'Afternoon', 'Evening'];

beforeAll(async () => {
  h = await createApiHarness({ marketTimeZone: TZ });
  admin = await h.login(ADMIN);
  staff = await h.login(STAFF);
  jasmine = (await sql<{ id: string }>(h.t.db, "select id from flower_types where code = 'FLW002'"))[0]!.id;
  const res = await h.call('PUT', `/api/rates/${localDate(new Date(), TZ)}`, {
    token: admin,
    body: { rates: SLOTS.map((slot) => ({ flower: 'Jasmine', slot, rate: '450' })) },
  });
  expect(res.status).toBe(200);
});
afterAll(() => h?.close());

async function newFarmer(language: 'ta' | 'en' = 'en') {
  const code = await addFarmer(h.t.db, { language });
  const [f] = await sql<{ id: string; phone: string }>(h.t.db, 'select id, whatsapp_number as phone from farmers where farmer_code = ?', [code]);
  return { code, ...f! };
}
const balance = async (id: string) => (await sql<{ b: string }>(h.t.db, 'select current_balance::text as b from farmers where id = ?', [id]))[0]!.b;
const count = async (farmerId: string) =>
  Number((await sql<{ n: string }>(h.t.db, 'select count(*)::text as n from daily_entries where farmer_id = ?', [farmerId]))[0]!.n);
const entry = (token: string, b: Record<string, unknown>) => h.call('POST', '/api/entries', { token, body: b });
const fix = (token: string, id: string, b: Record<string, unknown>) => h.call('POST', `/api/entries/${id}/fix`, { token, body: b });

describe('the guard over HTTP', () => {
  it('an entry above 500 kg: 422 CONFIRMATION_REQUIRED with the limit, nothing written; confirm: true records it', async () => {
    const f = await newFarmer();
    const refused = await entry(staff, { farmerId: f.id, flowerTypeId: jasmine, quantity: '900' });
    expect(refused.status).toBe(422);
    const e = await body(refused);
    expect(e.error.code).toBe('CONFIRMATION_REQUIRED');
    expect(e.error.details).toEqual({ guard: 'lot', quantity: '900', unit: 'kg', limit: '500' });
    expect(await count(f.id)).toBe(0);
    const ok = await entry(staff, { farmerId: f.id, flowerTypeId: jasmine, quantity: '900', confirm: true });
    expect(ok.status).toBe(201);
    // 900 × 450 = 4,05,000.00; 5% = 20,250.00; net 3,84,750.00
    expect(await body(ok)).toMatchObject({ quantity: '900.000', netAmount: '384750.00' });
    expect(await balance(f.id)).toBe('384750.00');
  });

  it('a given rate more than 3× the rate in force: 422; within 3×: recorded', async () => {
    const f = await newFarmer();
    const far = await entry(admin, { farmerId: f.id, flowerTypeId: jasmine, quantity: '2', rate: '1350.01' });
    expect(far.status).toBe(422);
    expect((await body(far)).error.details).toEqual({ guard: 'rate', rate: '1350.01', rateInForce: '450.00', factor: '3' });
    expect((await entry(admin, { farmerId: f.id, flowerTypeId: jasmine, quantity: '2', rate: '1350' })).status).toBe(201);
  });

  it('an advance above advance_confirm_limit: 422 unless confirm: true', async () => {
    const f = await newFarmer();
    const refused = await h.call('POST', '/api/advances', { token: admin, body: { farmerId: f.id, amount: '10000.01' } });
    expect(refused.status).toBe(422);
    expect((await body(refused)).error).toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
      details: { guard: 'advance', amount: '10000.01', limit: '10000' },
    });
    expect(await balance(f.id)).toBe('0.00');
    const ok = await h.call('POST', '/api/advances', { token: admin, body: { farmerId: f.id, amount: '10000.01', confirm: true } });
    expect(ok.status).toBe(201);
    expect(await balance(f.id)).toBe('-10000.01');
  });

  it('a flower’s own largest lot, set with PATCH /api/flower-types/{id}', async () => {
    const f = await newFarmer();
    const set = await h.call('PATCH', `/api/flower-types/${jasmine}`, { token: admin, body: { maxLotQuantity: '50' } });
    try {
      expect(set.status).toBe(200);
      expect((await body(set)).maxLotQuantity).toBe('50.000');
      expect((await entry(staff, { farmerId: f.id, flowerTypeId: jasmine, quantity: '50' })).status).toBe(201);
      const over = await entry(staff, { farmerId: f.id, flowerTypeId: jasmine, quantity: '50.001' });
      expect(over.status).toBe(422);
      expect((await body(over)).error.details).toMatchObject({ guard: 'lot', limit: '50' });
      expect((await h.call('PATCH', `/api/flower-types/${jasmine}`, { token: admin, body: { maxLotQuantity: '0' } })).status).toBe(422);
      expect((await h.call('PATCH', `/api/flower-types/${jasmine}`, { token: staff, body: { maxLotQuantity: '900' } })).status).toBe(403);
    } finally {
      const back = await h.call('PATCH', `/api/flower-types/${jasmine}`, { token: admin, body: { maxLotQuantity: null } });
      expect((await body(back)).maxLotQuantity).toBeNull();
    }
  });
});

describe('POST /api/entries/{id}/fix', () => {
  it('staff, their own entry: void + replacement (correctsEntryId), balance and receipt old → new', async () => {
    const f = await newFarmer('en');
    const created = await body(await entry(staff, { farmerId: f.id, flowerTypeId: jasmine, quantity: '12' }));
    const res = await fix(staff, created.id, { quantity: '9.5', reason: 'scale was off' });
    expect(res.status).toBe(201);
    const { voided, replacement } = await body(res);
    expect(voided).toMatchObject({ id: created.id, status: 'voided', voidReason: 'scale was off', correctsEntryId: null });
    // 12 × 450 = 5,400.00, net 5,130.00 → 9.5 × 450 = 4,275.00; 5% = 213.75; net 4,061.25
    expect(replacement).toMatchObject({
      quantity: '9.500',
      ratePerUnit: '450.00',
      netAmount: '4061.25',
      status: 'active',
      source: 'web',
      correctsEntryId: created.id,
    });
    expect(await balance(f.id)).toBe('4061.25');
    const [r] = await sql<{ text: string }>(
      h.t.db,
      "select payload->>'text' as text from notifications where farmer_id = ? and type = 'receipt' order by id desc limit 1",
      [f.id],
    );
    expect(r!.text.split('\n').slice(1)).toEqual([
      `Corrected #${created.entryNo}: Jasmine 12 kg × ₹450.00 → 9.5 kg × ₹450.00 = ₹4,275.00, commission ₹213.75, you get ₹4,061.25 instead of ₹5,130.00 (now #${replacement.entryNo})`,
      'Your balance now: ₹4,061.25',
    ]);
    // Fixing the original again is refused, naming the replacement to fix instead.
    const again = await body(await fix(staff, created.id, { quantity: '9' }));
    expect([again.error.code, again.error.message]).toEqual([
      'ALREADY_FIXED',
      // In the staff member's language (Tamil).
      `பதிவு #${created.entryNo} ஏற்கனவே #${replacement.entryNo} ஆகத் திருத்தப்பட்டது; #${replacement.entryNo} ஐத் திருத்துங்கள் அல்லது ரத்து செய்யுங்கள்.`,
    ]);
  });

  it('an implausible fix: 422 and the original stays active; confirm: true fixes it', async () => {
    const f = await newFarmer();
    const created = await body(await entry(admin, { farmerId: f.id, flowerTypeId: jasmine, quantity: '60' }));
    const refused = await fix(admin, created.id, { quantity: '600' });
    const why = await body(refused);
    expect([refused.status, why.error.code], JSON.stringify(why)).toEqual([422, 'CONFIRMATION_REQUIRED']);
    expect((await sql<{ s: string }>(h.t.db, 'select status as s from daily_entries where id = ?', [created.id]))[0]!.s).toBe('active');
    expect(await count(f.id)).toBe(1);
    const ok = await fix(admin, created.id, { quantity: '600', confirm: true });
    expect(ok.status).toBe(201);
    // 600 × 450 = 2,70,000.00; 5% = 13,500.00; net 2,56,500.00
    expect(await balance(f.id)).toBe('256500.00');
  });

  it('a rate fix; neither or both figures: 422; another’s entry for staff: 403; an admin may', async () => {
    const f = await newFarmer();
    const created = await body(await entry(admin, { farmerId: f.id, flowerTypeId: jasmine, quantity: '2' }));
    expect((await body(await fix(admin, created.id, {}))).error.code).toBe('FIX_NEEDS_ONE');
    expect((await body(await fix(admin, created.id, { quantity: '1', rate: '400' }))).error.code).toBe('FIX_NEEDS_ONE');
    const notYours = await fix(staff, created.id, { rate: '400' });
    expect([notYours.status, (await body(notYours)).error.code]).toEqual([403, 'NOT_YOUR_ENTRY']);
    const ok = await fix(admin, created.id, { rate: '400' });
    expect(ok.status).toBe(201);
    // 2 × 400 = 800.00; 5% = 40.00; net 760.00
    expect((await body(ok)).replacement).toMatchObject({ quantity: '2.000', ratePerUnit: '400.00', netAmount: '760.00' });
    expect(await balance(f.id)).toBe('760.00');
  });
});
