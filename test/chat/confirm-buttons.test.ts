// The fat-finger guard's buttons: `சரி / OK` and `வேண்டாம் / Cancel` under a held line; a tap settles exactly that
// line, once, however often it is delivered. Message time 2030-03-02 06:10 IST (Morning Peak); rose 180.35 (helpers.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { rememberMenu } from '../../src/domain/menus/menus.js';
import { createFarmer, createStaff, lastOutboxId, send, setTestRates } from './helpers.js';

let t: TestDatabase;
const STAFF = '+919811000051';
const OTHER_STAFF = '+919811000052';
const AT = new Date('2030-03-02T00:40:00Z');
const later = (m: number) => new Date(AT.getTime() + m * 60_000);

beforeAll(async () => {
  t = await createTestDatabase();
  await setTestRates(t);
  await createStaff(t, STAFF);
  await createStaff(t, OTHER_STAFF);
});
afterAll(async () => {
  await t?.close();
});

const out = (after: string, phone: string) =>
  sql<{ text: string; ids: string[] | null; titles: string[] | null }>(
    t.db,
    `select payload->>'text' as text,
            case when payload->'choices' is not null then jsonb_path_query_array(payload, '$.choices.items[*].id') end as ids,
            case when payload->'choices' is not null then jsonb_path_query_array(payload, '$.choices.items[*].title') end as titles
       from notifications where id > ?::bigint and recipient_phone = ? order by id`,
    [after, phone],
  );
const entries = (farmerId: string) =>
  sql<{ quantity: string; status: string }>(t.db, `select quantity::text, status from daily_entries where farmer_id = ? order by entry_no`, [
    farmerId,
  ]);
const statusOf = async (messageId: string) =>
  await sql<{ id: string; status: string }>(
    t.db,
    `select id::text, status from pending_confirmations where source_message_id = ? order by source_line`,
    [messageId],
  );

describe('confirm buttons', () => {
  it('come under a held line, naming it; a tap on சரி / OK saves exactly it, once, even delivered twice', async () => {
    const f = await createFarmer(t, { language: 'en' });
    const before = await lastOutboxId(t);
    const { message } = await send(t, STAFF, `${f.code} rose 900`);
    const [held] = await statusOf(message.providerMessageId);
    const [reply] = await out(before, STAFF);
    expect(reply!.text).toMatch(/^⚠ Not saved yet: /);
    expect(reply!.ids).toEqual([`ok ${held!.id}`, `no ${held!.id}`]);
    expect(reply!.titles).toEqual(['சரி / OK', 'வேண்டாம் / Cancel']);

    const mid = await lastOutboxId(t);
    const tap = { mediaKind: 'choice' as const, providerMessageId: `wamid.tap-${held!.id}`, receivedAt: later(2) };
    await send(t, STAFF, `ok ${held!.id}`, tap);
    await send(t, STAFF, `ok ${held!.id}`, tap); // the same tap delivered again
    await send(t, STAFF, `ok ${held!.id}`, { mediaKind: 'choice', receivedAt: later(3) }); // tapped again
    expect(await entries(f.id)).toEqual([{ quantity: '900.000', status: 'active' }]);
    expect((await statusOf(message.providerMessageId)).map((s) => s.status)).toEqual(['confirmed']);
    const replies = (await out(mid, STAFF)).map((r) => r.text);
    // 900 × 180.35 = 1,62,315.00; commission 5% 8,115.75; net 1,54,199.25
    expect(replies).toEqual([expect.stringContaining(`${f.code} Rose 900 kg × ₹180.35 = ₹1,62,315.00`), 'Nothing is waiting for your ok.']);
  });

  it('a tap on வேண்டாம் / Cancel drops its line; two lines held by one message share one pair of buttons', async () => {
    const f = await createFarmer(t, { language: 'en' });
    const first = await send(t, OTHER_STAFF, `${f.code} rose 800`);
    const [a] = await statusOf(first.message.providerMessageId);
    await send(t, OTHER_STAFF, `no ${a!.id}`, { mediaKind: 'choice', receivedAt: later(1) });
    expect((await statusOf(first.message.providerMessageId)).map((s) => s.status)).toEqual(['dropped']);
    expect(await entries(f.id)).toEqual([]);

    const before = await lastOutboxId(t);
    const two = await send(t, OTHER_STAFF, `${f.code} rose 801\n${f.code} rose 2\n${f.code} rose 802`, { receivedAt: later(2) });
    const held = await statusOf(two.message.providerMessageId);
    expect(held).toHaveLength(2);
    const [reply] = await out(before, OTHER_STAFF);
    expect(reply!.ids).toEqual([`ok ${held[0]!.id} ${held[1]!.id}`, `no ${held[0]!.id} ${held[1]!.id}`]);
    await send(t, OTHER_STAFF, `ok ${held[0]!.id} ${held[1]!.id}`, { mediaKind: 'choice', receivedAt: later(3) });
    expect((await entries(f.id)).map((e) => e.quantity)).toEqual(['2.000', '801.000', '802.000']);
  });

  it('in a text menu (linked phone, terminal) typing 1 is the same tap', async () => {
    const f = await createFarmer(t, { language: 'en' });
    const { message } = await send(t, STAFF, `${f.code} rose 700`);
    const [held] = await statusOf(message.providerMessageId);
    await rememberMenu(t.db.orm.em.fork(), STAFF, [`ok ${held!.id}`, `no ${held!.id}`]);
    await send(t, STAFF, '1', { receivedAt: later(1) });
    expect(await entries(f.id)).toEqual([{ quantity: '700.000', status: 'active' }]);
  });

  it('a tap after the time ran out saves nothing and says so', async () => {
    const f = await createFarmer(t, { language: 'en' });
    const { message } = await send(t, STAFF, `${f.code} rose 600`);
    const [held] = await statusOf(message.providerMessageId);
    const mid = await lastOutboxId(t);
    await send(t, STAFF, `ok ${held!.id}`, { mediaKind: 'choice', receivedAt: later(30) });
    expect(await entries(f.id)).toEqual([]);
    expect((await statusOf(message.providerMessageId)).map((s) => s.status)).toEqual(['expired']);
    expect((await out(mid, STAFF))[0]!.text).toMatch(/^✗ Not saved: .* no ok within 10 minutes/);
  });
});
