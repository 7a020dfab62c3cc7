// End to end through the pipeline on a real database: stored message → replies, receipts and ledger rows.
// Message time 2030-03-02 06:10 IST (Morning Peak); test rates: rose 180.35, jasmine 412.50 at peak (helpers.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processInboundMessage } from '../../src/chat/pipeline.js';
import { InboxProcessor } from '../../src/inbox/inbox-processor.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import {
  businessLogicViolations,
  chatDeps,
  createFarmer,
  createStaff,
  lastOutboxId,
  outboxSince,
  send,
  setSetting,
  setTestRates,
} from './helpers.js';

let t: TestDatabase;
const ADMIN = '+919876543210';
const STAFF = '+919800000001';
const STAFF2 = '+919800000002';

beforeAll(async () => {
  t = await createTestDatabase();
  await setTestRates(t);
  await createStaff(t, STAFF);
  await createStaff(t, STAFF2, 'staff', 'ta');
  // Fee rules: ₹2 per entry plus 10 paise per unit.
  await setSetting(t, 'fee_per_entry', '2.00');
  await setSetting(t, 'fee_per_unit', '0.10');
  // Lines here give rates far from the seeded ones (lotus @12.50 against 180.00): the fat-finger guard's own tests
  // are in fixes.test.ts; this file is about the lines, verdicts and receipts of messages that are recorded.
  await setSetting(t, 'rate_confirm_factor', '0');
});
afterAll(async () => {
  await t?.close();
});

const count = async (table: string, where = 'true', params: unknown[] = []) =>
  Number((await sql<{ n: string }>(t.db, `select count(*)::text as n from ${table} where ${where}`, params))[0]!.n);
const balanceOf = async (farmerId: string) =>
  (await sql<{ b: string }>(t.db, `select current_balance::text as b from farmers where id = ?`, [farmerId]))[0]!.b;

describe('a staff message with five lines, two of them bad', () => {
  it('makes three entries, one reply with five verdicts and three receipts; the same id again does nothing', async () => {
    const a = await createFarmer(t);
    const b = await createFarmer(t, { language: 'en' });
    const c = await createFarmer(t, { commissionRate: '3.50' });
    const before = await lastOutboxId(t);
    const text = [
      `${a.code} malli 12.5`,
      `${b.code.toLowerCase()} rose 7.25kg`,
      `${c.code} mali 4`,
      '',
      `${c.code} தாமரை 40 @12.50`,
      `${b.code} rose 12,5`,
    ].join('\n');
    const first = await send(t, STAFF, text, { providerMessageId: 'wamid.five-lines' });

    const entries = await sql<Record<string, string>>(
      t.db,
      `select f.farmer_code, e.quantity::text, e.rate_per_unit::text as rate, e.total_amount::text as total, e.commission_rate::text as crate,
              e.commission_amount::text as commission, e.fee_amount::text as fee, e.net_amount::text as net, e.source_line
         from daily_entries e join farmers f on f.id = e.farmer_id where e.source_message_id = 'wamid.five-lines' order by e.source_line`,
    );
    // 12.5 × 412.50 = 5156.25; 5% = 257.8125 → 257.81; fee 2 + 1.25 = 3.25; net 4895.19
    // 7.25 × 180.35 = 1307.5375 → 1307.54; 5% = 65.377 → 65.38; fee 2 + 0.725 → 2.73; net 1239.43
    // 40 × 12.50 = 500.00; 3.5% = 17.50; fee 2 + 4 = 6.00; net 476.50
    expect(entries).toEqual([
      {
        farmer_code: a.code,
        quantity: '12.500',
        rate: '412.50',
        total: '5156.25',
        crate: '5.00',
        commission: '257.81',
        fee: '3.25',
        net: '4895.19',
        source_line: 0,
      },
      {
        farmer_code: b.code,
        quantity: '7.250',
        rate: '180.35',
        total: '1307.54',
        crate: '5.00',
        commission: '65.38',
        fee: '2.73',
        net: '1239.43',
        source_line: 1,
      },
      {
        farmer_code: c.code,
        quantity: '40.000',
        rate: '12.50',
        total: '500.00',
        crate: '3.50',
        commission: '17.50',
        fee: '6.00',
        net: '476.50',
        source_line: 4,
      },
    ]);

    const out = await outboxSince(t, before);
    const replies = out.filter((n) => n.type === 'reply');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.recipient_phone).toBe(STAFF);
    const verdicts = replies[0]!.text.split('\n');
    expect(verdicts).toHaveLength(5);
    expect(verdicts.map((v) => v.slice(0, 4))).toEqual(['1. ✓', '2. ✓', '3. ✗', '4. ✓', '5. ✗']);
    expect(verdicts[2]).toContain('“mali”');
    expect(verdicts[4]).toContain('12.5');
    expect(verdicts[1]).toContain('₹1,307.54');

    const receipts = out.filter((n) => n.type === 'receipt');
    expect(receipts.map((r) => [r.recipient_phone, r.language]).sort()).toEqual(
      [
        [a.phone, 'ta'],
        [b.phone, 'en'],
        [c.phone, 'ta'],
      ].sort(),
    );
    const receiptA = receipts.find((r) => r.recipient_phone === a.phone)!.text;
    expect(receiptA).toContain('மல்லிகை 12.5 கிலோ × ₹412.50 = ₹5,156.25');
    expect(receiptA).toContain('₹4,895.19');
    expect(await balanceOf(a.id)).toBe('4895.19');
    expect(await balanceOf(b.id)).toBe('1239.43');
    expect(await balanceOf(c.id)).toBe('476.50');
    const outcome = await sql<{ outcome: string }>(t.db, `select outcome from inbound_messages where id = ?`, [first.id]);
    expect(outcome[0]!.outcome).toBe('partial');

    // A webhook retry: the same provider id again, and the same stored row processed again.
    const counts = async () => [
      await count('daily_entries'),
      await count('notifications'),
      await count('security_logs'),
      await count('inbound_messages'),
    ];
    const was = await counts();
    const again = await send(t, STAFF, text, { providerMessageId: 'wamid.five-lines' });
    expect(again.duplicate).toBe(true);
    await processInboundMessage(chatDeps(t), first.id);
    expect(await counts()).toEqual(was);
  });

  it('two workers processing the same stored message make one reply', async () => {
    const f = await createFarmer(t);
    const rows = await sql<{ id: string }>(
      t.db,
      `insert into inbound_messages (channel, provider_message_id, sender, sender_phone, text, received_at)
       values ('cloud', 'wamid.race', ?, ?, ?, '2030-03-02T00:40:00Z') returning id::text as id`,
      [STAFF, STAFF, `${f.code} rose 2`],
    );
    await Promise.all([processInboundMessage(chatDeps(t), rows[0]!.id), processInboundMessage(chatDeps(t), rows[0]!.id)]);
    expect(await count('daily_entries', `source_message_id = 'wamid.race'`)).toBe(1);
    expect(await count('notifications', `recipient_phone = ? and type = 'reply' and payload->>'text' like ?`, [STAFF, `%${f.code} Rose 2 kg%`])).toBe(
      1,
    );
  });
});

describe('farmers', () => {
  it('a farmer asking இருப்பு gets the right balance in Tamil', async () => {
    const f = await createFarmer(t);
    await send(t, STAFF, `${f.code} malli 10\nadv ${f.code} 500 seeds`);
    // 10 × 412.50 = 4125.00; commission 206.25; fee 2 + 1.00 = 3.00; net 3915.75; minus advance 500 = 3415.75
    const before = await lastOutboxId(t);
    await send(t, f.phone, 'இருப்பு');
    const [reply] = await outboxSince(t, before);
    expect(reply!.recipient_phone).toBe(f.phone);
    expect(reply!.language).toBe('ta');
    expect(reply!.text).toContain('இருப்பு: ₹3,415.75');
    expect(reply!.text).toContain('வாங்கிய முன்பணம்: ₹500.00');
    expect(await balanceOf(f.id)).toBe('3415.75');
  });

  it('a farmer who owes the agent is told so', async () => {
    const f = await createFarmer(t, { language: 'en' });
    await send(t, ADMIN, `adv ${f.code} 1,234.50`);
    const before = await lastOutboxId(t);
    await send(t, f.phone, 'bal');
    const [reply] = await outboxSince(t, before);
    expect(reply!.text).toContain('You owe the agent ₹1,234.50');
  });

  it('a farmer may not log entries or see another farmer; each refusal is logged', async () => {
    const f = await createFarmer(t);
    const other = await createFarmer(t);
    const logs = await count('security_logs', `action = 'chat.refused' and actor_phone = ?`, [f.phone]);
    const before = await lastOutboxId(t);
    await send(t, f.phone, `${f.code} rose 5\nbal ${other.code}\nbal ${f.code}`);
    const [reply] = await outboxSince(t, before);
    const lines = reply!.text.split('\n');
    expect(lines[0]).toBe('1. ✗ இதை அலுவலகப் பணியாளர்கள் மட்டுமே செய்ய முடியும்.');
    expect(lines[1]).toBe('2. ✗ உங்கள் சொந்தக் கணக்கை மட்டுமே பார்க்க முடியும்.');
    expect(lines[2]).toContain(`3. Farmer`);
    expect(await count('daily_entries', 'farmer_id = ?', [f.id])).toBe(0);
    expect(await count('security_logs', `action = 'chat.refused' and actor_phone = ?`, [f.phone])).toBe(logs + 2);
  });

  it('a voice note gets "please send text" in the sender\'s language (a farmer with the list to tap)', async () => {
    const f = await createFarmer(t);
    const before = await lastOutboxId(t);
    await send(t, f.phone, null, { mediaKind: 'voice' });
    await send(t, STAFF, null, { mediaKind: 'image' });
    const out = await outboxSince(t, before);
    expect(out.map((n) => [n.recipient_phone, n.text])).toEqual([
      [f.phone, 'எழுத்தை மட்டுமே படிக்க முடியும். எழுதி அனுப்புங்கள், அல்லது ஒன்றைத் தொடுங்கள்:'],
      [STAFF, 'I can read only text. Please type the entry or command.'],
    ]);
  });

  it('lang switches the reply language and is remembered', async () => {
    const f = await createFarmer(t);
    const before = await lastOutboxId(t);
    await send(t, f.phone, 'lang en');
    await send(t, f.phone, 'rates');
    const out = await outboxSince(t, before);
    expect(out[0]!.text).toBe('✓ I will reply in English now.');
    expect(out[1]!.language).toBe('en');
    expect(out[1]!.text).toContain('Jasmine: Early Morning ₹422.50 · Morning Peak ₹412.50');
  });
});

describe('unknown commands', () => {
  it("a one-line unknown command gets a short help in the sender's language", async () => {
    const f = await createFarmer(t);
    const before = await lastOutboxId(t);
    await send(t, f.phone, 'வணக்கம்');
    const [reply] = await outboxSince(t, before);
    expect(reply!.text).toBe('✗ “வணக்கம்” புரியவில்லை. கட்டளைகளுக்கு உதவி என்று அனுப்புங்கள்.');
    // The commands come as the list to tap (test/chat/conversation.test.ts), not as text.
    const [row] = await sql<{ ids: string[] }>(
      t.db,
      `select jsonb_path_query_array(payload, '$.choices.items[*].id') as ids from notifications where id = ?`,
      [reply!.id],
    );
    expect(row!.ids).toEqual(['bal', 'rates', 'today', 'stmt', 'lang en']);
  });
});

describe('unknown numbers', () => {
  it('get one bilingual reply a day and a security log row for every message', async () => {
    const stranger = '+919811122233';
    const before = await lastOutboxId(t);
    await send(t, stranger, 'hello', { receivedAt: new Date('2030-03-02T01:00:00Z') });
    await send(t, '98111 22233', 'anyone there?', { senderPhone: null, receivedAt: new Date('2030-03-02T09:00:00Z') });
    let out = await outboxSince(t, before);
    expect(out).toHaveLength(1);
    expect(out[0]!.recipient_phone).toBe(stranger);
    expect(out[0]!.text).toContain('not registered');
    expect(out[0]!.text).toContain('பதிவேட்டில் இல்லை');
    expect(await count('security_logs', `action = 'chat.unknown_sender' and actor_phone = ?`, [stranger])).toBe(2);
    // The next market day (00:10 IST on 3 March) they get a reply again.
    await send(t, stranger, 'hello again', { receivedAt: new Date('2030-03-02T18:40:00Z') });
    out = await outboxSince(t, before);
    expect(out).toHaveLength(2);
  });
});

describe('staff corrections and advances', () => {
  it('staff undo their own entry within the edit window; the balance goes back', async () => {
    const f = await createFarmer(t);
    await send(t, STAFF, `${f.code} rose 3`);
    expect(await balanceOf(f.id)).not.toBe('0.00');
    const before = await lastOutboxId(t);
    await send(t, STAFF, 'undo', { receivedAt: new Date('2030-03-02T00:50:00Z') });
    const out = await outboxSince(t, before);
    expect(out[0]!.text).toMatch(/^✓ Entry #\d+ .* is void\./);
    expect(out.find((n) => n.type === 'receipt')!.text).toContain('ரத்து செய்யப்பட்டது');
    expect(await balanceOf(f.id)).toBe('0.00');
  });

  it("staff may not void another's entry or their own after the window; an admin may; nobody a settled one", async () => {
    const f = await createFarmer(t);
    await send(t, STAFF, `${f.code} rose 4`);
    const no = (await sql<{ entry_no: string }>(t.db, `select entry_no::text from daily_entries e where farmer_id = ?`, [f.id]))[0]!.entry_no;
    const refusals = await count('security_logs', `action = 'chat.refused'`);
    const before = await lastOutboxId(t);
    await send(t, STAFF2, `void ${no} wrong`);
    await send(t, STAFF, `void ${no} wrong`, { receivedAt: new Date('2030-03-02T01:00:00Z') }); // 20 minutes later
    let out = await outboxSince(t, before);
    expect(out[0]!.text).toBe(`✗ பதிவு #${no} வேறொருவர் செய்தது. நிர்வாகி மட்டுமே ரத்து செய்ய முடியும்.`);
    expect(out[1]!.text).toBe(`✗ Entry #${no} is older than 15 minutes. Only an admin can cancel it now.`);
    expect(await count('security_logs', `action = 'chat.refused'`)).toBe(refusals + 2);
    expect(await count('daily_entries', `farmer_id = ? and status = 'active'`, [f.id])).toBe(1);

    await send(t, ADMIN, `void ${no} wrong farmer`, { receivedAt: new Date('2030-03-02T05:00:00Z') });
    expect(await count('daily_entries', `farmer_id = ? and status = 'voided' and void_reason = 'wrong farmer'`, [f.id])).toBe(1);
    expect(await balanceOf(f.id)).toBe('0.00');

    await send(t, STAFF, `${f.code} rose 5`);
    const settled = await sql<{ id: string; entry_no: string }>(
      t.db,
      `select id::text, entry_no::text from daily_entries where farmer_id = ? and status = 'active'`,
      [f.id],
    );
    const { id: entryId, entry_no: no2 } = settled[0]!;
    await sql(
      t.db,
      `with s as (insert into settlements (settlement_number, farmer_id, period_start, period_end, gross_amount, total_commission, total_fees, total_advances, net_payable)
                  values ('S-TEST-' || ?, ?, '2030-02-24', '2030-03-02', 0, 0, 0, 0, 0) returning id)
       update daily_entries set settlement_id = (select id from s) where id = ?`,
      [f.code, f.id, entryId],
    );
    const mark = await lastOutboxId(t);
    await send(t, ADMIN, `void ${no2} late`);
    out = await outboxSince(t, mark);
    expect(out[0]!.text).toBe(`✗ Entry #${no2} is already in a settlement and cannot be changed.`);
    expect(await count('daily_entries', `id = ? and status = 'active'`, [entryId])).toBe(1);
  });

  it('an advance above the auto-approve limit waits for an admin and does not move the balance', async () => {
    const f = await createFarmer(t);
    const before = await lastOutboxId(t);
    await send(t, STAFF, `adv ${f.code} 2000.01 wedding`);
    const all = await outboxSince(t, before);
    // The reply to staff; the rest are the admins' notices that it waits for them.
    const out = all.filter((o) => o.recipient_phone === STAFF);
    expect(out).toHaveLength(1);
    expect(all.filter((o) => o.recipient_phone !== STAFF).every((o) => o.text.includes('waits for your approval'))).toBe(true);
    expect(out[0]!.text).toMatch(
      new RegExp(`^⏳ Advance A\\d+ of ₹2,000\\.01 to ${f.code} is above ₹2,000\\.00: waiting for an admin to approve\\.$`),
    );
    const adv = await sql<{ status: string; reason: string }>(t.db, `select status, reason from cash_advances where farmer_id = ?`, [f.id]);
    expect(adv).toEqual([{ status: 'pending', reason: 'wedding' }]);
    expect(await balanceOf(f.id)).toBe('0.00');
  });

  it('a flower with no rate is refused with the missing rate named, and accepted with @rate', async () => {
    await sql(
      t.db,
      `insert into flower_types (name, name_ta, code, unit, aliases) values ('Crossandra', 'கனகாம்பரம்', 'FLW009', 'kg', '{kanakambaram}')`,
    );
    const f = await createFarmer(t, { language: 'en' });
    const before = await lastOutboxId(t);
    await send(t, STAFF, `${f.code} kanakambaram 2\n${f.code} கனகாம்பரம் 2 @301.10`);
    const [reply] = await outboxSince(t, before);
    const lines = reply!.text.split('\n');
    expect(lines[0]).toBe('1. ✗ No rate for Crossandra in Morning Peak on 2030-03-02. Add the rate like @450, or ask the admin to set it.');
    // 2 × 301.10 = 602.20; 5% = 30.11; fee 2.20; net 569.89
    expect(lines[1]).toContain('₹602.20 (comm. ₹30.11, fee ₹2.20, net ₹569.89)');
  });

  it('a sender given only as a provider id is recognised by the normalised phone', async () => {
    const before = await lastOutboxId(t);
    await send(t, '91 98765 43210', 'help', { senderPhone: null });
    const [reply] = await outboxSince(t, before);
    expect(reply!.recipient_phone).toBe(ADMIN);
    expect(reply!.text).toContain('Staff commands');
  });

  it('statements and payments say they are not available until the settlements feature is wired in', async () => {
    const f = await createFarmer(t, { language: 'en' });
    const before = await lastOutboxId(t);
    await send(t, f.phone, 'stmt');
    const [reply] = await outboxSince(t, before);
    expect(reply!.text).toBe('Statements are not available yet. The office will send your statement.');
  });
});

describe('failures', () => {
  it('an unexpected error rolls the message back, marks it error and apologises', async () => {
    const f = await createFarmer(t);
    const before = await lastOutboxId(t);
    const statements = {
      requestStatement: async () => {
        throw new Error('disk on fire');
      },
      markPaid: async () => 'unused',
    };
    const sent = await send(t, STAFF, `${f.code} rose 6\nstmt ${f.code}`, {}, { statements });
    const out = await outboxSince(t, before);
    expect(out.map((n) => [n.recipient_phone, n.type])).toEqual([[STAFF, 'reply']]);
    expect(out[0]!.text).toContain('Sorry, something went wrong');
    const [row] = await sql<{ outcome: string; error: string; text: string }>(
      t.db,
      `select outcome, error, text from inbound_messages where id = ?`,
      [sent.id],
    );
    expect(row!.outcome).toBe('error');
    expect(row!.error).toContain('disk on fire');
    expect(row!.text).toBe(`${f.code} rose 6\nstmt ${f.code}`);
    expect(await count('daily_entries', 'farmer_id = ?', [f.id])).toBe(0);
    expect(await balanceOf(f.id)).toBe('0.00');
  });
});

describe('start-up sweep', () => {
  it('processes messages that were stored but never processed', async () => {
    const f = await createFarmer(t);
    await sql(
      t.db,
      `insert into inbound_messages (channel, provider_message_id, sender, sender_phone, text, received_at)
       values ('cloud', 'wamid.left-behind', ?, ?, ?, '2030-03-02T00:40:00Z')`,
      [STAFF, STAFF, `${f.code} malli 1`],
    );
    // The service's inbox processor sweeps at start-up.
    const deps = chatDeps(t);
    const inbox = new InboxProcessor({ db: t.db, logger: createLogger({ logLevel: 'silent' }), process: (id) => processInboundMessage(deps, id) });
    await inbox.start();
    await inbox.idle();
    await inbox.stop();
    expect(await count('inbound_messages', 'outcome is null')).toBe(0);
    // 1 × 412.50; commission 20.63 (20.625 half-up); fee 2.10; net 389.77
    expect(await balanceOf(f.id)).toBe('389.77');
  });
});

describe('after all of the above', () => {
  it("the guide's Business Logic Checks (with rounding) return no rows", async () => {
    await send(t, STAFF, 'FAR001 malli 0.333 @333.33\nFAR002 rose 1.005 @0.05\nFAR003 சாமந்தி 9.999');
    expect(await count('daily_entries')).toBeGreaterThan(10);
    expect(await businessLogicViolations(t)).toEqual({ settlements: [], balances: [], commissions: [] });
  });
});
