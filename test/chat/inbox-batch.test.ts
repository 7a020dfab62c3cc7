// Several stored messages in one transaction (processInboundBatch) and the inbox processor's batches and lanes:
// each message stands alone (a failing one is rolled back by itself), one sender's messages keep their order,
// and processing the same messages again changes nothing.
// Message time 2030-03-02 06:10 IST (Morning Peak); rates: rose 180.35, jasmine (malli) 412.50 (helpers.ts); no fees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processInboundBatch, processInboundMessage } from '../../src/chat/pipeline.js';
import type { StatementsPort } from '../../src/chat/dispatch.js';
import { inboundSenders, storeInbound, storeInboundMany } from '../../src/domain/inbox/inbound.js';
import { InboxProcessor } from '../../src/inbox/inbox-processor.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { chatDeps, createFarmer, createStaff, inbound, lastOutboxId, outboxSince, setSetting, setTestRates } from './helpers.js';

let t: TestDatabase;
const quiet = createLogger({ logLevel: 'silent' });

beforeAll(async () => {
  t = await createTestDatabase();
  await setTestRates(t);
  await setSetting(t, 'fee_per_entry', '0');
  await setSetting(t, 'fee_per_unit', '0');
});
afterAll(async () => {
  await t?.close();
});

const store = async (from: string, text: string) => (await storeInbound(t.db.orm.em.fork(), inbound(from, text))).id;
const balanceOf = async (farmerId: string) =>
  (await sql<{ b: string }>(t.db, `select current_balance::text as b from farmers where id = ?`, [farmerId]))[0]!.b;
const outcomes = async (ids: string[]) =>
  (
    await sql<{ id: string; outcome: string | null }>(
      t.db,
      `select id::text, outcome from inbound_messages where id in (${ids.map(() => '?').join(',')}) order by inbound_messages.id`,
      ids,
    )
  ).map((r) => r.outcome);
const entriesOf = async (farmerId: string) =>
  sql<{ flower: string; status: string; net: string }>(
    t.db,
    `select ft.code as flower, e.status, e.net_amount::text as net from daily_entries e join flower_types ft on ft.id = e.flower_type_id
      where e.farmer_id = ? order by e.entry_no`,
    [farmerId],
  );

describe('processInboundBatch', () => {
  it('a message that fails is rolled back alone: the others keep their entries, it gets an apology', async () => {
    const staff1 = await createStaff(t, '+919810000001');
    const staff2 = await createStaff(t, '+919810000002');
    const [a, b, c] = [await createFarmer(t), await createFarmer(t), await createFarmer(t)];
    // A statements port that breaks unexpectedly (not an AppError): the whole of message 2 must be undone.
    const broken: StatementsPort = {
      requestStatement: () => Promise.reject(new Error('renderer crashed')),
      markPaid: () => Promise.reject(new Error('not used')),
    };
    const before = await lastOutboxId(t);
    const ids = [
      await store(staff1.phone, `${a.code} rose 2`),
      await store(staff2.phone, `${b.code} rose 2\nstmt ${b.code}`),
      await store(staff1.phone, `${c.code} malli 2`),
    ];

    await processInboundBatch(chatDeps(t, { statements: broken }), ids);

    expect(await outcomes(ids)).toEqual(['done', 'error', 'done']);
    // 2 × 180.35 = 360.70; 5% = 18.035 → 18.04; net 342.66.  2 × 412.50 = 825.00; 5% = 41.25; net 783.75.
    expect(await balanceOf(a.id)).toBe('342.66');
    expect(await balanceOf(b.id)).toBe('0.00');
    expect(await entriesOf(b.id)).toEqual([]);
    expect(await balanceOf(c.id)).toBe('783.75');
    const out = await outboxSince(t, before);
    expect(out.filter((n) => n.recipient_phone === staff2.phone).map((n) => n.type)).toEqual(['reply']);
    expect(out.find((n) => n.recipient_phone === staff2.phone)!.text).not.toContain(b.code);
    expect(out.filter((n) => n.recipient_phone === b.phone)).toEqual([]);
    expect(
      out
        .filter((n) => n.type === 'receipt')
        .map((n) => n.recipient_phone)
        .sort(),
    ).toEqual([a.phone, c.phone].sort());
    const error = await sql<{ error: string }>(t.db, `select error from inbound_messages where id = ?`, [ids[1]]);
    expect(error[0]!.error).toContain('renderer crashed');
  });

  it('a batch that is one plain run and fails in bulk is done again isolated: the good message keeps its entry', async () => {
    const staff = await createStaff(t, '+919810000010');
    const [good, bad] = [await createFarmer(t), await createFarmer(t)];
    // The database refuses every entry of one farmer: the bulk statement fails for the whole run, without a
    // savepoint to fall back to, so the batch must be started again with each message on its own.
    await sql(
      t.db,
      `create function refuse_bad_farmer() returns trigger language plpgsql as $$
      begin if new.farmer_id = '${bad.id}' then raise exception 'refused for the test'; end if; return new; end $$`,
    );
    await sql(t.db, `create trigger refuse_bad_farmer before insert on daily_entries for each row execute function refuse_bad_farmer()`);
    try {
      const before = await lastOutboxId(t);
      const ids = [await store(staff.phone, `${good.code} rose 2`), await store(staff.phone, `${bad.code} rose 2`)];

      await processInboundBatch(chatDeps(t), ids);

      expect(await outcomes(ids)).toEqual(['done', 'error']);
      // 2 × 180.35 = 360.70; 5% = 18.035 → 18.04; net 342.66.
      expect(await balanceOf(good.id)).toBe('342.66');
      expect(await entriesOf(bad.id)).toEqual([]);
      const out = await outboxSince(t, before);
      expect(out.filter((n) => n.type === 'receipt').map((n) => n.recipient_phone)).toEqual([good.phone]);
      // One saved reply for the good line, one apology for the refused one.
      expect(out.filter((n) => n.recipient_phone === staff.phone)).toHaveLength(2);
    } finally {
      await sql(t.db, `drop trigger refuse_bad_farmer on daily_entries`);
      await sql(t.db, `drop function refuse_bad_farmer()`);
    }
  });

  it('runs messages in arrival order whatever order it is given: undo voids the entry just before it', async () => {
    const staff = await createStaff(t, '+919810000003');
    const d = await createFarmer(t);
    const ids = [await store(staff.phone, `${d.code} rose 2`), await store(staff.phone, `${d.code} malli 2`), await store(staff.phone, 'undo')];

    await processInboundBatch(chatDeps(t), [...ids].reverse());

    expect(await outcomes(ids)).toEqual(['done', 'done', 'done']);
    expect(await entriesOf(d.id)).toEqual([
      { flower: 'FLW001', status: 'active', net: '342.66' },
      { flower: 'FLW002', status: 'voided', net: '783.75' },
    ]);
    expect(await balanceOf(d.id)).toBe('342.66');
  });

  it('orders by the number, not its text, when the ids cross a power of ten (99 → 100)', async () => {
    const staff = await createStaff(t, '+919810000009');
    const d = await createFarmer(t);
    // The next ids are …98, …99, …100: as text "…100" would sort before "…99" and the undo would come first.
    const max = (await sql<{ max: string }>(t.db, `select coalesce(max(id), 1)::text as max from inbound_messages`))[0]!.max;
    const next = 10 ** String(Number(max) + 3).length;
    await sql(t.db, `select setval('inbound_messages_id_seq', ?)`, [next - 3]);
    const ids = [await store(staff.phone, `${d.code} rose 2`), await store(staff.phone, `${d.code} malli 2`), await store(staff.phone, 'undo')];
    expect(ids.map(Number)).toEqual([next - 2, next - 1, next]);

    await processInboundBatch(chatDeps(t), ids);

    expect(await outcomes(ids)).toEqual(['done', 'done', 'done']);
    expect(await entriesOf(d.id)).toEqual([
      { flower: 'FLW001', status: 'active', net: '342.66' },
      { flower: 'FLW002', status: 'voided', net: '783.75' },
    ]);
  });

  it('processing the same messages again, or twice at once, adds nothing', async () => {
    const staff = await createStaff(t, '+919810000004');
    const e = await createFarmer(t);
    const ids = [await store(staff.phone, `${e.code} rose 1`), await store(staff.phone, `${e.code} rose 3`)];
    await Promise.all([processInboundBatch(chatDeps(t), ids), processInboundBatch(chatDeps(t), ids)]);
    const counts = async () =>
      (
        await sql<{ n: string }>(
          t.db,
          `select (select count(*) from daily_entries where farmer_id = ?) + 1000 * (select count(*) from notifications where recipient_phone in (?, ?)) as n`,
          [e.id, staff.phone, e.phone],
        )
      )[0]!.n;
    // Two entries; a reply and a receipt for each message: 2 + 1000 × 4.
    expect(await counts()).toBe('4002');
    await processInboundBatch(chatDeps(t), ids);
    await processInboundMessage(chatDeps(t), ids[0]!);
    expect(await counts()).toBe('4002');
    // 1 × 180.35: 5% = 9.0175 → 9.02, net 171.33; 3 × 180.35 = 541.05: 5% = 27.0525 → 27.05, net 514.00.
    expect(await balanceOf(e.id)).toBe('685.33');
  });
});

describe('storeInboundMany', () => {
  it('stores a delivery in one statement, leaving out ids already stored or repeated, in order', async () => {
    const phone = '+919810000005';
    const old = inbound(phone, 'bal');
    const [oldId] = await storeInboundMany(t.db.orm.em.fork(), [old]);
    const first = inbound(phone, 'one');
    const second = inbound(phone, 'two');
    const ids = await storeInboundMany(t.db.orm.em.fork(), [first, old, second, { ...first }]);
    expect(ids).toHaveLength(2);
    expect(ids).not.toContain(oldId);
    const rows = await sql<{ text: string }>(t.db, `select text from inbound_messages where id in (?, ?) order by id`, ids);
    expect(rows.map((r) => r.text)).toEqual(['one', 'two']);
    expect(BigInt(ids[0]!) < BigInt(ids[1]!)).toBe(true);
  });
});

describe('InboxProcessor with batches', () => {
  it('two lanes keep each sender’s messages in order', async () => {
    const senders = [
      await createStaff(t, '+919810000011'),
      await createStaff(t, '+919810000012'),
      await createStaff(t, '+919810000013'),
      await createStaff(t, '+919810000014'),
    ];
    const farmers = [];
    for (let i = 0; i < senders.length; i++) farmers.push(await createFarmer(t));
    // Interleaved: every sender's rose, then every sender's malli, then every sender's undo.
    const ids: string[] = [];
    for (const text of ['rose 2', 'malli 2', 'undo']) {
      for (let i = 0; i < senders.length; i++) ids.push(await store(senders[i]!.phone, text === 'undo' ? 'undo' : `${farmers[i]!.code} ${text}`));
    }
    const deps = chatDeps(t);
    const inbox = new InboxProcessor({
      db: t.db,
      logger: quiet,
      process: (id) => processInboundMessage(deps, id),
      processBatch: (batch) => processInboundBatch(deps, batch),
      maxBatch: 2,
      lanes: 2,
      senderOf: (batch) => inboundSenders(t.db.orm.em.fork(), batch),
    });
    inbox.submit(ids);
    await inbox.idle();
    await inbox.stop();
    expect(await outcomes(ids)).toEqual(ids.map(() => 'done'));
    for (const f of farmers) {
      expect((await entriesOf(f.id)).map((e) => `${e.flower} ${e.status}`)).toEqual(['FLW001 active', 'FLW002 voided']);
    }
  });

  it('a batch that fails as a whole is retried, then handled message by message', async () => {
    const staff = await createStaff(t, '+919810000021');
    const f = await createFarmer(t);
    const ids = [await store(staff.phone, `${f.code} rose 2`), await store(staff.phone, `${f.code} rose 2`)];
    const deps = chatDeps(t);
    let batchCalls = 0;
    const inbox = new InboxProcessor({
      db: t.db,
      logger: quiet,
      process: (id) => processInboundMessage(deps, id),
      processBatch: () => {
        batchCalls += 1;
        return Promise.reject(new Error('connection lost'));
      },
    });
    inbox.submit(ids);
    await inbox.idle();
    await inbox.stop();
    expect(batchCalls).toBe(3);
    expect(await outcomes(ids)).toEqual(['done', 'done']);
    expect(await balanceOf(f.id)).toBe('685.32');
  });
});
