// The rate card, the day-end summary and the monthly statement, run as jobs on a real database.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { addAdvance, addEntry, addFarmer } from '../settlements/fixture.js';
import { createJobRunner } from '../../src/jobs/jobs.js';
import { parseLine } from '../../src/chat/parse.js';
import { createChannel } from '../../src/channels/create-channel.js';
import { OutboxWorker } from '../../src/outbox/outbox-worker.js';
import { ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN } from '../support/channels.js';
import { META_ERRORS, startFakeGraph } from '../support/fake-graph.js';

const TZ = 'Asia/Kolkata';
let t: TestDatabase;
let dataDir: string;
// Each test gets a database of its own (from the migrated template), so any one can run alone.
beforeEach(async () => {
  t = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-broadcasts-'));
  await sql(t.db, `update system_settings set value = 'true' where key = 'rate_card_broadcast'`);
  await sql(t.db, `delete from market_rates`);
  const rate = (flower: string, slot: string, date: string, value: string) =>
    sql(
      t.db,
      `insert into market_rates (flower_type_id, time_slot_id, rate_per_unit, effective_date)
       select f.id, s.id, ?, ?::date from flower_types f, time_slots s where f.code = ? and s.name = ?`,
      [value, date, flower, slot],
    );
  // Yesterday (10 Mar 2030) and today (11 Mar 2030).
  await rate('FLW001', 'Early Morning', '2030-03-10', '140.00');
  await rate('FLW001', 'Early Morning', '2030-03-11', '150.00');
  await rate('FLW002', 'Early Morning', '2030-03-10', '460.50');
  await rate('FLW002', 'Early Morning', '2030-03-11', '450.00');
  await rate('FLW003', 'Morning Peak', '2030-03-09', '80.00');
  await rate('FLW003', 'Morning Peak', '2030-03-11', '80.00');
  await rate('FLW004', 'Evening', '2030-03-11', '12.00');
  await sql(t.db, `update farmers set language_preference = 'en' where farmer_code = 'FAR001'`);
  await sql(t.db, `update farmers set language_preference = 'ta' where farmer_code = 'FAR002'`);
});
afterEach(async () => {
  await t?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const runner = () =>
  createJobRunner({
    db: t.db,
    config: { ...t.config, dataDir, backupDir: path.join(dataDir, 'backups'), marketTimeZone: TZ },
    logger: pino({ level: 'silent' }),
  });
const sent = (type: string) =>
  sql<{ recipient_phone: string; language: string; text: string | null; payload: Record<string, unknown> }>(
    t.db,
    `select recipient_phone, language, payload->>'text' as text, payload from notifications where type = ? order by recipient_phone`,
    [type],
  );

describe('the rate card', () => {
  it('goes to farmers who have not opted out, in their language, with ▲▼ against yesterday; twice sends nothing twice', async () => {
    // FAR003 said `stop rates`.
    const opt = parseLine('stop rates', { flowers: [], slots: [] });
    expect(opt).toEqual({ ok: true, command: { kind: 'optOut', what: 'rateCard', optOut: true } });
    await sql(
      t.db,
      `insert into farmer_broadcast_preferences (farmer_id, rate_card_opt_out) select id, true from farmers where farmer_code = 'FAR003'`,
    );

    const report = await runner().runNow('rate-card', { date: '2030-03-11' });
    expect(report).toMatchObject({
      period: '2030-03-11',
      outcome: 'ok',
      summary: '2030-03-11: rate card queued for 2 farmers (0 already had it), 4 rates',
    });
    const cards = await sent('rate_card');
    expect(cards.map((c) => [c.recipient_phone, c.language])).toEqual([
      ['+919876543211', 'en'],
      ['+919876543212', 'ta'],
    ]);
    // 150.00 − 140.00 = ▲10.00; 450.00 − 460.50 = ▼10.50; 80.00 both days; lotus had no rate yesterday.
    expect(cards[0]!.text).toBe(
      [
        "🌼 Today's rates, 11 Mar 2030:",
        'Rose: Early Morning ₹150.00 ▲₹10.00',
        'Jasmine: Early Morning ₹450.00 ▼₹10.50',
        'Marigold: Morning Peak ₹80.00 (same)',
        'Lotus: Evening ₹12.00',
        'Reply "stop rates" to stop these messages.',
      ].join('\n'),
    );
    expect(cards[1]!.text!.split('\n').slice(1, 3)).toEqual(['ரோஜா: காலை ₹150.00 ▲₹10.00', 'மல்லிகை: காலை ₹450.00 ▼₹10.50']);

    const again = await runner().runNow('rate-card', { date: '2030-03-11' });
    expect(again?.summary).toBe('2030-03-11: rate card queued for 0 farmers (2 already had it), 4 rates');
    expect(await sent('rate_card')).toHaveLength(2);
  });

  it('stops, with a clear summary, while Meta answers with the messaging-tier error', async () => {
    await sql(
      t.db,
      `insert into farmer_broadcast_preferences (farmer_id, rate_card_opt_out) select id, true from farmers where farmer_code = 'FAR003'`,
    );
    await sql(
      t.db,
      `insert into notifications (recipient_phone, type, language, payload, status, last_error, updated_at)
       values ('+919800000099', 'rate_card', 'ta', '{"text":"x"}', 'failed', 'WhatsApp Cloud API error 131048: (#131048) Spam rate limit hit', now())`,
    );
    try {
      const report = await runner().runNow('rate-card', { date: '2030-03-12' });
      expect(report?.outcome).toBe('stopped');
      expect(report?.summary).toMatch(
        /^stopped: Meta answered 131048 \(messaging limit for the tier\) at .*; 2 farmers not sent the 2030-03-12 rate card\./,
      );
      expect((await sent('rate_card')).filter((c) => c.payload.date === '2030-03-12')).toEqual([]);
      const [row] = await sql<{ outcome: string }>(t.db, `select outcome from job_runs where job = 'rate-card' and period = '2030-03-12'`);
      expect(row!.outcome).toBe('stopped');
    } finally {
      await sql(t.db, `delete from notifications where recipient_phone = '+919800000099'`);
    }
  });

  it("stops the day's remaining cards the moment Meta answers 131048 while the outbox sends them", async () => {
    const report = await runner().runNow('rate-card', { date: '2030-03-11' });
    expect(report).toMatchObject({ outcome: 'ok', summary: '2030-03-11: rate card queued for 3 farmers (0 already had it), 4 rates' });
    const fake = await startFakeGraph();
    try {
      const config = {
        ...t.config,
        whatsapp: {
          ...t.config.whatsapp,
          transport: 'cloud' as const,
          verifyToken: VERIFY_TOKEN,
          appSecret: APP_SECRET,
          accessToken: ACCESS_TOKEN,
          phoneNumberId: PHONE_NUMBER_ID,
          apiBaseUrl: fake.url,
        },
      };
      const logger = pino({ level: 'silent' });
      const channel = (await createChannel(config, { db: t.db, logger }))!;
      // One at a time, so the refusal comes before the other two cards are sent.
      const worker = new OutboxWorker({ db: t.db, logger, channel, batchSize: 1, concurrency: 1, baseBackoffMs: 1, maxBackoffMs: 5, pollMs: 10 });
      fake.script = [{ status: 400, code: 131048 }];
      expect(await worker.runOnce()).toBe(1);
      expect(await worker.runOnce()).toBe(0);
      expect(fake.messages).toHaveLength(1);
      expect(fake.accepted()).toHaveLength(0);
    } finally {
      await fake.close();
    }
    const rows = await sql<{ status: string; last_error: string }>(
      t.db,
      `select status, last_error from notifications where type = 'rate_card' order by last_error`,
    );
    expect(rows.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    // The refused card keeps Meta's words; the two never sent say why, in words.
    expect(rows.filter((r) => r.last_error.includes(META_ERRORS[131048]!.message))).toHaveLength(1);
    expect(rows.filter((r) => r.last_error === 'not sent: the business-initiated daily limit was reached (Meta answered 131048)')).toHaveLength(2);
    const [run] = await sql<{ outcome: string; summary: string }>(
      t.db,
      `select outcome, summary from job_runs where job = 'rate-card' and period = '2030-03-11'`,
    );
    expect(run!.outcome).toBe('stopped');
    expect(run!.summary).toMatch(
      /^stopped: Meta answered 131048 \(messaging limit for the tier\) at .*; 3 farmers not sent the 2030-03-11 rate card\./,
    );
  });

  it('is skipped when rate_card_broadcast is off', async () => {
    await sql(t.db, `update system_settings set value = 'false' where key = 'rate_card_broadcast'`);
    try {
      expect(await runner().runNow('rate-card', { date: '2030-03-13' })).toMatchObject({ outcome: 'skipped', summary: 'rate_card_broadcast is off' });
    } finally {
      await sql(t.db, `update system_settings set value = 'true' where key = 'rate_card_broadcast'`);
    }
  });
});

describe('the day-end summary', () => {
  it("gives the admins the day's figures by hand-checked sums", async () => {
    // 10 kg × ₹450.00 = 4,500.00 (5% 225.00, net 4,275.00); 2.5 kg × ₹400.00 = 1,000.00 (net 950.00);
    // 25 lotus × ₹12.00 = 300.00 (net 285.00). Day: 3 entries, ₹5,800.00, net ₹5,510.00.
    await addEntry(t.db, { farmerCode: 'FAR001', flowerCode: 'FLW002', date: '2030-03-11', quantity: '10.000', rate: '450.00' });
    await addEntry(t.db, { farmerCode: 'FAR002', flowerCode: 'FLW002', date: '2030-03-11', quantity: '2.500', rate: '400.00' });
    await addEntry(t.db, { farmerCode: 'FAR002', flowerCode: 'FLW004', date: '2030-03-11', quantity: '25', rate: '12.00' });
    // Another day's entry does not count.
    await addEntry(t.db, { farmerCode: 'FAR001', flowerCode: 'FLW001', date: '2030-03-10', quantity: '1.000', rate: '100.00' });
    await addAdvance(t.db, { farmerCode: 'FAR003', amount: '3000.00', createdAt: '2030-03-11T04:00:00Z', status: 'pending' });
    // Two messages failed that day (11:30 IST), one the day before.
    for (const [phone, at] of [
      ['+919800000001', '2030-03-11T06:00:00Z'],
      ['+919800000002', '2030-03-11T06:00:00Z'],
      ['+919800000003', '2030-03-10T06:00:00Z'],
    ] as const) {
      await sql(
        t.db,
        `insert into notifications (recipient_phone, type, language, payload, status, last_error, updated_at) values (?, 'chat_reply', 'ta', '{"text":"x"}', 'failed', 'WhatsApp Cloud API error 131026: (#131026) Message Undeliverable.', ?)`,
        [phone, at],
      );
    }
    await sql(
      t.db,
      `insert into job_runs (job, period, trigger, outcome, started_at, finished_at, summary) values ('daily-backup', '2030-03-11', 'schedule', 'ok', '2030-03-10T20:30:00Z', '2030-03-10T20:31:00Z', 'backup malar-20300311.dump (1024 bytes, verified 17 tables)')`,
    );

    const report = await runner().runNow('day-summary', { date: '2030-03-11' });
    expect(report).toMatchObject({ outcome: 'ok', period: '2030-03-11' });
    const [admin] = await sent('day_summary');
    expect(admin!.recipient_phone).toBe('+919876543210');
    expect(admin!.text).toBe(
      [
        '📋 Day-end summary, 11 Mar 2030',
        'Entries: 3, ₹5,800.00 (net to farmers ₹5,510.00)',
        '• Jasmine: 12.5 kg, ₹5,500.00 (2 entries)',
        '• Lotus: 25 pcs, ₹300.00 (1 entry)',
        // Nothing sold to buyers that day: all of it is unsold.
        'Stock (received / sold / unsold):',
        'Jasmine: 12.5 / 0 / 12.5 kg',
        'Lotus: 25 / 0 / 25 pcs',
        'Advances waiting for approval: 1 (₹3,000.00)',
        'Messages that failed today: 2',
        '• 2 × 131026 Not a WhatsApp number, or it cannot receive messages (an old app, or the person has not accepted the new terms).',
        'Ledger checks: all passed',
        'Backup: ok at 2030-03-11 02:00 — backup malar-20300311.dump (1024 bytes, verified 17 tables)',
      ].join('\n'),
    );
    // Asked again: the admins already have it.
    await runner().runNow('day-summary', { date: '2030-03-11' });
    expect(await sent('day_summary')).toHaveLength(1);
    expect(parseLine('சுருக்கம்', { flowers: [], slots: [] })).toEqual({ ok: true, command: { kind: 'summary' } });
  });
});

describe('the monthly statement', () => {
  it("sends last month's one-page PDF to farmers with business that month who have not opted out, once", async () => {
    await addEntry(t.db, { farmerCode: 'FAR001', flowerCode: 'FLW002', date: '2030-03-11', quantity: '10.000', rate: '450.00' });
    await addEntry(t.db, { farmerCode: 'FAR001', flowerCode: 'FLW001', date: '2030-03-10', quantity: '1.000', rate: '100.00' });
    await addEntry(t.db, { farmerCode: 'FAR002', flowerCode: 'FLW002', date: '2030-03-11', quantity: '2.500', rate: '400.00' });
    await addAdvance(t.db, { farmerCode: 'FAR003', amount: '3000.00', createdAt: '2030-03-11T04:00:00Z', status: 'pending' });
    await sql(
      t.db,
      `insert into farmer_broadcast_preferences (farmer_id, monthly_statement_opt_out) select id, true from farmers where farmer_code = 'FAR002'`,
    );
    const report = await runner().runNow('monthly-statements', { date: '2030-04-01' });
    // FAR001 had entries in March; FAR002 opted out; FAR003 had only a pending advance, which still counts.
    expect(report).toMatchObject({
      period: '2030-03',
      outcome: 'ok',
      summary: '2030-03: statements queued for 2 farmers (0 already had theirs, 0 had no business that month)',
    });
    const docs = await sent('monthly_statement');
    expect(docs.map((d) => d.recipient_phone)).toEqual(['+919876543211', '+919876543213']);
    const far001 = docs[0]!.payload as { documentPath: string; caption: string };
    // Jasmine 4,275.00 + rose 95.00, nothing taken off: closing balance 31 Mar 2030 ₹4,370.00.
    expect(far001.caption).toBe('Your statement for March 2030: closing balance ₹4,370.00');
    const text = execFileSync('pdftotext', ['-layout', path.join(dataDir, far001.documentPath), '-'], { encoding: 'utf8' });
    expect(text).toContain('Monthly statement');
    expect(text).toContain('மாத அறிக்கை');
    // Jasmine 10 kg ₹4,500.00, net ₹4,275.00; rose on 10 Mar: 1 kg ₹100.00.
    expect(text).toMatch(/Jasmine\s+1\s+10.000 kg\s+₹4,500.00\s+₹225.00\s+₹4,275.00/);
    expect(text).toMatch(/Rose\s+1\s+1.000 kg\s+₹100.00\s+₹5.00\s+₹95.00/);
    await runner().runNow('monthly-statements', { date: '2030-04-01' });
    expect(await sent('monthly_statement')).toHaveLength(2);
    expect(parseLine('மாத அறிக்கை', { flowers: [], slots: [] })).toEqual({ ok: true, command: { kind: 'monthStatement' } });
    expect(parseLine('stmt month', { flowers: [], slots: [] })).toEqual({ ok: true, command: { kind: 'monthStatement' } });
    expect(parseLine('விலை வேண்டும்', { flowers: [], slots: [] })).toEqual({ ok: true, command: { kind: 'optOut', what: 'rateCard', optOut: false } });
    expect(parseLine('stmt FAR001', { flowers: [], slots: [] })).toEqual({ ok: true, command: { kind: 'statement', farmerCode: 'FAR001' } });
  });

  it('closes the month with the balance at the end of its last day, by the balance rule', async () => {
    const code = await addFarmer(t.db, { language: 'en' });
    const [farmer] = await sql<{ whatsapp_number: string; id: string }>(t.db, `select id, whatsapp_number from farmers where farmer_code = ?`, [
      code,
    ]);
    const [admin] = await sql<{ id: string }>(t.db, `select id from users where role = 'admin' limit 1`);
    // Carried in from October: 2 kg × ₹100.00 = 200.00, 5% 10.00, net 190.00.
    await addEntry(t.db, { farmerCode: code, date: '2026-10-20', quantity: '2.000', rate: '100.00' });
    // November: 10 kg × ₹450.00 = 4,500.00, net 4,275.00; on the 30th 1 kg × ₹200.00, net 190.00; a voided one.
    await addEntry(t.db, { farmerCode: code, date: '2026-11-05', quantity: '10.000', rate: '450.00' });
    await addEntry(t.db, { farmerCode: code, date: '2026-11-30', quantity: '1.000', rate: '200.00' });
    await addEntry(t.db, { farmerCode: code, date: '2026-11-10', quantity: '3.000', rate: '100.00', status: 'voided' });
    await addAdvance(t.db, { farmerCode: code, amount: '1000.00', createdAt: '2026-11-12T05:00:00Z' });
    // A settlement paid on 20 Nov: ₹3,000.00.
    await sql(
      t.db,
      `insert into settlements (settlement_number, farmer_id, period_start, period_end, gross_amount, total_commission, total_fees, total_advances, net_payable, status, paid_at, paid_by_id, payment_reference)
       values ('S-CLOSE-1', ?, '2026-11-02', '2026-11-08', 3200.00, 160.00, 0, 40.00, 3000.00, 'paid', '2026-11-20T06:00:00Z', ?, 'UPI-9')`,
      [farmer!.id, admin!.id],
    );
    // After the month, none of which counts: an entry on 1 Dec (1 kg × ₹1,000.00, net 950.00), an advance at
    // 00:30 IST on 1 Dec (19:00 UTC on 30 Nov), and a settlement dated in November but paid on 1 Dec.
    await addEntry(t.db, { farmerCode: code, date: '2026-12-01', quantity: '1.000', rate: '1000.00' });
    await addAdvance(t.db, { farmerCode: code, amount: '500.00', createdAt: '2026-11-30T19:00:00Z' });
    await sql(
      t.db,
      `insert into settlements (settlement_number, farmer_id, period_start, period_end, gross_amount, total_commission, total_fees, total_advances, net_payable, status, generated_at, paid_at, paid_by_id)
       values ('S-CLOSE-2', ?, '2026-11-09', '2026-11-15', 200.00, 10.00, 0, 0, 190.00, 'paid', '2026-11-16T01:00:00Z', '2026-11-30T18:45:00Z', ?)`,
      [farmer!.id, admin!.id],
    );

    // Adjustments: +150.00 on 25 Nov and −45.50 on 28 Nov count; −200.00 on 1 Dec does not.
    await sql(
      t.db,
      `insert into adjustments (farmer_id, amount, reason, created_by_id, created_at) values
         (?, 150.00, 'short paid W47', ?, '2026-11-25T05:00:00Z'), (?, -45.50, 'crate damage', ?, '2026-11-28T05:00:00Z'),
         (?, -200.00, 'later', ?, '2026-12-01T05:00:00Z')`,
      [farmer!.id, admin!.id, farmer!.id, admin!.id, farmer!.id, admin!.id],
    );
    const adj = await sql<{ no: string }>(t.db, `select adjustment_no::text as no from adjustments where farmer_id = ? order by created_at`, [
      farmer!.id,
    ]);

    await runner().runNow('monthly-statements', { date: '2026-12-01' });
    // 190.00 + 4,275.00 + 190.00 − 1,000.00 − 3,000.00 + 150.00 − 45.50 = 759.50.
    const [doc] = (await sent('monthly_statement')).filter((d) => d.recipient_phone === farmer!.whatsapp_number);
    const payload = doc!.payload as { documentPath: string; caption: string };
    expect(payload.caption).toBe('Your statement for November 2026: closing balance ₹759.50');
    const text = execFileSync('pdftotext', ['-layout', path.join(dataDir, payload.documentPath), '-'], { encoding: 'utf8' });
    expect(text).toMatch(/Closing balance, 30 Nov 2026\s+₹759.50/);
    // (pdftotext reads the rows' decimal point as a space, hence the `.`.)
    expect(text).toMatch(new RegExp(`25-11-2026\\s+J${adj[0]!.no}: short paid W47\\s+\\+ ₹150.00`));
    expect(text).toMatch(new RegExp(`28-11-2026\\s+J${adj[1]!.no}: crate damage\\s+- ₹45.50`));
    expect(text).not.toContain('later');

    // A farmer whose only business in November was an adjustment gets a statement too.
    const only = await addFarmer(t.db, { language: 'en' });
    const [o] = await sql<{ id: string; whatsapp_number: string }>(t.db, `select id, whatsapp_number from farmers where farmer_code = ?`, [only]);
    await sql(
      t.db,
      `insert into adjustments (farmer_id, amount, reason, created_by_id, created_at) values (?, 100.00, 'crate refund', ?, '2026-11-20T05:00:00Z')`,
      [o!.id, admin!.id],
    );
    // Run again (as a catch-up would): the others already had theirs; only the new farmer's is queued.
    await runner().runNow('monthly-statements', { date: '2026-12-01' });
    const [onlyDoc] = (await sent('monthly_statement')).filter((d) => d.recipient_phone === o!.whatsapp_number);
    expect((onlyDoc!.payload as { caption: string }).caption).toBe('Your statement for November 2026: closing balance ₹100.00');
    expect(text).toContain('இறுதி இருப்பு');
    expect(text).not.toContain('Balance today');
  });
});
