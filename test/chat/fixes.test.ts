// The fat-finger guard and the one-step fix, through the chat pipeline on a real database.
// Message time 2030-03-02 06:10 IST (Morning Peak); test rates at peak: rose 180.35, jasmine 412.50, lotus 60.00 (helpers.ts).
// No fees in this file: commission 5% unless said.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatActor } from '../../src/chat/identify.js';
import { confirmHeld, holdForConfirmation } from '../../src/domain/confirmations/confirmations.service.js';
import { ledgerChecks } from '../../src/ops/validation/checks.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { createFarmer, createStaff, lastOutboxId, outboxSince, send, setTestRates } from './helpers.js';

let t: TestDatabase;
const STAFF = '+919811000001';
const STAFF_TA = '+919811000002';
const ADMIN = '+919811000003';
let staffId: string;
const AT = new Date('2030-03-02T00:40:00Z');
const minutesLater = (m: number) => new Date(AT.getTime() + m * 60_000);

beforeAll(async () => {
  t = await createTestDatabase();
  await setTestRates(t);
  staffId = (await createStaff(t, STAFF)).id;
  await createStaff(t, STAFF_TA, 'staff', 'ta');
  await createStaff(t, ADMIN, 'admin');
});
afterAll(async () => {
  await t?.close();
});

const entriesOf = (farmerId: string) =>
  sql<{ entry_no: string; quantity: string; rate: string; net: string; status: string; corrects: string | null; id: string }>(
    t.db,
    `select entry_no::text, quantity::text, rate_per_unit::text as rate, net_amount::text as net, status, corrects_entry_id::text as corrects, id::text
       from daily_entries where farmer_id = ? order by daily_entries.entry_no`,
    [farmerId],
  );
const balanceOf = async (farmerId: string) =>
  (await sql<{ b: string }>(t.db, `select current_balance::text as b from farmers where id = ?`, [farmerId]))[0]!.b;
const replyTo = async (phone: string, since: string) => (await outboxSince(t, since)).filter((n) => n.recipient_phone === phone).map((n) => n.text);
/** The status of the line a message held. */
const heldStatus = async (messageId: string) =>
  (await sql<{ status: string }>(t.db, `select status from pending_confirmations where source_message_id = ?`, [messageId])).map((r) => r.status);

describe('the fat-finger guard', () => {
  it('holds `rose 900` (above 500 kg) and `ok` saves exactly that one 900 kg line', async () => {
    const f = await createFarmer(t, { language: 'en' });
    const before = await lastOutboxId(t);
    const { message } = await send(t, STAFF, `${f.code} rose 900`);
    expect(await heldStatus(message.providerMessageId)).toEqual(['held']);
    expect(await entriesOf(f.id)).toEqual([]);
    expect(await balanceOf(f.id)).toBe('0.00');
    const [held] = await replyTo(STAFF, before);
    expect(held).toBe(
      `⚠ Not saved yet: ${f.code} Rose 900 kg — more than 500 kg, the largest usual lot. Reply ok within 10 minutes to save it; anything else drops it.`,
    );
    // No receipt for a line that is not saved.
    expect((await outboxSince(t, before)).filter((n) => n.recipient_phone === f.phone)).toEqual([]);

    const mid = await lastOutboxId(t);
    await send(t, STAFF, 'ok', { receivedAt: minutesLater(3) });
    // 900 × 180.35 = 162,315.00; 5% = 8,115.75; net 154,199.25
    const rows = await entriesOf(f.id);
    expect(rows.map((r) => [r.quantity, r.rate, r.net, r.status])).toEqual([['900.000', '180.35', '154199.25', 'active']]);
    expect(await balanceOf(f.id)).toBe('154199.25');
    expect(await replyTo(STAFF, mid)).toEqual([
      `✓ #${rows[0]!.entry_no} ${f.code} Rose 900 kg × ₹180.35 = ₹1,62,315.00 (comm. ₹8,115.75, net ₹1,54,199.25)`,
    ]);
    expect((await replyTo(f.phone, mid))[0]).toContain(`#${rows[0]!.entry_no} Rose 900 kg × ₹180.35 = ₹1,62,315.00`);
    expect(await heldStatus(message.providerMessageId)).toEqual(['confirmed']);
    // Keeps the time it was sent at: 06:10 is Morning Peak, the entry's time, not the `ok`'s.
    const [e] = await sql<{ t: string }>(t.db, `select entry_time::text as t from daily_entries where id = ?`, [rows[0]!.id]);
    expect(new Date(e!.t).toISOString()).toBe(AT.toISOString());

    // A second `ok` finds nothing waiting.
    const late = await lastOutboxId(t);
    await send(t, STAFF, 'ok', { receivedAt: minutesLater(4) });
    expect(await replyTo(STAFF, late)).toEqual(['Nothing is waiting for your ok.']);
    expect(await entriesOf(f.id)).toHaveLength(1);
  });

  it('drops the held line on `no`, and on any other message (which is then handled as usual)', async () => {
    const f = await createFarmer(t, { language: 'en' });
    await send(t, STAFF_TA, `${f.code} rose 900`);
    let mark = await lastOutboxId(t);
    await send(t, STAFF_TA, 'இல்லை', { receivedAt: minutesLater(1) });
    expect(await replyTo(STAFF_TA, mark)).toEqual([`✗ சேமிக்கவில்லை (சரி வரவில்லை): ${f.code} ரோஜா 900 கிலோ.`]);
    await send(t, STAFF_TA, 'சரி', { receivedAt: minutesLater(2) });
    expect(await entriesOf(f.id)).toEqual([]);

    await send(t, STAFF_TA, `${f.code} rose 900`, { receivedAt: minutesLater(3) });
    mark = await lastOutboxId(t);
    await send(t, STAFF_TA, `${f.code} rose 9`, { receivedAt: minutesLater(4) });
    const [reply] = await replyTo(STAFF_TA, mark);
    // 9 × 180.35 = 1,623.15; 5% = 81.1575 → 81.16; net 1,541.99
    expect(reply!.split('\n')[0]).toBe(`✗ சேமிக்கவில்லை (சரி வரவில்லை): ${f.code} ரோஜா 900 கிலோ.`);
    expect(reply!.split('\n')[1]).toMatch(/^✓ #\d+ .* 9 கிலோ × ₹180\.35 = ₹1,623\.15/);
    await send(t, STAFF_TA, 'சரி', { receivedAt: minutesLater(5) });
    expect((await entriesOf(f.id)).map((r) => r.quantity)).toEqual(['9.000']);
    expect(await balanceOf(f.id)).toBe('1541.99');
  });

  it('silence: after 10 minutes `ok` saves nothing and says the line expired', async () => {
    const f = await createFarmer(t, { language: 'en' });
    const { message } = await send(t, STAFF, `${f.code} rose 900`);
    const mark = await lastOutboxId(t);
    await send(t, STAFF, 'ok', { receivedAt: minutesLater(10) });
    expect(await entriesOf(f.id)).toEqual([]);
    expect(await replyTo(STAFF, mark)).toEqual([`✗ Not saved: ${f.code} Rose 900 kg — no ok within 10 minutes. Send it again if it is right.`]);
    expect(await heldStatus(message.providerMessageId)).toEqual(['expired']);
  });

  it('the held line is its stored row: what the row says is what `ok` saves, and its expiry is the row’s', async () => {
    const f = await createFarmer(t, { language: 'en' });
    await send(t, STAFF, `${f.code} rose 900`);
    const [row] = await sql<{ id: string }>(t.db, `select id::text from pending_confirmations where status = 'held' and sender_phone = ?`, [STAFF]);
    // As if another replica (or the process before a restart) had held 800 kg: the row is all there is.
    await sql(t.db, `update pending_confirmations set payload = jsonb_set(payload, '{command,quantity}', '"800"') where id = ?`, [row!.id]);
    await send(t, STAFF, 'ok', { receivedAt: minutesLater(9) });
    expect((await entriesOf(f.id)).map((r) => r.quantity)).toEqual(['800.000']);

    await send(t, STAFF, `${f.code} rose 700`, { receivedAt: minutesLater(9) });
    await sql(t.db, `update pending_confirmations set expires_at = ? where status = 'held' and sender_phone = ?`, [minutesLater(9.5), STAFF]);
    await send(t, STAFF, 'ok', { receivedAt: minutesLater(9.75) });
    expect((await entriesOf(f.id)).map((r) => r.quantity)).toEqual(['800.000']);
  });

  it('two `ok`s delivered at once save the line once', async () => {
    const f = await createFarmer(t, { language: 'en' });
    await send(t, STAFF, `${f.code} rose 900`);
    const mark = await lastOutboxId(t);
    await Promise.all([send(t, STAFF, 'ok', { receivedAt: minutesLater(1) }), send(t, STAFF, 'ok', { receivedAt: minutesLater(1) })]);
    expect((await entriesOf(f.id)).map((r) => r.quantity)).toEqual(['900.000']);
    expect((await replyTo(STAFF, mark)).sort()).toEqual([expect.stringMatching(/^✓ #\d+ .* Rose 900 kg/), 'Nothing is waiting for your ok.'].sort());
  });

  it('two claims of one held row in two transactions at once: exactly one gets it', async () => {
    const actor = chatActor({ id: staffId, role: 'staff' }, STAFF);
    const guard = { guard: 'lot' as const, quantity: '900', unit: 'kg' as const, limit: '500' };
    const held = await t.db.orm.em
      .fork()
      .transactional((em) =>
        holdForConfirmation(em, actor, { kind: 'entry', payload: {}, guard, at: AT, sourceMessageId: 'claim-race', sourceLine: 0 }),
      );
    const claim = () => t.db.orm.em.fork().transactional((em) => confirmHeld(em, actor, { id: held.id, at: minutesLater(1) }));
    const [a, b] = await Promise.all([claim(), claim()]);
    expect([a.length, b.length].sort()).toEqual([0, 1]);
  });

  it('a bulk message: each line its verdict, the held one shown as held; `ok` then saves it', async () => {
    const a = await createFarmer(t, { language: 'en' });
    const b = await createFarmer(t, { language: 'en' });
    const mark = await lastOutboxId(t);
    await send(t, STAFF, [`${a.code} rose 10`, `${b.code} lotus 10001 @150`, `${a.code} jasmine 2`].join('\n'));
    const [reply] = await replyTo(STAFF, mark);
    const lines = reply!.split('\n');
    expect(lines).toHaveLength(3);
    // 10 × 180.35 = 1,803.50; 2 × 412.50 = 825.00
    expect(lines[0]).toMatch(/^1\. ✓ #\d+ .* Rose 10 kg × ₹180\.35 = ₹1,803\.50/);
    expect(lines[1]).toBe(
      `2. ⚠ Not saved yet: ${b.code} Lotus 10001 pcs @₹150.00 — more than 10000 pcs, the largest usual lot. Reply ok within 10 minutes to save it; anything else drops it.`,
    );
    expect(lines[2]).toMatch(/^3\. ✓ #\d+ .* Jasmine 2 kg × ₹412\.50 = ₹825\.00/);
    expect(await entriesOf(b.id)).toEqual([]);
    await send(t, STAFF, 'ok', { receivedAt: minutesLater(2) });
    // 10,001 × 150.00 = 15,00,150.00; 5% = 75,007.50; net 14,25,142.50
    expect((await entriesOf(b.id)).map((r) => [r.quantity, r.net])).toEqual([['10001.000', '1425142.50']]);
    expect(await entriesOf(a.id)).toHaveLength(2);
  });

  it('a flower’s own max_lot_quantity wins over the setting', async () => {
    const f = await createFarmer(t, { language: 'en' });
    await sql(t.db, `update flower_types set max_lot_quantity = 50 where code = 'FLW002'`);
    try {
      await send(t, STAFF, `${f.code} jasmine 50`);
      const { message } = await send(t, STAFF, `${f.code} jasmine 50.5`);
      expect((await entriesOf(f.id)).map((r) => r.quantity)).toEqual(['50.000']);
      expect(await heldStatus(message.providerMessageId)).toEqual(['held']);
    } finally {
      await sql(t.db, `update flower_types set max_lot_quantity = null where code = 'FLW002'`);
      await send(t, STAFF, 'no');
    }
  });

  it('a given rate more than 3× or under a third of the rate in force is held; within it is saved', async () => {
    const f = await createFarmer(t, { language: 'en' });
    const mark = await lastOutboxId(t);
    // 3 × 180.35 = 541.05; 180.35 / 3 = 60.116…
    await send(t, STAFF, `${f.code} rose 5 @541.05`);
    await send(t, STAFF, `${f.code} rose 5 @60.12`);
    await send(t, STAFF, `${f.code} rose 5 @541.06`);
    expect((await replyTo(STAFF, mark)).at(-1)).toBe(
      `⚠ Not saved yet: ${f.code} Rose 5 kg @₹541.06 — the rate ₹541.06 is far from the rate in force, ₹180.35. Reply ok within 10 minutes to save it; anything else drops it.`,
    );
    await send(t, STAFF, `${f.code} rose 5 @60.11`);
    expect((await entriesOf(f.id)).map((r) => r.rate)).toEqual(['541.05', '60.12']);
    await send(t, STAFF, 'confirm', { receivedAt: minutesLater(1) });
    expect((await entriesOf(f.id)).map((r) => r.rate)).toEqual(['541.05', '60.12', '60.11']);
  });

  it('an advance above advance_confirm_limit (₹10,000) is held; `ok` records it (an admin’s is approved at once)', async () => {
    const f = await createFarmer(t, { language: 'en' });
    const mark = await lastOutboxId(t);
    await send(t, ADMIN, `adv ${f.code} 12000 house repair`);
    expect(await replyTo(ADMIN, mark)).toEqual([
      `⚠ Not saved yet: advance ₹12,000.00 to ${f.code} — more than ₹10,000.00. Reply ok within 10 minutes to save it; anything else drops it.`,
    ]);
    expect(await balanceOf(f.id)).toBe('0.00');
    await send(t, ADMIN, 'ok', { receivedAt: minutesLater(1) });
    const advances = await sql<{ amount: string; status: string; reason: string }>(
      t.db,
      `select amount::text, status, reason from cash_advances where farmer_id = ?`,
      [f.id],
    );
    expect(advances).toEqual([{ amount: '12000.00', status: 'approved', reason: 'house repair' }]);
    expect(await balanceOf(f.id)).toBe('-12000.00');
  });
});

describe('fix <ref> <quantity> / fix <ref> @<rate>', () => {
  const lastEntry = async (farmerId: string) => (await entriesOf(farmerId)).at(-1)!;

  it('staff fix their own entry within the edit window: void + replacement in one go, receipts old → new (Tamil and English)', async () => {
    const ta = await createFarmer(t, { language: 'ta' });
    const en = await createFarmer(t, { language: 'en' });
    await send(t, STAFF, `${ta.code} rose 12`);
    await send(t, STAFF, `${en.code} rose 12`);
    const oldTa = await lastEntry(ta.id);
    const oldEn = await lastEntry(en.id);
    const mark = await lastOutboxId(t);
    await send(t, STAFF, `fix ${oldTa.entry_no} 9.5 weighed wet`, { receivedAt: minutesLater(10) });
    await send(t, STAFF, `திருத்து ${oldEn.entry_no} 9.5`, { receivedAt: minutesLater(11) });

    // 12 × 180.35 = 2,164.20; 5% = 108.21; net 2,055.99.  9.5 × 180.35 = 1,713.325 → 1,713.33; 5% = 85.6665 → 85.67; net 1,627.66
    for (const [f, old] of [
      [ta, oldTa],
      [en, oldEn],
    ] as const) {
      const rows = await entriesOf(f.id);
      expect(rows.map((r) => [r.quantity, r.net, r.status])).toEqual([
        ['12.000', '2055.99', 'voided'],
        ['9.500', '1627.66', 'active'],
      ]);
      expect(rows[1]!.corrects).toBe(old.id);
      expect(await balanceOf(f.id)).toBe('1627.66');
    }
    const newTa = (await lastEntry(ta.id)).entry_no;
    const newEn = (await lastEntry(en.id)).entry_no;
    expect((await replyTo(ta.phone, mark))[0]!.split('\n')[1]).toBe(
      `திருத்தம் #${oldTa.entry_no}: ரோஜா 12 கிலோ × ₹180.35 → 9.5 கிலோ × ₹180.35 = ₹1,713.33, கமிஷன் ₹85.67, உங்களுக்கு ₹2,055.99-க்குப் பதில் ₹1,627.66 (புதிய எண் #${newTa})`,
    );
    expect((await replyTo(en.phone, mark))[0]!.split('\n')[1]).toBe(
      `Corrected #${oldEn.entry_no}: Rose 12 kg × ₹180.35 → 9.5 kg × ₹180.35 = ₹1,713.33, commission ₹85.67, you get ₹1,627.66 instead of ₹2,055.99 (now #${newEn})`,
    );
    expect((await replyTo(STAFF, mark))[0]).toBe(
      `✓ Entry #${oldTa.entry_no} fixed: ${ta.code} Rose 12 kg × ₹180.35 → 9.5 kg × ₹180.35 = ₹1,713.33 (now #${newTa}, net ₹1,627.66). ${ta.code} balance: ₹1,627.66`,
    );
    const [voided] = await sql<{ reason: string }>(t.db, `select void_reason as reason from daily_entries where id = ?`, [oldTa.id]);
    expect(voided!.reason).toBe('weighed wet');
  });

  it('a rate fix keeps the quantity; the replacement is priced at the given rate', async () => {
    const f = await createFarmer(t, { language: 'en' });
    await send(t, STAFF, `${f.code} rose 10`);
    const old = await lastEntry(f.id);
    await send(t, STAFF, `fix #${old.entry_no} @200`, { receivedAt: minutesLater(1) });
    // Was: 10 × 180.35 = 1,803.50; 5% = 90.175 → 90.18; net 1,713.32.  Now: 10 × 200 = 2,000.00; 5% = 100.00; net 1,900.00
    expect((await entriesOf(f.id)).map((r) => [r.quantity, r.rate, r.net, r.status])).toEqual([
      ['10.000', '180.35', '1713.32', 'voided'],
      ['10.000', '200.00', '1900.00', 'active'],
    ]);
    expect(await balanceOf(f.id)).toBe('1900.00');

    // Fixing the original again names its replacement, the entry to fix now; nothing changes.
    const [, replacement] = await entriesOf(f.id);
    const mark = await lastOutboxId(t);
    await send(t, STAFF, `fix #${old.entry_no} @210`, { receivedAt: minutesLater(2) });
    expect(await replyTo(STAFF, mark)).toEqual([
      `✗ Entry #${old.entry_no} was already fixed: it is now #${replacement!.entry_no}. To change it again, fix #${replacement!.entry_no}.`,
    ]);
    expect(await balanceOf(f.id)).toBe('1900.00');
  });

  it('staff outside the edit window are refused and nothing changes; an admin may fix it', async () => {
    const f = await createFarmer(t, { language: 'en' });
    await send(t, STAFF, `${f.code} rose 12`);
    const old = await lastEntry(f.id);
    const mark = await lastOutboxId(t);
    await send(t, STAFF, `fix ${old.entry_no} 9.5`, { receivedAt: minutesLater(16) });
    expect(await replyTo(STAFF, mark)).toEqual([`✗ Entry #${old.entry_no} is older than 15 minutes. Only an admin can cancel it now.`]);
    expect((await entriesOf(f.id)).map((r) => r.status)).toEqual(['active']);
    expect(await balanceOf(f.id)).toBe('2055.99');

    await send(t, ADMIN, `fix ${old.entry_no} 9.5`, { receivedAt: minutesLater(600) });
    expect((await entriesOf(f.id)).map((r) => [r.quantity, r.status])).toEqual([
      ['12.000', 'voided'],
      ['9.500', 'active'],
    ]);
    expect(await balanceOf(f.id)).toBe('1627.66');
  });

  it('another staff member’s entry is refused', async () => {
    const f = await createFarmer(t, { language: 'en' });
    await send(t, STAFF_TA, `${f.code} rose 12`);
    const old = await lastEntry(f.id);
    await send(t, STAFF, `fix ${old.entry_no} 9.5`, { receivedAt: minutesLater(1) });
    expect((await entriesOf(f.id)).map((r) => r.status)).toEqual(['active']);
  });

  it('a settled entry is refused with a pointer to adjustments', async () => {
    const f = await createFarmer(t, { language: 'en' });
    await send(t, STAFF, `${f.code} rose 12`);
    const old = await lastEntry(f.id);
    const [s] = await sql<{ id: string }>(
      t.db,
      `insert into settlements (settlement_number, farmer_id, period_start, period_end, gross_amount, total_commission, total_fees, total_advances, net_payable, status)
       values (?, ?, '2030-02-24', '2030-03-02', 2164.20, 108.21, 0, 0, 2055.99, 'finalized') returning id::text`,
      [`S-FIX-${f.code}`, f.id],
    );
    await sql(t.db, `update daily_entries set settlement_id = ? where id = ?`, [s!.id, old.id]);
    const mark = await lastOutboxId(t);
    await send(t, ADMIN, `fix ${old.entry_no} 9.5`, { receivedAt: minutesLater(1) });
    expect(await replyTo(ADMIN, mark)).toEqual([
      `✗ Entry #${old.entry_no} is already in a settlement, so it cannot be fixed. An admin corrects it with an adjustment.`,
    ]);
    expect(await entriesOf(f.id)).toHaveLength(1);
  });

  it('an implausible fix is held like an entry; `ok` does the void and the replacement', async () => {
    const f = await createFarmer(t, { language: 'en' });
    await send(t, STAFF, `${f.code} rose 90`);
    const old = await lastEntry(f.id);
    const mark = await lastOutboxId(t);
    await send(t, STAFF, `fix ${old.entry_no} 900`, { receivedAt: minutesLater(1) });
    expect(await replyTo(STAFF, mark)).toEqual([
      `⚠ Not saved yet: fix of #${old.entry_no} to 900 kg — more than 500 kg, the largest usual lot. Reply ok within 10 minutes to save it; anything else drops it.`,
    ]);
    expect((await entriesOf(f.id)).map((r) => r.status)).toEqual(['active']);
    await send(t, STAFF, 'ok', { receivedAt: minutesLater(2) });
    expect((await entriesOf(f.id)).map((r) => [r.quantity, r.status])).toEqual([
      ['90.000', 'voided'],
      ['900.000', 'active'],
    ]);
  });

  it('db:validate: a replacement must point at a voided entry', async () => {
    const check = ledgerChecks([]).find((c) => c.id === 'fix_corrects_voided_entry')!;
    expect(await sql(t.db, check.sql)).toEqual([]);
    const f = await createFarmer(t, { language: 'en' });
    await send(t, ADMIN, `${f.code} rose 4`);
    await send(t, ADMIN, `${f.code} rose 5`);
    const [first, second] = await entriesOf(f.id);
    // A hand edit that breaks the rule: the second entry claims to correct the first, which is still active.
    await sql(t.db, `update daily_entries set corrects_entry_id = ? where id = ?`, [first!.id, second!.id]);
    expect(await sql<{ id: string }>(t.db, check.sql)).toEqual([{ id: second!.entry_no }]);
    await sql(t.db, `update daily_entries set corrects_entry_id = null where id = ?`, [second!.id]);
  });
});
