// The whole way through with the real chat pipeline: a signed Cloud API webhook from staff → the entry,
// the staff reply and the farmer receipt arrive at the (fake) Graph API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startService, type RunningService } from '../../src/service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { shownText, startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { sql } from '../support/sql.js';
import { cloudTestConfig, eventually, fixture, postStaffEntry, sign } from '../support/channels.js';
import { settlePeriod } from '../../src/domain/settlements/settlement.service.js';
import { periodContaining } from '../../src/domain/settlements/period.js';
import { localDate } from '../../src/domain/market-time.js';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

let t: TestDatabase;
let fake: FakeGraph;
let service: RunningService;

beforeAll(async () => {
  t = await createTestDatabase();
  fake = await startFakeGraph();
  const config = cloudTestConfig(t, fake.url);
  service = await startService(config, createLogger({ logLevel: 'silent' }), { outbox: { pollMs: 20 } });
});
afterAll(async () => {
  await service?.stop();
  await fake?.close();
  await t?.close();
});

let seq = 0;
/** A signed text message from `from` (digits, as Meta sends them), through the real HTTP server. */
async function send(from: string, text: string) {
  const id = `wamid.E2E-${from}-${++seq}`;
  const body = fixture('text-message.json', { now: true })
    .replace(/wamid\.HBgMOTE5ODc2NTQzMjExFQIAEhgg[A-Za-z0-9]+/, id)
    .replaceAll('919876543211', from)
    .replace('FAR001 malli 12.5', text);
  const res = await fetch(`http://127.0.0.1:${service.port}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
    body,
  });
  expect(res.status).toBe(200);
  return id;
}

describe('a staff message over the Cloud API', () => {
  it('becomes an entry, a reply to staff and a receipt to the farmer', async () => {
    // A rate given with @ keeps the figures independent of the slot the clock is in:
    // 10 kg × ₹200.00 = ₹2,000.00; 5% commission ₹100.00; the farmer's net ₹1,900.00.
    const res = await postStaffEntry(service.port, 'wamid.E2E-STAFF-0001');
    expect(res.status).toBe(200);

    await eventually(() => fake.accepted().length >= 2, 'the reply and the receipt');
    // FAR002 has not written in 24 hours, so Meta only accepts a template: the receipt is its parameter.
    const byRecipient = Object.fromEntries(fake.accepted().map((m) => [m.body.to, shownText(m)]));
    const types = Object.fromEntries(fake.accepted().map((m) => [m.body.to, m.body.type]));
    // Staff wrote just now: their reply carries the undo button for the one entry saved.
    expect(types).toEqual({ '919876543211': 'interactive', '919876543212': 'template' });
    const staffReply = fake.accepted().find((m) => m.body.to === '919876543211')!;
    expect(staffReply.body.interactive).toMatchObject({
      type: 'button',
      action: { buttons: [{ type: 'reply', reply: { title: expect.stringMatching(/^ரத்து #\d+$/) } }] },
    });
    expect(Object.keys(byRecipient).sort()).toEqual(['919876543211', '919876543212']);
    expect(byRecipient['919876543211']).toContain('₹2,000.00');
    expect(byRecipient['919876543212']).toContain('₹1,900.00');
    expect(byRecipient['919876543212']).toMatch(/[\u0B80-\u0BFF]/); // FAR002 reads Tamil

    const entries = await sql(
      t.db,
      `select quantity, rate_per_unit, total_amount, commission_amount, net_amount, source_message_id
      from daily_entries d join farmers f on f.id = d.farmer_id where f.farmer_code = 'FAR002'`,
    );
    expect(entries).toEqual([
      {
        quantity: '10.000',
        rate_per_unit: '200.00',
        total_amount: '2000.00',
        commission_amount: '100.00',
        net_amount: '1900.00',
        source_message_id: 'wamid.E2E-STAFF-0001',
      },
    ]);
    const [farmer] = await sql(t.db, `select current_balance from farmers where farmer_code = 'FAR002'`);
    expect(farmer).toEqual({ current_balance: '1900.00' });
  });
});

describe('statements and payments over the Cloud API', () => {
  it('a farmer asks for a statement and gets the PDF; staff mark the settlement paid and the farmer is told', async () => {
    // Staff log 4 kg of rose at ₹250.00 for FAR003: ₹1,000.00, commission ₹50.00, net ₹950.00.
    await send('919876543211', 'FAR003 rose 4 @250');
    await eventually(
      async () => (await sql(t.db, `select 1 from daily_entries d join farmers f on f.id = d.farmer_id where f.farmer_code = 'FAR003'`)).length === 1,
      'the entry',
    );
    // This week's settlement (the period is still open, as an operator may choose).
    const today = localDate(new Date(), 'Asia/Kolkata');
    const result = await settlePeriod(t.db.orm, {
      period: periodContaining('weekly', today),
      timeZone: 'Asia/Kolkata',
      farmerCodes: ['FAR003'],
      allowOpenPeriod: true,
      sendStatements: false,
    });
    expect(result.settled.map((r) => r.netPayable)).toEqual(['950.00']);

    const uploadsBefore = fake.uploads.length;
    await send('919876543213', 'அறிக்கை');
    await eventually(() => fake.uploads.length > uploadsBefore, 'the statement upload');
    const upload = fake.uploads.at(-1)!;
    expect(upload.mimeType).toBe('application/pdf');
    expect(upload.filename).toMatch(/FAR003/);
    const pdf = await getDocument({ data: new Uint8Array(upload.bytes) }).promise;
    const page = await pdf.getPage(1);
    const text = (await page.getTextContent()).items.map((i) => ('str' in i ? i.str : '')).join(' ');
    expect(text).toContain('950.00');
    await eventually(() => fake.accepted().some((m) => m.body.to === '919876543213' && m.body.type === 'document'), 'the document message');
    const [stamped] = await sql<{ sent_at: Date | null }>(t.db, `select sent_at from settlements where settlement_number like 'S-%-FAR003'`);
    expect(stamped!.sent_at).not.toBeNull();

    await send('919876543211', 'paid FAR003 UPI-777');
    await eventually(
      async () => (await sql(t.db, `select 1 from settlements where status = 'paid' and payment_reference = 'UPI-777'`)).length === 1,
      'the payment',
    );
    const [farmer] = await sql(t.db, `select current_balance, total_settlements from farmers where farmer_code = 'FAR003'`);
    // 950.00 earned − 950.00 paid out.
    expect(farmer).toEqual({ current_balance: '0.00', total_settlements: '950.00' });
    await eventually(
      () => fake.accepted().some((m) => m.body.to === '919876543213' && m.body.type === 'text' && m.body.text!.body.includes('UPI-777')),
      'the payment confirmation to the farmer',
    );
  });
});
