// An admin takes back a payment mark and reopens a settlement by chat (`unpay`, `reopen`, Tamil keywords too):
// the same use cases as the office's routes, through the chat pipeline on a real database.
// Each W10 farmer: 10 kg × ₹100.00 + 2.5 kg × ₹80.00 = gross 1,200.00, commission 5% 60.00, advance 300.00 → net 840.00.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHarness, type ApiHarness } from '../support/api.js';
import { settlePeriod } from '../../src/domain/settlements/settlement.service.js';
import { parsePeriod } from '../../src/domain/settlements/period.js';
import { settlementStatements } from '../../src/chat/statements.js';
import { validationErrors } from './validation.js';
import { addAdvance, addEntry, addFarmer, run, TZ } from '../settlements/fixture.js';
import { createStaff, lastOutboxId, outboxSince, send } from '../chat/helpers.js';

let h: ApiHarness;
const ADMIN = '+919811200001';
const ADMIN_TA = '+919811200002';
const STAFF = '+919811200003';
const W10 = parsePeriod('weekly', '2030-W10'); // 2030-03-04 .. 2030-03-10
const W11 = parsePeriod('weekly', '2030-W11'); // 2030-03-11 .. 2030-03-17
const AFTER = new Date('2030-03-20T06:00:00Z');
// Messages sent after the weeks were settled.
const at = { receivedAt: new Date('2030-03-21T04:00:00Z') };

beforeAll(async () => {
  h = await createApiHarness({ marketTimeZone: TZ });
  await createStaff(h.t, ADMIN, 'admin');
  await createStaff(h.t, ADMIN_TA, 'admin', 'ta');
  await createStaff(h.t, STAFF, 'staff');
});
afterAll(() => h?.close());

const chat = (from: string, text: string) => send(h.t, from, text, at, { statements: settlementStatements({ timeZone: TZ }) });
/** What one message made: the replies to each phone. */
async function said(from: string, text: string) {
  const mark = await lastOutboxId(h.t);
  await chat(from, text);
  const out = await outboxSince(h.t, mark);
  return (phone: string) => out.filter((o) => o.recipient_phone === phone).map((o) => o.text);
}
const farmerOf = async (code: string) =>
  (
    await run<{ b: string; s: string; phone: string }>(
      h.t.db,
      `select current_balance::text as b, total_settlements::text as s, whatsapp_number as phone from farmers where farmer_code = $1`,
      [code],
    )
  )[0]!;
const settlementsOf = (code: string) =>
  run<{ number: string; status: string; net: string; paid_at: Date | null; ref: string | null }>(
    h.t.db,
    `select s.settlement_number as number, s.status, s.net_payable::text as net, s.paid_at, s.payment_reference as ref
       from settlements s join farmers f on f.id = s.farmer_id where f.farmer_code = $1 order by s.period_start, s.revision`,
    [code],
  );
let seq = 0;
async function weekFarmer(language: 'en' | 'ta', weeks = [W10]) {
  // A code the chat reads as one (FAR + digits).
  const code = await addFarmer(h.t.db, { language, code: `FAR${8000 + ++seq}` });
  for (const w of weeks) {
    await addEntry(h.t.db, { farmerCode: code, date: w.start, quantity: '10.000', rate: '100.00' });
    await addEntry(h.t.db, { farmerCode: code, date: w.end, quantity: '2.500', rate: '80.00' });
    await addAdvance(h.t.db, { farmerCode: code, amount: '300.00', createdAt: `${w.start}T04:00:00Z` });
    await settlePeriod(h.t.db.orm, { period: w, timeZone: TZ, now: AFTER, farmerCodes: [code] });
  }
  return code;
}

describe('unpay by chat', () => {
  it('a payment marked for the wrong farmer is taken back in one message, and the right one is paid', async () => {
    const wrong = await weekFarmer('en');
    const right = await weekFarmer('ta');
    expect((await farmerOf(wrong)).b).toBe('840.00');
    // The slip: the right farmer's payment marked against the wrong one.
    await chat(ADMIN, `paid ${wrong} UPI-77`);
    expect((await settlementsOf(wrong)).map((s) => [s.status, s.ref])).toEqual([['paid', 'UPI-77']]);
    expect((await farmerOf(wrong)).b).toBe('0.00');

    const reply = await said(ADMIN, `unpay S-2030W10-${wrong} paid to the wrong farmer`);
    expect(reply(ADMIN)).toEqual([
      `✓ Payment of ₹840.00 for S-2030W10-${wrong} (${wrong}) taken back: paid to the wrong farmer. It is unpaid again; ${wrong}'s balance: ₹840.00. To pay the right farmer: paid <code> <ref>`,
    ]);
    const { phone } = await farmerOf(wrong);
    expect(reply(phone)).toEqual([
      `The payment of ₹840.00 for settlement S-2030W10-${wrong} was marked by mistake and is taken back: paid to the wrong farmer. Your balance now: ₹840.00`,
    ]);
    expect((await settlementsOf(wrong)).map((s) => [s.status, s.paid_at, s.ref])).toEqual([['finalized', null, null]]);
    expect(await farmerOf(wrong)).toMatchObject({ b: '840.00', s: '0.00' });

    await chat(ADMIN, `paid ${right} UPI-77`);
    expect((await settlementsOf(right)).map((s) => [s.status, s.ref])).toEqual([['paid', 'UPI-77']]);
    // And the wrong farmer's own payment, later: paid again.
    await chat(ADMIN, `paid ${wrong} CASH-1`);
    expect((await settlementsOf(wrong)).map((s) => [s.status, s.ref])).toEqual([['paid', 'CASH-1']]);
    expect(await farmerOf(wrong)).toMatchObject({ b: '0.00', s: '840.00' });
    expect(await validationErrors(h.t.db)).toEqual({});
  });

  it('by farmer code: their latest paid settlement; in Tamil, with the Tamil keyword', async () => {
    const code = await weekFarmer('ta', [W10, W11]);
    await chat(ADMIN, `paid ${code} UPI-10`);
    await chat(ADMIN, `paid ${code} UPI-11`);
    expect((await settlementsOf(code)).map((s) => [s.number, s.status])).toEqual([
      [`S-2030W10-${code}`, 'paid'],
      [`S-2030W11-${code}`, 'paid'],
    ]);
    const reply = await said(ADMIN_TA, `செலுத்தவில்லை ${code} தவறான விவசாயி`);
    expect(reply(ADMIN_TA)).toEqual([
      `✓ S-2030W11-${code} (${code})-க்கான ₹840.00 கொடுப்பனவு திரும்பப் பெறப்பட்டது: தவறான விவசாயி. இது மீண்டும் செலுத்தப்படாதது; ${code} இருப்பு: ₹840.00. சரியான விவசாயிக்குச் செலுத்த: செலுத்தியது <குறியீடு> <குறிப்பு>`,
    ]);
    expect(reply((await farmerOf(code)).phone)).toEqual([
      `தீர்வு S-2030W11-${code}-க்கான ₹840.00 கொடுப்பனவு தவறாகப் பதிவானது, அது திரும்பப் பெறப்பட்டது: தவறான விவசாயி. உங்கள் இப்போதைய இருப்பு: ₹840.00`,
    ]);
    expect((await settlementsOf(code)).map((s) => s.status)).toEqual(['paid', 'finalized']);
  });

  it('refuses staff, asks for what is missing, and says why nothing changed', async () => {
    const code = await weekFarmer('en');
    await chat(ADMIN, `paid ${code} UPI-5`);
    const n = `S-2030W10-${code}`;
    const cases: [string, string, string][] = [
      [STAFF, `unpay ${n} wrong farmer`, '✗ Only an admin can do that.'],
      [ADMIN, `unpay ${n}`, '✗ Say why. Example: unpay S-2026W47-FAR001 wrong farmer'],
      [ADMIN, 'unpay', '✗ Which settlement? Example: unpay S-2026W47-FAR001 wrong farmer (or a farmer code: unpay FAR001 wrong farmer)'],
      [ADMIN, 'unpay S-2030W10-NOPE wrong farmer', '✗ There is no settlement S-2030W10-NOPE.'],
      // A bare number is not taken for a farmer: it could be entry #3 or advance A3.
      [
        ADMIN,
        'unpay 3 wrong farmer',
        '✗ Which settlement? Example: unpay S-2026W47-FAR001 wrong farmer (or a farmer code: unpay FAR001 wrong farmer)',
      ],
      [ADMIN, `reopen ${n}`, '✗ Say why. Example: reopen S-2026W47-FAR001 wrong weight'],
      [ADMIN, `reopen ${n} wrong weight`, `✗ Settlement ${n} is paid: take the payment back first (unpay ${n} reason), then reopen it.`],
    ];
    for (const [from, text, expected] of cases) expect((await said(from, text))(from), text).toEqual([expected]);
    expect((await settlementsOf(code)).map((s) => [s.status, s.ref])).toEqual([['paid', 'UPI-5']]);
    // Once taken back, a second unpay has nothing to take back.
    await chat(ADMIN, `unpay ${n.toLowerCase()} typo`);
    expect((await said(ADMIN, `unpay ${n} again`))(ADMIN)).toEqual([`✗ Settlement ${n} is not marked paid, so there is no payment to take back.`]);
    expect((await said(ADMIN, `unpay ${code} again`))(ADMIN)).toEqual([`✗ ${code} has no paid settlement to take back.`]);
  });
});

describe('reopen by chat', () => {
  it('reopens an unpaid settlement; the next run settles it again under a new number with the same totals', async () => {
    const code = await weekFarmer('ta');
    const reply = await said(ADMIN_TA, `மறுதிற ${code} எடை தவறு`);
    expect(reply(ADMIN_TA)).toEqual([
      `✓ S-2030W10-${code} (${code}, ₹840.00) மீண்டும் திறக்கப்பட்டது: எடை தவறு. மீண்டும் தீர்க்கப்படாதவை: 2 பதிவுகள், 0 சரிசெய்தல்கள், முன்பணக் கழிவு ₹300.00. அடுத்த தீர்வு ஓட்டம் இவற்றைப் புதிய எண்ணில் தீர்க்கும்.`,
    ]);
    expect(reply((await farmerOf(code)).phone)).toEqual([
      `தீர்வு S-2030W10-${code} (₹840.00) திருத்தத்திற்காக மீண்டும் திறக்கப்பட்டது: எடை தவறு. திருத்திய அறிக்கை பின்னர் வரும்.`,
    ]);
    await settlePeriod(h.t.db.orm, { period: W10, timeZone: TZ, now: AFTER, farmerCodes: [code] });
    expect((await settlementsOf(code)).map((s) => [s.number, s.status, s.net])).toEqual([
      [`S-2030W10-${code}`, 'reopened', '840.00'],
      [`S-2030W10-${code}-2`, 'finalized', '840.00'],
    ]);
    expect((await said(ADMIN, `reopen S-2030W10-${code} again`))(ADMIN)).toEqual([`✗ Settlement S-2030W10-${code} is already reopened.`]);
    expect(await validationErrors(h.t.db)).toEqual({});
  });

  it('by farmer code with two unpaid settlements: names them and reopens neither', async () => {
    const code = await weekFarmer('en', [W10, W11]);
    expect((await said(ADMIN, `reopen ${code} wrong weight`))(ADMIN)).toEqual([
      `✗ ${code} has several unpaid settlements: S-2030W11-${code}, S-2030W10-${code}. Name the one to reopen.`,
    ]);
    expect((await settlementsOf(code)).map((s) => s.status)).toEqual(['finalized', 'finalized']);
    await chat(ADMIN, `reopen S-2030W11-${code} wrong weight`);
    expect((await settlementsOf(code)).map((s) => s.status)).toEqual(['finalized', 'reopened']);
  });
});
