// The conversation beyond typed commands, through the real pipeline and database: the farmer's list, taps,
// numbered menus (terminal and linked phone), reactions, the one "please send text" per few minutes, number
// changes and the undo button.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleChannel } from '../../src/channels/console/console-channel.js';
import { deliverPending, highestNotificationId } from '../../src/channels/console/console-delivery.js';
import { WebjsChannel } from '../../src/channels/webjs/webjs-channel.js';
import { createLogger } from '../../src/logger.js';
import { rememberMenu } from '../../src/domain/menus/menus.js';
import { ledgerDocumentResolver } from '../../src/outbox/documents.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { StandInClient } from '../support/webjs-stand-in.js';
import { createFarmer, createStaff, lastOutboxId, send, setTestRates } from './helpers.js';

let t: TestDatabase;
const ADMIN = '+919876543210';
const STAFF = '+919800000101';
const STRANGER = '+919800000199';

beforeAll(async () => {
  t = await createTestDatabase();
  await setTestRates(t);
  await createStaff(t, STAFF);
});
afterAll(async () => {
  await t?.close();
});

interface Out {
  id: string;
  recipient_phone: string;
  type: string;
  language: string;
  text: string;
  ids: string[] | null;
}
const outSince = (after: string) =>
  sql<Out>(
    t.db,
    `select id::text, recipient_phone, type, language, payload->>'text' as text,
            case when payload->'choices' is not null then jsonb_path_query_array(payload, '$.choices.items[*].id') end as ids
       from notifications where id > ?::bigint order by notifications.id`,
    [after],
  );
const outcomeOf = async (id: string) => (await sql<{ outcome: string }>(t.db, 'select outcome from inbound_messages where id = ?', [id]))[0]!.outcome;
const count = async (table: string, where: string, params: unknown[] = []) =>
  Number((await sql<{ n: string }>(t.db, `select count(*)::text as n from ${table} where ${where}`, params))[0]!.n);

const FARMER_LIST_TA = ['bal', 'rates', 'today', 'stmt', 'lang en'];

describe("a farmer's help", () => {
  it('`help` and `உதவி` come as the list to tap, in Tamil; unrecognised text too, after its ✗ line', async () => {
    const f = await createFarmer(t);
    const before = await lastOutboxId(t);
    await send(t, f.phone, 'help');
    await send(t, f.phone, 'உதவி');
    await send(t, f.phone, 'enna vilai');
    const out = await outSince(before);
    expect(out.map((o) => [o.recipient_phone, o.ids])).toEqual([
      [f.phone, FARMER_LIST_TA],
      [f.phone, FARMER_LIST_TA],
      [f.phone, FARMER_LIST_TA],
    ]);
    expect(out[0]!.text).toBe('வணக்கம்! பட்டியலிலிருந்து தேர்ந்தெடுங்கள், அல்லது கட்டளையை எழுதுங்கள் (இருப்பு, விலை, இன்று, அறிக்கை).');
    expect(out[2]!.text).toBe('✗ “enna” புரியவில்லை. கட்டளைகளுக்கு உதவி என்று அனுப்புங்கள்.');
  });

  it('staff keep their text help, without a list', async () => {
    const before = await lastOutboxId(t);
    await send(t, STAFF, 'help');
    const [reply] = await outSince(before);
    expect(reply!.ids).toBeNull();
    expect(reply!.text).toContain('FAR001 malli 12.5');
  });
});

describe('a tap', () => {
  it("a list row's id runs its command: `today` answers with the farmer's flowers of the day", async () => {
    const f = await createFarmer(t, { language: 'en' });
    const before = await lastOutboxId(t);
    const { id } = await send(t, f.phone, 'today', { mediaKind: 'choice' });
    const [reply] = await outSince(before);
    expect(reply!.text).toBe('No entries yet today (2 Mar 2030).');
    expect(await outcomeOf(id)).toBe('done');
  });

  it('a template quick reply payload `bal` gives the balance', async () => {
    const f = await createFarmer(t, { language: 'en' });
    const before = await lastOutboxId(t);
    await send(t, f.phone, 'bal', { mediaKind: 'choice' });
    const [reply] = await outSince(before);
    expect(reply!.text).toBe(`Farmer ${f.code.slice(3)} (${f.code})\nBalance: ₹0.00\nAdvances taken: ₹0.00 · Settled and paid: ₹0.00`);
  });
});

describe('numbered menus', () => {
  it('in the terminal: the list is printed as numbers, and typing a number runs that row', async () => {
    const f = await createFarmer(t, { language: 'en' });
    const output = new PassThrough();
    let printed = '';
    output.on('data', (c: Buffer) => (printed += c.toString('utf8')));
    const channel = new ConsoleChannel({
      input: new PassThrough(),
      output,
      from: f.phone,
      documentsDir: '/nonexistent',
      rememberMenu: (phone, commands) => rememberMenu(t.db.orm.em.fork(), phone, commands),
    });
    const hooks = { resolveDocument: ledgerDocumentResolver({ orm: t.db.orm, dataDir: '/nonexistent', timeZone: 'Asia/Kolkata' }) };
    let mark = await highestNotificationId(t.db.orm.em.fork());
    await send(t, f.phone, 'help');
    mark = await deliverPending(t.db.orm.em.fork(), channel, mark, hooks);
    expect(printed).toContain("    1 · My balance — What the agent owes you now\n    2 · Today's rates — Rate of each flower today\n");
    expect(printed).toContain('    5 · தமிழில் பதில் — Reply in Tamil\n');

    const before = await lastOutboxId(t);
    await send(t, f.phone, '2');
    await send(t, f.phone, '9');
    await send(t, f.phone, '5');
    const out = await outSince(before);
    expect(out[0]!.text).toContain('Jasmine: Early Morning ₹422.50 · Morning Peak ₹412.50');
    expect(out[1]!.text).toBe('There is no choice 9. Choose 1 to 5:');
    expect(out[1]!.ids).toEqual(['bal', 'rates', 'today', 'stmt', 'lang ta']);
    expect(out[2]!.text).toBe('✓ இனி தமிழில் பதில் அனுப்புகிறேன்.');
  });

  it('a bare number with no menu shown is read as typed text (a farmer gets the list)', async () => {
    const f = await createFarmer(t);
    const before = await lastOutboxId(t);
    await send(t, f.phone, '2');
    const [reply] = await outSince(before);
    expect(reply!.ids).toEqual(FARMER_LIST_TA);
  });

  it('on the linked phone: the list goes as a numbered text menu, remembered in PostgreSQL', async () => {
    const client = new StandInClient();
    const channel = new WebjsChannel({
      logger: createLogger({ logLevel: 'silent' }),
      createClient: () => client,
      createMedia: (mimetype, data, filename) => ({ mimetype, data, filename }),
      showQr: () => {},
      refuse: async () => {},
      rememberMenu: (phone, commands) => rememberMenu(t.db.orm.em.fork(), phone, commands),
    });
    await channel.start(async () => {});
    client.emit('ready');
    await channel.sendText({
      to: '+919876543212',
      text: 'வணக்கம்!',
      choices: {
        style: 'list',
        button: 'பட்டியல்',
        numberHint: 'எண்ணை அனுப்புங்கள்.',
        items: [
          { id: 'bal', title: 'என் இருப்பு' },
          { id: 'stmt', title: 'கணக்கு அறிக்கை' },
        ],
      },
    });
    expect(client.sent[0]!.content).toBe('வணக்கம்!\n\n1 · என் இருப்பு\n2 · கணக்கு அறிக்கை\n\nஎண்ணை அனுப்புங்கள்.');
    const [menu] = await sql<{ commands: string[] }>(t.db, `select commands from chat_menus where phone = '+919876543212'`);
    expect(menu!.commands).toEqual(['bal', 'stmt']);
    await channel.stop();
  });
});

describe('reactions', () => {
  it('a 👍 from a farmer, staff or a stranger is stored and answered with nothing', async () => {
    const f = await createFarmer(t);
    const before = await lastOutboxId(t);
    const sent = [];
    for (const phone of [f.phone, STAFF, STRANGER]) sent.push(await send(t, phone, '👍', { mediaKind: 'reaction' }));
    expect(await outSince(before)).toEqual([]);
    for (const s of sent) expect(await outcomeOf(s.id)).toBe('reaction');
    expect(await count('security_logs', `action = 'chat.unknown_sender' and actor_phone = ?`, [STRANGER])).toBe(0);
  });
});

describe('shapes we cannot read', () => {
  it('a burst of location, contact card and photo gets one short answer with the list; staff get theirs', async () => {
    const f = await createFarmer(t);
    const before = await lastOutboxId(t);
    const outcomes = [];
    for (const kind of ['location', 'contacts', 'image', 'order'] as const) outcomes.push((await send(t, f.phone, null, { mediaKind: kind })).id);
    await send(t, STAFF, null, { mediaKind: 'unknown' });
    await send(t, STAFF, null, { mediaKind: 'location' });
    const out = await outSince(before);
    expect(out.map((o) => [o.recipient_phone, o.type, o.ids])).toEqual([
      [f.phone, 'please_send_text', FARMER_LIST_TA],
      [STAFF, 'please_send_text', null],
    ]);
    expect(await Promise.all(outcomes.map(outcomeOf))).toEqual(['non_text', 'non_text_quiet', 'non_text_quiet', 'non_text_quiet']);
  });
});

describe('a changed WhatsApp number', () => {
  it('moves the farmer, writes the audit row, tells the farmer at the new number and the admin; the next receipt goes there', async () => {
    const f = await createFarmer(t);
    const newPhone = '+919811100001';
    const before = await lastOutboxId(t);
    const { id } = await send(t, f.phone, newPhone, { mediaKind: 'number_changed' });
    expect(await outcomeOf(id)).toBe('number_changed');
    const [row] = await sql<{ whatsapp_number: string; phone: string }>(t.db, 'select whatsapp_number, phone from farmers where id = ?', [f.id]);
    expect(row).toEqual({ whatsapp_number: newPhone, phone: f.phone });
    const [audit] = await sql<{ actor_phone: string; details: { from: string; to: string; people: { kind: string; label: string }[] } }>(
      t.db,
      `select actor_phone, details from security_logs where action = 'identity.number_changed' and entity_id = ?`,
      [id],
    );
    expect(audit!.actor_phone).toBe(f.phone);
    expect(audit!.details).toMatchObject({ from: f.phone, to: newPhone, people: [{ kind: 'farmer', label: f.code }] });
    const out = await outSince(before);
    expect(out.map((o) => [o.recipient_phone, o.language, o.text])).toEqual([
      [newPhone, 'ta', `✓ மலர் பூ சந்தை உடன் உங்கள் வாட்ஸ்அப் எண் இப்போது ${newPhone}. ரசீதுகளும் அறிக்கைகளும் இனி இங்கே வரும்.`],
      [ADMIN, 'en', `📱 Farmer ${f.code.slice(3)} (${f.code}) changed WhatsApp number: ${f.phone} → ${newPhone}. Moved in the ledger.`],
    ]);

    // 2 kg × ₹400.00 = ₹800.00 for the farmer: the receipt goes to the new number only.
    const mark = await lastOutboxId(t);
    await send(t, STAFF, `${f.code} malli 2 @400`);
    const receipts = (await outSince(mark)).filter((o) => o.type === 'receipt');
    expect(receipts.map((r) => r.recipient_phone)).toEqual([newPhone]);
    expect(receipts[0]!.text).toContain('₹800.00');
    // And the new number is recognised as the farmer.
    const ask = await lastOutboxId(t);
    await send(t, newPhone, 'bal');
    expect((await outSince(ask))[0]!.text).toContain(`(${f.code})`);
  });

  it('to a number that belongs to someone else: nothing moves, and the admin is asked to decide', async () => {
    const a = await createFarmer(t);
    const b = await createFarmer(t);
    const before = await lastOutboxId(t);
    const { id } = await send(t, a.phone, b.phone, { mediaKind: 'number_changed' });
    expect(await outcomeOf(id)).toBe('number_change_clash');
    const rows = await sql<{ id: string; whatsapp_number: string }>(
      t.db,
      'select id::text, whatsapp_number from farmers where id in (?, ?) order by whatsapp_number',
      [a.id, b.id],
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.whatsapp_number]))).toEqual({ [a.id]: a.phone, [b.id]: b.phone });
    expect(await count('security_logs', `action = 'identity.number_change_refused' and entity_id = ?`, [id])).toBe(1);
    expect(await count('security_logs', `action = 'identity.number_changed' and entity_id = ?`, [id])).toBe(0);
    const out = await outSince(before);
    expect(out.map((o) => o.recipient_phone)).toEqual([ADMIN]);
    expect(out[0]!.text).toBe(
      `⚠ Farmer ${a.code.slice(3)} (${a.code}) says their WhatsApp number changed from ${a.phone} to ${b.phone}, but ${b.phone} already belongs to Farmer ${b.code.slice(3)} (${b.code}). Nothing was changed: please check and correct it in the office.`,
    );
  });

  it("moves a buyer's phone; the buyer is then known at the new number", async () => {
    // B003 is a sample buyer of the test market (+919876543223).
    const newPhone = '+919811100223';
    const { id } = await send(t, '+919876543223', newPhone, { mediaKind: 'number_changed' });
    expect(await outcomeOf(id)).toBe('number_changed');
    expect((await sql<{ phone: string }>(t.db, `select phone from buyers where buyer_code = 'B003'`))[0]!.phone).toBe(newPhone);
    const [audit] = await sql<{ details: { people: { kind: string; label: string }[] } }>(
      t.db,
      `select details from security_logs where action = 'identity.number_changed' and entity_id = ?`,
      [id],
    );
    expect(audit!.details.people).toMatchObject([{ kind: 'buyer', label: 'B003' }]);
    const ask = await lastOutboxId(t);
    await send(t, newPhone, 'bal');
    expect((await outSince(ask)).map((o) => o.recipient_phone)).toEqual([newPhone]);
    expect((await outSince(ask))[0]!.text).toContain('B003');
  });

  it("moves a staff member's phone too; an unknown number's change is ignored", async () => {
    const staff = await createStaff(t, '+919800000150');
    await send(t, staff.phone, '+919811100150', { mediaKind: 'number_changed' });
    expect((await sql<{ phone: string }>(t.db, 'select phone from users where id = ?', [staff.id]))[0]!.phone).toBe('+919811100150');
    const before = await lastOutboxId(t);
    const { id } = await send(t, STRANGER, '+919811100199', { mediaKind: 'number_changed' });
    expect(await outcomeOf(id)).toBe('ignored');
    expect(await outSince(before)).toEqual([]);
  });
});

describe('the undo button', () => {
  for (const plainInBulk of [true, false]) {
    it(`comes with a one-entry reply and voids exactly that entry, once (${plainInBulk ? 'bulk' : 'one-by-one'} path)`, async () => {
      const f = await createFarmer(t);
      const before = await lastOutboxId(t);
      await send(t, STAFF, `${f.code} malli 2 @400`, {}, { plainInBulk });
      const [reply] = (await outSince(before)).filter((o) => o.recipient_phone === STAFF);
      const no = reply!.text.match(/#(\d+)/)![1]!;
      expect(reply!.ids).toEqual([`void ${no} undo`]);
      // A second entry after it: a late tap must still cancel #no, not the newest.
      await send(t, STAFF, `${f.code} malli 3 @400`, {}, { plainInBulk });
      const tap = { mediaKind: 'choice' as const, providerMessageId: `wamid.undo-${no}` };
      await send(t, STAFF, `void ${no} undo`, tap);
      await send(t, STAFF, `void ${no} undo`, tap); // the same tap delivered twice
      await send(t, STAFF, `void ${no} undo`, { mediaKind: 'choice' }); // tapped again
      const states = await sql<{ entry_no: string; status: string }>(
        t.db,
        `select d.entry_no::text, d.status from daily_entries d where d.farmer_id = ? order by d.entry_no`,
        [f.id],
      );
      expect(states.map((s) => s.status)).toEqual(['voided', 'active']);
      const replies = (await outSince(before)).filter((o) => o.recipient_phone === STAFF).map((o) => o.text);
      expect(replies.slice(2)).toEqual([expect.stringMatching(new RegExp(`^✓ Entry #${no} `)), `✗ Entry #${no} is already cancelled.`]);
    });
  }

  it('a message with several entries gets no button', async () => {
    const f = await createFarmer(t);
    const before = await lastOutboxId(t);
    await send(t, STAFF, `${f.code} malli 2 @400\n${f.code} malli 1 @400`);
    const [reply] = (await outSince(before)).filter((o) => o.recipient_phone === STAFF);
    expect(reply!.ids).toBeNull();
  });
});
