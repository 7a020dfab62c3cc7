// Recording and voiding entries over the web: the chat ledger's entry service behind /api/entries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate, localTime } from '../../src/domain/market-time.js';
import { ADMIN, STAFF, body, createApiHarness, type ApiHarness } from '../support/api.js';
import { insertLedgerRows } from '../support/ledger-rows.js';
import { sql } from '../support/sql.js';
import { addFarmer } from '../settlements/fixture.js';

let h: ApiHarness;
let admin: string;
let staff: string;
const TZ = 'Asia/Kolkata';
const FROM = { 'x-forwarded-for': '192.0.2.44', 'user-agent': 'entries-test/1' };
const ids: Record<string, string> = {};
const SLOTS = ['Early Morning', 'Morning Peak', 'Late Morning', 'Afternoon', 'Evening'];

beforeAll(async () => {
  h = await createApiHarness({ trustProxy: true, marketTimeZone: TZ });
  admin = await h.login(ADMIN);
  staff = await h.login(STAFF);
  for (const [key, q] of [
    ['jasmine', "select id from flower_types where code = 'FLW002'"],
    ['rose', "select id from flower_types where code = 'FLW001'"],
    ['peak', "select id from time_slots where name = 'Morning Peak'"],
    ['evening', "select id from time_slots where name = 'Evening'"],
  ] as const) {
    ids[key] = (await sql<{ id: string }>(h.t.db, q))[0]!.id;
  }
  // Today's jasmine rate is 450.00 in every slot, whatever the time the test runs.
  const today = localDate(new Date(), TZ);
  const res = await h.call('PUT', `/api/rates/${today}`, {
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
const receipts = (farmerId: string) =>
  sql<{ text: string; language: string; recipient_phone: string }>(
    h.t.db,
    "select payload->>'text' as text, language, recipient_phone from notifications where farmer_id = ? and type = 'receipt' order by created_at, id",
    [farmerId],
  );
const post = (token: string, b: Record<string, unknown>) => h.call('POST', '/api/entries', { token, body: b, headers: FROM });

describe('POST /api/entries', () => {
  it('401 without a token', async () => {
    const f = await newFarmer();
    const res = await h.call('POST', '/api/entries', { body: { farmerId: f.id, flowerTypeId: ids.jasmine, quantity: '1' } });
    expect(res.status).toBe(401);
    expect((await h.call('POST', '/api/entries/00000000-0000-4000-8000-000000000000/void', { body: { reason: 'x' } })).status).toBe(401);
  });

  it('staff: at the rate in force in a named slot; source web; audit row; the farmer\u2019s receipt in their language', async () => {
    const f = await newFarmer('ta');
    const res = await post(staff, { farmerId: f.id, flowerTypeId: ids.jasmine, quantity: '12.5', timeSlotId: ids.peak });
    expect(res.status).toBe(201);
    const e = await body(res);
    // 12.5 kg × 450.00 = 5625.00; 5% = 281.25; net 5343.75.
    expect(e).toMatchObject({
      quantity: '12.500',
      unit: 'kg',
      ratePerUnit: '450.00',
      totalAmount: '5625.00',
      commissionRate: '5.00',
      commissionAmount: '281.25',
      feeAmount: '0.00',
      netAmount: '5343.75',
      status: 'active',
      source: 'web',
      recordedBy: STAFF.email,
      slot: { name: 'Morning Peak' },
      flower: { code: 'FLW002' },
      farmer: { code: f.code },
      entryDate: localDate(new Date(), TZ),
    });
    expect(await balance(f.id)).toBe('5343.75');
    const [log] = await sql<{ d: any; ip: string; ua: string; actor: string }>(
      h.t.db,
      `select l.details as d, l.ip_address as ip, l.user_agent as ua, u.email as actor from security_logs l join users u on u.id = l.actor_user_id
        where l.action = 'entry.create' and l.entity_id = ?`,
      [e.id],
    );
    expect(log).toMatchObject({ ip: '192.0.2.44', ua: 'entries-test/1', actor: STAFF.email });
    expect(log!.d).toMatchObject({ farmer: f.code, quantity: '12.5', rate: '450.00', rateGiven: false, netAmount: '5343.75' });
    const r = await receipts(f.id);
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ language: 'ta', recipient_phone: f.phone });
    expect(r[0]!.text.split('\n').slice(1)).toEqual([
      `#${e.entryNo} மல்லிகை 12.5 கிலோ × ₹450.00 = ₹5,625.00, கமிஷன் ₹281.25, உங்களுக்கு ₹5,343.75`,
      'உங்கள் இப்போதைய இருப்பு: ₹5,343.75',
    ]);
  });

  it('admin: a given rate, rounded half-up to the paisa; the slot of now when none is named', async () => {
    const f = await newFarmer();
    const before = localTime(new Date(), TZ);
    const res = await post(admin, { farmerId: f.id, flowerTypeId: ids.rose, quantity: 3.25, rate: '120.40' });
    const after = localTime(new Date(), TZ);
    expect(res.status).toBe(201);
    const e = await body(res);
    // 3.25 × 120.40 = 391.30; 5% = 19.565 → 19.57; net 371.73.
    expect(e).toMatchObject({
      ratePerUnit: '120.40',
      totalAmount: '391.30',
      commissionAmount: '19.57',
      netAmount: '371.73',
      recordedBy: ADMIN.email,
    });
    // Seeded slots: 04–06, 06–08, 08–10, 10–14, 14–18; before the first is the first, after the last the last.
    const slotAt = (t: string) =>
      t < '06:00' ? 'Early Morning' : t < '08:00' ? 'Morning Peak' : t < '10:00' ? 'Late Morning' : t < '14:00' ? 'Afternoon' : 'Evening';
    expect([slotAt(before), slotAt(after)]).toContain(e.slot.name);
    expect((await receipts(f.id))[0]!.text).toContain(`#${e.entryNo} Rose 3.25 kg × ₹120.40 = ₹391.30, commission ₹19.57, you get ₹371.73`);
  });

  it('no receipt when farmer_receipts is off', async () => {
    const f = await newFarmer();
    await sql(h.t.db, "update system_settings set value = 'false' where key = 'farmer_receipts'");
    try {
      expect((await post(admin, { farmerId: f.id, flowerTypeId: ids.jasmine, quantity: '1', timeSlotId: ids.peak })).status).toBe(201);
      expect(await receipts(f.id)).toEqual([]);
    } finally {
      await sql(h.t.db, "update system_settings set value = 'true' where key = 'farmer_receipts'");
    }
  });

  it('bad input: 422 with fields, 404 unknown farmer, 409 inactive farmer', async () => {
    const f = await newFarmer();
    for (const bad of [
      { farmerId: f.id, flowerTypeId: ids.jasmine },
      { farmerId: f.id, flowerTypeId: ids.jasmine, quantity: 'abc' },
      { farmerId: f.id, flowerTypeId: ids.jasmine, quantity: '1.2345' },
      { farmerId: f.id, flowerTypeId: ids.jasmine, quantity: '1', rate: '-5' },
      { farmerId: 'FAR001', flowerTypeId: ids.jasmine, quantity: '1' },
      { farmerId: f.id, flowerTypeId: ids.jasmine, quantity: '1', source: 'whatsapp' },
    ]) {
      const res = await post(staff, bad);
      expect(res.status, JSON.stringify(bad)).toBe(422);
      expect((await body(res)).error.code).toBe('VALIDATION_FAILED');
    }
    const zero = await post(staff, { farmerId: f.id, flowerTypeId: ids.jasmine, quantity: '0' });
    expect((await body(zero)).error.code).toBe('QUANTITY_NOT_POSITIVE');
    const unknown = await post(staff, { farmerId: '00000000-0000-4000-8000-000000000000', flowerTypeId: ids.jasmine, quantity: '1' });
    expect(unknown.status).toBe(404);
    expect((await body(unknown)).error.code).toBe('FARMER_NOT_FOUND');
    await sql(h.t.db, 'update farmers set is_active = false where id = ?', [f.id]);
    const inactive = await post(staff, { farmerId: f.id, flowerTypeId: ids.jasmine, quantity: '1', timeSlotId: ids.peak });
    expect(inactive.status).toBe(409);
    expect((await body(inactive)).error.code).toBe('FARMER_INACTIVE');
    expect(await balance(f.id)).toBe('0.00');
  });
});

describe('POST /api/entries/{id}/void', () => {
  const add = async (token: string, farmerId: string) =>
    body(await post(token, { farmerId, flowerTypeId: ids.jasmine, quantity: '2', timeSlotId: ids.evening }));

  it('staff void their own within the window: the balance goes back, audit row, receipt', async () => {
    const f = await newFarmer();
    const e = await add(staff, f.id);
    // 2 kg × 450.00 = 900.00; 5% = 45.00; net 855.00.
    expect(await balance(f.id)).toBe('855.00');
    const res = await h.call('POST', `/api/entries/${e.id}/void`, { token: staff, body: { reason: 'wrong farmer' }, headers: FROM });
    expect(res.status).toBe(200);
    expect(await body(res)).toMatchObject({ status: 'voided', voidReason: 'wrong farmer', netAmount: '855.00' });
    expect(await balance(f.id)).toBe('0.00');
    const [log] = await sql<{ d: any; ip: string; ua: string }>(
      h.t.db,
      "select details as d, ip_address as ip, user_agent as ua from security_logs where action = 'entry.void' and entity_id = ?",
      [e.id],
    );
    expect(log).toMatchObject({ ip: '192.0.2.44', ua: 'entries-test/1' });
    expect(log!.d).toMatchObject({ reason: 'wrong farmer', netAmount: '855.00' });
    const r = await receipts(f.id);
    expect(r[1]!.text).toContain(`#${e.entryNo} Jasmine 2 kg was cancelled (₹855.00 taken off)`);
    const again = await h.call('POST', `/api/entries/${e.id}/void`, { token: admin, body: { reason: 'again' } });
    expect(again.status).toBe(409);
    expect((await body(again)).error.code).toBe('ALREADY_VOIDED');
  });

  it('staff may not void another\u2019s entry, nor their own after the edit window; admins may', async () => {
    const f = await newFarmer();
    const byAdmin = await add(admin, f.id);
    const notYours = await h.call('POST', `/api/entries/${byAdmin.id}/void`, { token: staff, body: { reason: 'x' } });
    expect(notYours.status).toBe(403);
    expect((await body(notYours)).error.code).toBe('NOT_YOUR_ENTRY');
    const old = await add(staff, f.id);
    // 16 minutes ago: the window is 15.
    await sql(h.t.db, "update daily_entries set entry_time = now() - interval '16 minutes' where id = ?", [old.id]);
    const late = await h.call('POST', `/api/entries/${old.id}/void`, { token: staff, body: { reason: 'x' } });
    expect(late.status).toBe(403);
    expect((await body(late)).error.code).toBe('EDIT_WINDOW_PASSED');
    // Two entries of 855.00 each, none voided yet.
    expect(await balance(f.id)).toBe('1710.00');
    expect((await h.call('POST', `/api/entries/${old.id}/void`, { token: admin, body: { reason: 'late fix' } })).status).toBe(200);
    expect((await h.call('POST', `/api/entries/${byAdmin.id}/void`, { token: admin, body: { reason: 'dup' } })).status).toBe(200);
    expect(await balance(f.id)).toBe('0.00');
  });

  it('a settled entry: 409 ENTRY_SETTLED, nothing changes', async () => {
    const rows = await insertLedgerRows(h.t.db);
    const res = await h.call('POST', `/api/entries/${rows.entryId}/void`, { token: admin, body: { reason: 'too late' } });
    expect(res.status).toBe(409);
    expect((await body(res)).error.code).toBe('ENTRY_SETTLED');
    const [e] = await sql<{ status: string }>(h.t.db, 'select status from daily_entries where id = ?', [rows.entryId]);
    expect(e!.status).toBe('active');
  });

  it('bad input: 422 without a reason or with a bad id; 404 for an unknown entry', async () => {
    const f = await newFarmer();
    const e = await add(admin, f.id);
    for (const b of [{}, { reason: '' }, { reason: 'x', extra: 1 }]) {
      expect((await h.call('POST', `/api/entries/${e.id}/void`, { token: admin, body: b })).status, JSON.stringify(b)).toBe(422);
    }
    expect((await h.call('POST', '/api/entries/123/void', { token: admin, body: { reason: 'x' } })).status).toBe(422);
    const missing = await h.call('POST', '/api/entries/00000000-0000-4000-8000-000000000000/void', { token: admin, body: { reason: 'x' } });
    expect(missing.status).toBe(404);
    expect((await body(missing)).error.code).toBe('ENTRY_NOT_FOUND');
  });
});
