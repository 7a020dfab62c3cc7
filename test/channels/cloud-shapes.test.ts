// Every documented webhook shape, signed, through the real service (webhook → inbox → pipeline → outbox → fake
// Graph API), from a farmer, a staff member and an unknown number: the expected answer, or silence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startService, type RunningService } from '../../src/service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { sql } from '../support/sql.js';
import { cloudTestConfig, eventually, fixture, sign } from '../support/channels.js';
import { createFarmer, createStaff } from '../chat/helpers.js';

let t: TestDatabase;
let fake: FakeGraph;
let service: RunningService;
const ADMIN = '+919876543210';

beforeAll(async () => {
  t = await createTestDatabase();
  fake = await startFakeGraph();
  service = await startService(cloudTestConfig(t, fake.url), createLogger({ logLevel: 'silent' }), { outbox: { pollMs: 20 } });
});
afterAll(async () => {
  await service?.stop();
  await fake?.close();
  await t?.close();
});

let seq = 0;
let people = 0;
const digits = (phone: string) => phone.slice(1);

/** Posts a committed fixture as if `from` sent it (a fresh message id, today's time); returns the message id. */
async function deliver(name: string, from: string, replace: [string, string][] = []) {
  let body = fixture(name, { now: true }).replaceAll('919876543212', digits(from));
  const id = `wamid.SHAPES-${++seq}`;
  body = body.replace(/"id": "wamid\.SHAPE-[A-Z-]+-\d+"/, `"id": "${id}"`);
  for (const [a, b] of replace) body = body.replaceAll(a, b);
  const res = await fetch(`http://127.0.0.1:${service.port}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
    body,
  });
  expect(res.status).toBe(200);
  return id;
}

const outcome = (providerId: string) =>
  eventually(
    async () =>
      (await sql<{ outcome: string | null }>(t.db, 'select outcome from inbound_messages where provider_message_id = ?', [providerId]))[0]?.outcome,
    providerId,
  );

/** What the outbox holds for these phones (the pipeline writes it in the message's own transaction). */
const queuedFor = (...phones: string[]) =>
  sql<{ recipient_phone: string; type: string; text: string }>(
    t.db,
    `select recipient_phone, type, payload->>'text' as text from notifications where recipient_phone in (${phones.map(() => '?').join(', ')}) order by id`,
    phones,
  );

/** A farmer, a staff member and an unknown number of their own, so no test depends on another's rows. */
async function cast() {
  const n = ++people;
  const farmer = await createFarmer(t, { language: 'en' });
  const staff = await createStaff(t, `+9198000031${String(n).padStart(2, '0')}`);
  return { farmer, staff, stranger: `+9198000039${String(n).padStart(2, '0')}` };
}

describe('reactions', () => {
  for (const name of ['reaction.json', 'reaction-removed.json']) {
    it(`${name}: silence for a farmer, staff and an unknown number`, async () => {
      const { farmer, staff, stranger } = await cast();
      for (const from of [farmer.phone, staff.phone, stranger]) expect(await outcome(await deliver(name, from))).toBe('reaction');
      expect(await queuedFor(farmer.phone, staff.phone, stranger)).toEqual([]);
    });
  }
});

describe('taps', () => {
  for (const [name, command] of [
    ['interactive-button-reply.json', 'bal'],
    ['interactive-list-reply.json', 'rates'],
    ['button.json', 'bal'],
  ] as const) {
    it(`${name} runs \`${command}\` for a farmer and staff; an unknown number gets the not-registered notice`, async () => {
      const { farmer, staff, stranger } = await cast();
      for (const from of [farmer.phone, staff.phone, stranger]) await outcome(await deliver(name, from));
      const out = await queuedFor(farmer.phone, staff.phone, stranger);
      const byPhone = Object.fromEntries(out.map((o) => [o.recipient_phone, o.text]));
      if (command === 'bal') {
        expect(byPhone[farmer.phone]).toBe(
          `Farmer ${farmer.code.slice(3)} (${farmer.code})\nBalance: ₹0.00\nAdvances taken: ₹0.00 · Settled and paid: ₹0.00`,
        );
        expect(byPhone[staff.phone]).toBe('✗ Which farmer? Example: bal FAR001');
      } else {
        expect(byPhone[farmer.phone]).toMatch(/^(Rates for|No rates are set for)/);
        expect(byPhone[staff.phone]).toMatch(/^(Rates for|No rates are set for)/);
      }
      expect(byPhone[stranger]).toMatch(/^Vanakkam! This number is not registered/);
      expect(out).toHaveLength(3);
    });
  }
});

describe('shapes we cannot read', () => {
  for (const name of ['location.json', 'contacts.json', 'order.json', 'unsupported.json']) {
    it(`${name}: one "please send text" (a farmer's with the list, sent as a list), staff's as text; the not-registered notice`, async () => {
      const { farmer, staff, stranger } = await cast();
      for (const from of [farmer.phone, staff.phone, stranger]) expect(await outcome(await deliver(name, from))).not.toBeNull();
      // A second one straight after: no second answer.
      expect(await outcome(await deliver(name, farmer.phone))).toBe('non_text_quiet');
      const out = await queuedFor(farmer.phone, staff.phone, stranger);
      expect(out.map((o) => [o.recipient_phone, o.type])).toEqual([
        [farmer.phone, 'please_send_text'],
        [staff.phone, 'please_send_text'],
        [stranger, 'notice'],
      ]);
      // The farmer wrote just now (the 24-hour window is open): the list goes as Meta's interactive list.
      const sent = await eventually(() => fake.accepted().find((m) => m.body.to === digits(farmer.phone)), 'the farmer list at the Graph API');
      const body = sent.body as unknown as { type: string; interactive: { type: string; action: { sections: { rows: { id: string }[] }[] } } };
      expect(body.type).toBe('interactive');
      expect(body.interactive.type).toBe('list');
      expect(body.interactive.action.sections[0]!.rows.map((r) => r.id)).toEqual(['bal', 'rates', 'today', 'stmt', 'lang ta']);
      const staffSent = await eventually(() => fake.accepted().find((m) => m.body.to === digits(staff.phone)), 'the staff answer');
      expect(staffSent.body).toMatchObject({ type: 'text', text: { body: 'I can read only text. Please type the entry or command.' } });
    });
  }
});

describe('system: user_changed_number', () => {
  it('moves a farmer and a staff member (confirmation at the new number, the admin told); an unknown number: silence', async () => {
    const { farmer, staff, stranger } = await cast();
    const moves = [
      [farmer.phone, `+9198111${farmer.phone.slice(-5)}`],
      [staff.phone, `+9198112${staff.phone.slice(-5)}`],
      [stranger, `+9198113${stranger.slice(-5)}`],
    ] as const;
    for (const [from, to] of moves) await outcome(await deliver('system-user-changed-number.json', from, [['919800000212', digits(to)]]));
    const numbers = await sql<{ n: string }>(
      t.db,
      'select whatsapp_number as n from farmers where id = ? union all select phone from users where id = ?',
      [farmer.id, staff.id],
    );
    expect(numbers.map((r) => r.n)).toEqual([moves[0][1], moves[1][1]]);
    const confirmations = await queuedFor(moves[0][1], moves[1][1], moves[2][1], farmer.phone, staff.phone, stranger);
    expect(confirmations.map((c) => c.recipient_phone)).toEqual([moves[0][1], moves[1][1]]);
    expect(confirmations[0]!.text).toBe(
      `✓ Your WhatsApp number for Malar Flower Market is now ${moves[0][1]}. Receipts and statements will come here.`,
    );
    const admin = (await queuedFor(ADMIN)).map((a) => a.text).filter((x) => x.includes('changed WhatsApp number'));
    expect(admin.filter((x) => x.includes(farmer.code) || x.includes(staff.phone))).toHaveLength(2);
    expect(admin.some((x) => x.includes(stranger))).toBe(false);
  });
});

describe('nothing to answer', () => {
  it('value-level errors and a status for a message we do not know: 200, nothing stored, silence', async () => {
    const before = (await sql<{ n: string }>(t.db, 'select count(*)::text as n from notifications'))[0]!.n;
    for (const name of ['errors.json', 'status-unknown-message.json']) {
      const body = fixture(name, { now: true });
      const res = await fetch(`http://127.0.0.1:${service.port}/webhooks/whatsapp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
        body,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok', stored: 0 });
    }
    expect((await sql<{ n: string }>(t.db, 'select count(*)::text as n from notifications'))[0]!.n).toBe(before);
  });
});

describe('choices outside the 24-hour window', () => {
  it('go as the template with a numbered menu, remembered so that a numeric reply works', async () => {
    const farmer = await createFarmer(t); // never wrote: the window is closed
    await sql(
      t.db,
      `insert into notifications (recipient_phone, type, language, payload, farmer_id, status, attempts, next_attempt_at)
       values (?, 'reply', 'ta', ?::jsonb, ?, 'pending', 0, now())`,
      [
        farmer.phone,
        JSON.stringify({
          text: 'வணக்கம்!',
          choices: {
            style: 'list',
            button: 'பட்டியல்',
            numberHint: 'எண்ணை அனுப்புங்கள்.',
            items: [
              { id: 'bal', title: 'என் இருப்பு' },
              { id: 'rates', title: 'இன்றைய விலை' },
            ],
          },
        }),
        farmer.id,
      ],
    );
    const sent = await eventually(() => fake.accepted().find((m) => m.body.to === digits(farmer.phone)), 'the template');
    expect(sent.body.type).toBe('template');
    // Line breaks become " · " in a template parameter.
    expect(JSON.stringify(sent.body.template!.components)).toContain('வணக்கம்! · 1 · என் இருப்பு · 2 · இன்றைய விலை · எண்ணை அனுப்புங்கள்.');
    const [menu] = await sql<{ commands: string[] }>(t.db, 'select commands from chat_menus where phone = ?', [farmer.phone]);
    expect(menu!.commands).toEqual(['bal', 'rates']);
  });
});
