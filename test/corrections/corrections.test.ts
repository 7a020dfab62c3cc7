// Corrections, worked by hand: advance reversal (refused once partly recovered), unpay and pay again, reopen and
// settle again under a new number, adjustments by HTTP and chat (staff refused), and a statement that shows them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, STAFF, body, createApiHarness, type ApiHarness } from '../support/api.js';
import { settlePeriod } from '../../src/domain/settlements/settlement.service.js';
import { parsePeriod } from '../../src/domain/settlements/period.js';
import { renderStatementDocument } from '../../src/domain/settlements/statement.service.js';
import { inlineRenderer } from '../../src/pdf/render-pool.js';
import { addAdvance, addEntry, addFarmer, run, TZ, W45 } from '../settlements/fixture.js';
import { createFarmer, createStaff, lastOutboxId, outboxSince, send } from '../chat/helpers.js';
import { validationErrors } from './validation.js';

let h: ApiHarness;
let admin: string;
let staff: string;
// A week far ahead, so adjustments made now (created_at = now()) fall before its end; "now" is after it.
const W10 = parsePeriod('weekly', '2030-W10'); // 2030-03-04 .. 2030-03-10
const AFTER = new Date('2030-03-20T06:00:00Z');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'corrections-'));

beforeAll(async () => {
  h = await createApiHarness({ marketTimeZone: TZ });
  admin = await h.login(ADMIN);
  staff = await h.login(STAFF);
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await h?.close();
});

const farmerOf = async (code: string) =>
  (
    await run<{ id: string; b: string; a: string; s: string; phone: string }>(
      h.t.db,
      `select id, current_balance::text as b, total_advances::text as a, total_settlements::text as s, whatsapp_number as phone
         from farmers where farmer_code = $1`,
      [code],
    )
  )[0]!;
const settlementsOf = (code: string) =>
  run<{ id: string; number: string; status: string; gross: string; commission: string; adj: string; adv: string; net: string; paid_at: Date | null }>(
    h.t.db,
    `select s.id, s.settlement_number as number, s.status, s.gross_amount::text as gross, s.total_commission::text as commission,
            s.total_adjustments::text as adj, s.total_advances::text as adv, s.net_payable::text as net, s.paid_at
       from settlements s join farmers f on f.id = s.farmer_id where f.farmer_code = $1 order by s.revision`,
    [code],
  );
const post = (url: string, token: string, b: object = {}) => h.call('POST', url, { token, body: b });

/** Entries 10 kg × ₹100.00 (net 950.00) and 2.5 kg × ₹80.00 (net 190.00) in W10 2030, an advance of ₹300. */
async function w10Farmer(language: 'en' | 'ta' = 'en') {
  const code = await addFarmer(h.t.db, { language });
  await addEntry(h.t.db, { farmerCode: code, date: '2030-03-05', quantity: '10.000', rate: '100.00' });
  await addEntry(h.t.db, { farmerCode: code, date: '2030-03-06', quantity: '2.500', rate: '80.00' });
  await addAdvance(h.t.db, { farmerCode: code, amount: '300.00', createdAt: '2030-03-05T04:00:00Z' });
  return code;
}
const settleW10 = (code: string) => settlePeriod(h.t.db.orm, { period: W10, timeZone: TZ, now: AFTER, farmerCodes: [code] });

describe('advance reversal', () => {
  it('reverses an unrecovered advance (balance back, farmer told); refuses one a settlement recovered part of, with the figures', async () => {
    const code = await addFarmer(h.t.db, { language: 'en' });
    const f = await farmerOf(code);
    // 10 kg × ₹100.00 = 1000.00, commission 5% 50.00, net 950.00; an advance of ₹2,000 in the same week.
    await addEntry(h.t.db, { farmerCode: code, date: '2026-11-03', quantity: '10.000', rate: '100.00' });
    const advanceId = await addAdvance(h.t.db, { farmerCode: code, amount: '2000.00', createdAt: '2026-11-04T04:30:00Z' });
    await settlePeriod(h.t.db.orm, { period: W45, timeZone: TZ, now: new Date('2026-11-25T06:00:00Z'), farmerCodes: [code] });
    // Recovered 950.00 of 2000.00; 1050.00 still owed.
    const refused = await post(`/api/advances/${advanceId}/reverse`, admin, { reason: 'wrong farmer' });
    expect(refused.status).toBe(409);
    const err = (await body(refused)).error;
    expect(err.code).toBe('ADVANCE_RECOVERED');
    expect(err.details).toMatchObject({ amount: '2000.00', recovered: '950.00', outstanding: '1050.00' });
    expect(err.message).toMatch(/^Advance A\d+ of 2000\.00: 950\.00 is already recovered by a settlement, so it cannot be reversed/);
    expect((await farmerOf(code)).b).toBe('-1050.00');

    // A second advance, not yet recovered, is reversed.
    const second = await body(await post('/api/advances', admin, { farmerId: f.id, amount: '500', reason: 'seeds' }));
    expect(second.ref).toMatch(/^A\d+$/);
    expect((await farmerOf(code)).b).toBe('-1550.00');
    expect((await post(`/api/advances/${second.id}/reverse`, staff, { reason: 'x' })).status).toBe(403);
    const reversed = await post(`/api/advances/${second.id}/reverse`, admin, { reason: 'given twice' });
    expect(reversed.status).toBe(200);
    expect(await body(reversed)).toMatchObject({ status: 'reversed', reversalReason: 'given twice' });
    const after = await farmerOf(code);
    expect([after.b, after.a]).toEqual(['-1050.00', '2000.00']);
    const [notice] = await run<{ text: string }>(
      h.t.db,
      `select payload->>'text' as text from notifications where farmer_id = $1 and payload->>'advanceId' = $2 order by id desc limit 1`,
      [f.id, second.id],
    );
    expect(notice!.text).toBe('Your advance of ₹500.00 was taken back (recorded by mistake): given twice. Your balance now: -₹1,050.00');
    expect((await post(`/api/advances/${second.id}/reverse`, admin, { reason: 'again' })).status).toBe(409);
    expect(await validationErrors(h.t.db)).toEqual({});
  });
});

describe('unpay and reopen', () => {
  it('unpays a payment (finalized, paid_at cleared, figures back), then pays again', async () => {
    const code = await w10Farmer();
    await settleW10(code);
    const [s] = await settlementsOf(code);
    // gross 1200.00, commission 60.00, advance 300.00 → net 840.00; balance 1140 − 300 = 840.00.
    expect([s!.gross, s!.commission, s!.adv, s!.net]).toEqual(['1200.00', '60.00', '300.00', '840.00']);
    expect((await post(`/api/settlements/${s!.id}/unpay`, admin, { reason: 'x' })).status).toBe(409);
    expect((await post(`/api/settlements/${s!.id}/paid`, admin, { reference: 'UPI-1' })).status).toBe(200);
    expect((await farmerOf(code)).b).toBe('0.00');
    const unpaid = await post(`/api/settlements/${s!.id}/unpay`, admin, { reason: 'paid to the wrong farmer' });
    expect(unpaid.status).toBe(200);
    expect(await body(unpaid)).toMatchObject({ balanceAfter: '840.00', netPayable: '840.00' });
    const [back] = await settlementsOf(code);
    expect([back!.status, back!.paid_at]).toEqual(['finalized', null]);
    const f = await farmerOf(code);
    expect([f.b, f.s]).toEqual(['840.00', '0.00']);
    expect((await post(`/api/settlements/${s!.id}/paid`, admin, { reference: 'UPI-2' })).status).toBe(200);
    const paid = await farmerOf(code);
    expect([paid.b, paid.s]).toEqual(['0.00', '840.00']);
    const [ref] = await run<{ r: string }>(h.t.db, `select payment_reference as r from settlements where id = $1`, [s!.id]);
    expect(ref!.r).toBe('UPI-2');
    expect(await validationErrors(h.t.db)).toEqual({});
  });

  it('reopens an unpaid settlement and settles the period again: a new number, the same totals; the old one kept', async () => {
    const code = await w10Farmer();
    const f = await farmerOf(code);
    // An adjustment of +150 and one of −200 (both made now, before W10 2030 ends).
    expect((await post(`/api/farmers/${f.id}/adjustments`, admin, { amount: '+150', reason: 'short paid W47' })).status).toBe(201);
    expect((await post(`/api/farmers/${f.id}/adjustments`, admin, { amount: '-200', reason: 'crate damage' })).status).toBe(201);
    // Balance: entries 950 + 190 = 1140, advance −300, adjustments −50 → 790.00.
    expect((await farmerOf(code)).b).toBe('790.00');
    await settleW10(code);
    const [first] = await settlementsOf(code);
    // gross 1200.00 − commission 60.00 + adjustments −50.00 − advance 300.00 = 790.00.
    expect(first).toMatchObject({ number: `S-2030W10-${code}`, gross: '1200.00', commission: '60.00', adj: '-50.00', adv: '300.00', net: '790.00' });
    expect((await post(`/api/settlements/${first!.id}/paid`, admin, { reference: 'CASH' })).status).toBe(200);
    // A paid settlement is not reopened: unpay first.
    const paidReopen = await post(`/api/settlements/${first!.id}/reopen`, admin, { reason: 'wrong weight' });
    expect([paidReopen.status, (await body(paidReopen)).error.code]).toEqual([409, 'SETTLEMENT_PAID']);
    await post(`/api/settlements/${first!.id}/unpay`, admin, { reason: 'not paid yet' });
    expect((await post(`/api/settlements/${first!.id}/reopen`, staff, { reason: 'x' })).status).toBe(403);
    const reopened = await post(`/api/settlements/${first!.id}/reopen`, admin, { reason: 'wrong weight' });
    expect(reopened.status).toBe(200);
    expect(await body(reopened)).toMatchObject({ entries: 2, advancesReleased: '300.00', adjustments: 2, balanceAfter: '790.00' });
    const [{ n: open }] = (await run<{ n: string }>(
      h.t.db,
      `select count(*)::text as n from daily_entries de join farmers f on f.id = de.farmer_id where f.farmer_code = $1 and de.settlement_id is null`,
      [code],
    )) as [{ n: string }];
    expect(open).toBe('2');
    const again = await settleW10(code);
    expect(again.settled.map((r) => r.settlementNumber)).toEqual([`S-2030W10-${code}-2`]);
    const rows = await settlementsOf(code);
    expect(rows.map((r) => [r.number, r.status])).toEqual([
      [`S-2030W10-${code}`, 'reopened'],
      [`S-2030W10-${code}-2`, 'finalized'],
    ]);
    expect(rows[1]).toMatchObject({ gross: '1200.00', commission: '60.00', adj: '-50.00', adv: '300.00', net: '790.00' });
    // Running it again creates nothing; a reopened settlement cannot be paid or reopened again.
    expect((await settleW10(code)).settled).toEqual([]);
    expect((await post(`/api/settlements/${first!.id}/reopen`, admin, { reason: 'again' })).status).toBe(409);
    // The triggers allow only these moves: a reopened settlement never changes, a live settled entry never leaves.
    await expect(run(h.t.db, `update settlements set status = 'finalized', reopened_at = null where id = $1`, [first!.id])).rejects.toThrow(
      /was reopened/,
    );
    await expect(run(h.t.db, `update daily_entries set settlement_id = null where settlement_id = $1`, [rows[1]!.id])).rejects.toThrow(/is settled/);
    expect((await post(`/api/settlements/${rows[1]!.id}/paid`, admin, { reference: 'CASH-2' })).status).toBe(200);
    await expect(run(h.t.db, `update settlements set status = 'finalized', paid_at = null where id = $1`, [rows[1]!.id])).rejects.toThrow(
      /already paid/,
    );
    expect((await farmerOf(code)).b).toBe('0.00');
    expect(await validationErrors(h.t.db)).toEqual({});
  });
});

describe('adjustments', () => {
  it('HTTP: admin only, signed, listed; never edited (the database refuses)', async () => {
    const code = await addFarmer(h.t.db);
    const f = await farmerOf(code);
    const byStaff = await post(`/api/farmers/${f.id}/adjustments`, staff, { amount: '+100', reason: 'x' });
    expect(byStaff.status).toBe(403);
    for (const bad of [{ amount: '100', reason: 'no sign' }, { amount: '+0', reason: 'zero' }, { amount: '-5' }, { amount: '-5', reason: ' ' }]) {
      const res = await post(`/api/farmers/${f.id}/adjustments`, admin, bad);
      expect(res.status, JSON.stringify(bad)).toBe(422);
    }
    const made = await body(await post(`/api/farmers/${f.id}/adjustments`, admin, { amount: '-200.50', reason: 'crate damage' }));
    expect(made).toMatchObject({ amount: '-200.50', reason: 'crate damage', settlement: null, farmer: { code } });
    expect((await farmerOf(code)).b).toBe('-200.50');
    const list = await body(await h.call('GET', `/api/farmers/${f.id}/adjustments`, { token: staff }));
    expect(list.items.map((a: { amount: string }) => a.amount)).toEqual(['-200.50']);
    await expect(run(h.t.db, `update adjustments set amount = 1 where id = $1`, [made.id])).rejects.toThrow(/cannot change/);
  });

  it('chat: an admin adjusts in one message (farmer told in Tamil); staff are refused; admins approve by chat', async () => {
    const { code } = await createFarmer(h.t, { language: 'ta' });
    const f = await farmerOf(code);
    const adminPhone = '+919811100001';
    const staffPhone = '+919811100002';
    await createStaff(h.t, adminPhone, 'admin');
    await createStaff(h.t, staffPhone, 'staff');
    let mark = await lastOutboxId(h.t);
    await send(h.t, staffPhone, `adj ${code} -200 crate damage`);
    let out = await outboxSince(h.t, mark);
    expect(out.find((o) => o.recipient_phone === staffPhone)!.text).toBe('✗ Only an admin can do that.');
    expect((await farmerOf(code)).b).toBe('0.00');

    mark = await lastOutboxId(h.t);
    await send(h.t, adminPhone, `சரிசெய் ${code} -200 crate damage`);
    out = await outboxSince(h.t, mark);
    expect(out.find((o) => o.recipient_phone === adminPhone)!.text).toMatch(
      new RegExp(`^✓ Adjustment J\\d+ for ${code}: -₹200\\.00 \\(crate damage\\)\\. Balance: -₹200\\.00$`),
    );
    expect(out.find((o) => o.recipient_phone === f.phone)!.text).toBe(
      'உங்கள் கணக்கில் -₹200.00 சரிசெய்யப்பட்டது: crate damage. உங்கள் இப்போதைய இருப்பு: -₹200.00',
    );
    expect((await farmerOf(code)).b).toBe('-200.00');
    mark = await lastOutboxId(h.t);
    await send(h.t, adminPhone, `adj ${code} 150 short paid`);
    expect((await outboxSince(h.t, mark))[0]!.text).toMatch(/^✗ Write: adj FAR001 -200 reason/);

    // A staff advance above the limit waits; the admin is told and approves it by chat.
    mark = await lastOutboxId(h.t);
    await send(h.t, staffPhone, `adv ${code} 2500 seeds`);
    out = await outboxSince(h.t, mark);
    const staffReply = out.find((o) => o.recipient_phone === staffPhone)!.text;
    const ref = /Advance (A\d+) of/.exec(staffReply)![1]!;
    expect(staffReply).toBe(`⏳ Advance ${ref} of ₹2,500.00 to ${code} is above ₹2,000.00: waiting for an admin to approve.`);
    expect(out.find((o) => o.recipient_phone === adminPhone)!.text).toContain(`Reply: approve ${ref}`);
    mark = await lastOutboxId(h.t);
    await send(h.t, staffPhone, `approve ${ref}`);
    expect((await outboxSince(h.t, mark))[0]!.text).toBe('✗ Only an admin can do that.');
    mark = await lastOutboxId(h.t);
    await send(h.t, adminPhone, `approve ${ref}`);
    out = await outboxSince(h.t, mark);
    expect(out.find((o) => o.recipient_phone === adminPhone)!.text).toBe(`✓ Advance ${ref} of ₹2,500.00 to ${code} approved. Balance: -₹2,700.00`);
    mark = await lastOutboxId(h.t);
    await send(h.t, adminPhone, `reverse ${ref} given to the wrong farmer`);
    out = await outboxSince(h.t, mark);
    expect(out.find((o) => o.recipient_phone === adminPhone)!.text).toBe(
      `✓ Advance ${ref} of ₹2,500.00 to ${code} reversed: given to the wrong farmer. Balance: -₹200.00`,
    );
    expect(await validationErrors(h.t.db)).toEqual({});
  });

  it('the statement shows each adjustment as its own line (read back from the PDF)', async () => {
    const code = await w10Farmer('en');
    const f = await farmerOf(code);
    await post(`/api/farmers/${f.id}/adjustments`, admin, { amount: '-200', reason: 'crate damage' });
    await post(`/api/farmers/${f.id}/adjustments`, admin, { amount: '+150', reason: 'short paid W47' });
    await settleW10(code);
    const [s] = await settlementsOf(code);
    const doc = await renderStatementDocument(h.t.db.orm.em.fork(), { settlementId: s!.id }, TZ, inlineRenderer);
    const file = path.join(tmp, 'adjusted.pdf');
    fs.writeFileSync(file, doc.bytes);
    if (process.env.STATEMENT_ADJUSTMENT_PNG)
      execFileSync('pdftoppm', ['-png', '-r', '110', '-singlefile', file, process.env.STATEMENT_ADJUSTMENT_PNG]);
    const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    const line = (re: RegExp) => text.split('\n').find((l) => re.test(l)) ?? '';
    expect(line(/Adjustment J\d+: crate damage/)).toMatch(/- ₹200\.00\s*$/);
    expect(line(/Adjustment J\d+: short paid W47/)).toMatch(/ ₹150\.00\s*$/);
    expect(line(/Adjustment J\d+: short paid W47/)).not.toMatch(/-/);
    expect(text).toContain('சரிசெய்தல்');
    // 1200.00 − 60.00 − 200.00 + 150.00 − 300.00 = 790.00
    expect(line(/Net amount payable to you/)).toMatch(/₹790\.00\s*$/);
  });
});
