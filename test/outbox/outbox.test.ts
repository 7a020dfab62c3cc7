// The outbox worker delivering through the Cloud API sender to a fake Graph API on a real database.
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelSendError, type Channel } from '../../src/channels/channel.js';
import { createChannel } from '../../src/channels/create-channel.js';
import { CloudApiChannel } from '../../src/channels/cloud-api/cloud-channel.js';
import { graphError } from '../../src/channels/cloud-api/errors.js';
import type { Config } from '../../src/config.js';
import { enqueueNotification } from '../../src/domain/notifications/outbox.js';
import { createLogger } from '../../src/logger.js';
import { OutboxWorker, type DocumentResolver } from '../../src/outbox/outbox-worker.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { sql } from '../support/sql.js';
import { ACCESS_TOKEN, APP_SECRET, eventually, PHONE_NUMBER_ID, VERIFY_TOKEN } from '../support/channels.js';

const logger = createLogger({ logLevel: 'silent' });
let t: TestDatabase;
let fake: FakeGraph;
let config: Config;
let phoneSeq = 0;

/** A recipient of its own per test, so tests never see each other's rows. */
const newPhone = () => `+9190000${String(++phoneSeq).padStart(5, '0')}`;

async function enqueue(to: string, payload: Record<string, unknown>, type = 'chat_reply'): Promise<string> {
  const em = t.db.orm.em.fork();
  const n = enqueueNotification(em, { recipientPhone: to, type, language: 'ta', payload });
  await em.flush();
  return String(n.id);
}

/** The person wrote to us just now: free-form messages are allowed. */
async function openWindow(phone: string) {
  await sql(
    t.db,
    `insert into inbound_messages (channel, provider_message_id, sender, sender_phone, text, received_at, outcome)
     values ('cloud', ?, ?, ?, 'hi', now(), 'processed')`,
    [`wamid.window-${phone}-${Date.now()}`, phone.slice(1), phone],
  );
}

const row = async (id: string) =>
  (
    await sql<{ status: string; attempts: number; last_error: string | null; provider_message_id: string | null; payload: Record<string, unknown> }>(
      t.db,
      'select status, attempts, last_error, provider_message_id, payload from notifications where id = ?',
      [id],
    )
  )[0]!;

let channel: Channel;
function worker(extra: Partial<ConstructorParameters<typeof OutboxWorker>[0]> = {}) {
  return new OutboxWorker({
    db: t.db,
    logger,
    channel,
    baseBackoffMs: 1,
    maxBackoffMs: 5,
    pollMs: 10,
    pairPauseMs: 5,
    throughputPauseMs: 5,
    ...extra,
  });
}

/** Rounds until the row is final; the bound only stops a broken worker from hanging the test. */
async function untilFinal(w: OutboxWorker, id: string) {
  return eventually(async () => {
    await w.runOnce();
    const r = await row(id);
    return ['sent', 'failed'].includes(r.status) ? r : null;
  }, `notification ${id} to be sent or failed`);
}

const toOf = (phone: string) => phone.slice(1);

beforeAll(async () => {
  t = await createTestDatabase();
  fake = await startFakeGraph();
  config = {
    ...t.config,
    whatsapp: {
      ...t.config.whatsapp,
      transport: 'cloud',
      verifyToken: VERIFY_TOKEN,
      appSecret: APP_SECRET,
      accessToken: ACCESS_TOKEN,
      phoneNumberId: PHONE_NUMBER_ID,
      apiBaseUrl: fake.url,
    },
  };
  channel = (await createChannel(config, { db: t.db, logger }))!;
});
afterAll(async () => {
  await fake?.close();
  await t?.close();
});
beforeEach(() => {
  fake.script = [];
  fake.down = null;
});

describe('retries', () => {
  it('fails three times with a retryable error, then delivers on the fourth attempt', async () => {
    const to = newPhone();
    await openWindow(to);
    const id = await enqueue(to, { text: 'retry me' });
    fake.script = [
      { status: 500, code: 131000 },
      { status: 400, code: 130429 },
      { status: 400, code: 131056 },
    ];
    const r = await untilFinal(worker(), id);
    expect(r.status).toBe('sent');
    // Four requests, but Meta's two rate limits (130429, 131056) are not counted as failed tries (#17).
    expect(r.attempts).toBe(2);
    const mine = fake.messages.filter((m) => m.body.to === toOf(to));
    expect(mine).toHaveLength(4);
    expect(mine.filter((m) => m.answeredId)).toHaveLength(1);
    expect(r.provider_message_id).toBe(mine[3]!.answeredId);
    expect(r.last_error).toBeNull();
  });

  it('marks a permanent error failed at once, with the error for admins', async () => {
    const to = newPhone();
    await openWindow(to);
    const id = await enqueue(to, { text: 'nobody there' });
    fake.script = [{ status: 400, code: 131026 }];
    const r = await untilFinal(worker(), id);
    expect(r).toMatchObject({ status: 'failed', attempts: 1 });
    expect(r.last_error).toContain('131026');
    expect(fake.messages.filter((m) => m.body.to === toOf(to))).toHaveLength(1);
  });

  it('gives up after the attempt limit with the last error', async () => {
    const to = newPhone();
    await openWindow(to);
    const id = await enqueue(to, { text: 'always busy' });
    fake.script = Array.from({ length: 3 }, () => ({ status: 503 }));
    const r = await untilFinal(worker({ maxAttempts: 3 }), id);
    expect(r).toMatchObject({ status: 'failed', attempts: 3 });
    expect(r.last_error).toContain('503');
  });

  it('treats a timeout as retryable', async () => {
    const to = newPhone();
    await openWindow(to);
    const slow = new CloudApiChannel({
      apiBaseUrl: fake.url,
      accessToken: ACCESS_TOKEN,
      phoneNumberId: PHONE_NUMBER_ID,
      logger,
      timeoutMs: 100,
      windowOpen: async () => true,
      templates: async () => ({ text: { name: 'x', language: 'ta' }, document: { name: 'y', language: 'ta' } }),
    });
    fake.script = [{ delayMs: 1000 }];
    const err = await slow.sendText({ to, text: 'slow' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelSendError);
    expect((err as ChannelSendError).retryable).toBe(true);
    expect((err as ChannelSendError).code).toBe('timeout');
  });

  it('delivers everything once the API is back after being down, and nothing twice', async () => {
    const phones = Array.from({ length: 6 }, newPhone);
    for (const p of phones) await openWindow(p);
    const ids: string[] = [];
    for (const [i, p] of phones.entries()) ids.push(await enqueue(p, { text: `while down ${i}` }));
    fake.down = { status: 503 };
    const w = worker({ baseBackoffMs: 5, maxBackoffMs: 40, maxAttempts: 1000 });
    w.start();
    try {
      await eventually(() => fake.messages.filter((m) => m.body.text?.body.startsWith('while down')).length >= 18, 'several refused rounds');
      fake.down = null;
      await eventually(async () => {
        const rows = await Promise.all(ids.map(row));
        return rows.every((r) => r.status === 'sent');
      }, 'all delivered after the API came back');
    } finally {
      await w.stop();
    }
    for (const [i, p] of phones.entries()) {
      const delivered = fake.accepted().filter((m) => m.body.to === toOf(p));
      expect(delivered.map((m) => m.body.text?.body)).toEqual([`while down ${i}`]);
    }
  });
});

describe('recording sends', () => {
  it('sends that finish while one is being recorded are recorded together, each row with the id Meta gave it', async () => {
    const phones = Array.from({ length: 12 }, newPhone);
    for (const p of phones) await openWindow(p);
    const ids = [];
    for (const p of phones) ids.push(await enqueue(p, { text: `recorded ${p}` }));
    const idList = `{${ids.join(',')}}`;
    const sentNow = () => fake.accepted().filter((m) => m.body.text?.body.startsWith('recorded')).length;
    // Once the rows are claimed, another session holds them (on a server): the first send's UPDATE waits, and
    // the other eleven sends finish meanwhile. (The embedded database has one session: there nothing is held.)
    fake.script = phones.map(() => ({ delayMs: 300 }));
    const round = worker({ concurrency: 12 }).runOnce();
    const holder = t.kind === 'server' ? new pg.Client({ connectionString: t.db.url }) : undefined;
    if (holder) {
      await holder.connect();
      await eventually(
        async () => (await sql(t.db, `select 1 from notifications where id = any(?::bigint[]) and status = 'sending'`, [idList])).length === 12,
        'the rows claimed',
      );
      await holder.query('begin');
      await holder.query('select id from notifications where id = any($1::bigint[]) for update', [idList]);
    }
    await eventually(() => sentNow() === 12, 'the twelve sends answered');
    await new Promise((r) => setTimeout(r, 50));
    await holder?.query('commit');
    await holder?.end();
    expect(await round).toBe(12);

    const answered = new Map(fake.accepted().map((m) => [m.body.to, m.answeredId]));
    const rows = await sql<{ id: string; status: string; provider_message_id: string; tx: string }>(
      t.db,
      `select n.id::text, n.status, n.provider_message_id, n.xmin::text as tx from notifications n where n.id = any(?::bigint[]) order by n.id`,
      [idList],
    );
    expect(rows.map((r) => r.status)).toEqual(phones.map(() => 'sent'));
    expect(rows.map((r) => r.provider_message_id)).toEqual(phones.map((p) => answered.get(toOf(p))));
    expect(new Set(rows.map((r) => r.provider_message_id)).size).toBe(12);
    // Twelve sends, two statements: the first alone, the eleven that finished while it waited together.
    if (holder) expect(new Set(rows.map((r) => r.tx)).size).toBe(2);
  });
});

describe('claims', () => {
  it('lets two workers run side by side without sending any row twice', async () => {
    const phones = Array.from({ length: 12 }, newPhone);
    for (const p of phones) await openWindow(p);
    for (const p of phones) await enqueue(p, { text: `parallel ${p}` });
    const a = worker();
    const b = worker();
    await eventually(async () => {
      await Promise.all([a.runOnce(), b.runOnce()]);
      return fake.accepted().filter((m) => m.body.text?.body.startsWith('parallel')).length >= 12;
    }, 'all parallel rows sent');
    const bodies = fake
      .accepted()
      .filter((m) => m.body.text?.body.startsWith('parallel'))
      .map((m) => m.body.text!.body);
    expect(new Set(bodies).size).toBe(12);
    expect(bodies).toHaveLength(12);
  });

  it('sends one person’s messages one at a time and in order', async () => {
    const to = newPhone();
    await openWindow(to);
    const first = await enqueue(to, { text: 'first' });
    const second = await enqueue(to, { text: 'second' });
    // Not combined here: this is about order and one at a time.
    const w = worker({ combineUpTo: 0 });
    await w.runOnce();
    expect((await row(first)).status).toBe('sent');
    expect((await row(second)).status).toBe('pending');
    await w.runOnce();
    expect(
      fake
        .accepted()
        .filter((m) => m.body.to === toOf(to))
        .map((m) => m.body.text?.body),
    ).toEqual(['first', 'second']);
  });

  it('resends a row whose claim expired in a crash between sending and recording', async () => {
    const to = newPhone();
    await openWindow(to);
    const id = await enqueue(to, { text: 'stuck' });
    // What a worker that died after claiming leaves behind.
    await sql(t.db, `update notifications set status = 'sending', attempts = 1, next_attempt_at = now() - interval '1 minute' where id = ?`, [id]);
    const r = await untilFinal(worker(), id);
    expect(r).toMatchObject({ status: 'sent', attempts: 2 });
    expect(fake.accepted().filter((m) => m.body.to === toOf(to))).toHaveLength(1);
  });

  it('holds everything while WhatsApp is switched off in the settings, and sends it once switched on', async () => {
    const to = newPhone();
    await openWindow(to);
    const id = await enqueue(to, { text: 'after the switch' });
    await sql(t.db, `update system_settings set value = 'false' where key = 'whatsapp_enabled'`);
    try {
      expect(await worker().runOnce()).toBe(0);
      expect((await row(id)).status).toBe('pending');
      expect(fake.messages.filter((m) => m.body.to === toOf(to))).toHaveLength(0);
    } finally {
      await sql(t.db, `update system_settings set value = 'true' where key = 'whatsapp_enabled'`);
    }
    expect((await untilFinal(worker(), id)).status).toBe('sent');
  });

  it('claims no more per round than the send rate setting allows', async () => {
    await sql(t.db, `update system_settings set value = '2' where key = 'outbox_rate_per_second'`);
    try {
      const phones = Array.from({ length: 5 }, newPhone);
      for (const p of phones) await openWindow(p);
      for (const p of phones) await enqueue(p, { text: 'rated' });
      expect(await worker().runOnce()).toBe(2);
    } finally {
      await sql(t.db, `update system_settings set value = '80' where key = 'outbox_rate_per_second'`);
    }
  });
});

describe('the 24-hour window and documents', () => {
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from([0, 1, 2, 250, 251, 252, 253]), Buffer.from('\n%%EOF\n')]);
  const resolver: DocumentResolver = async (p) => ({
    bytes: pdf,
    filename: `${String(p.settlementId)}.pdf`,
    mimeType: 'application/pdf',
    caption: 'வாராந்திர கணக்கு / Weekly statement',
  });

  it('uploads the PDF and sends it as a document inside the window', async () => {
    const to = newPhone();
    await openWindow(to);
    const id = await enqueue(to, { settlementId: 'S-2026W47-FAR001' }, 'settlement_statement');
    const r = await untilFinal(worker({ resolveDocument: resolver }), id);
    expect(r.status).toBe('sent');
    const upload = fake.uploads.find((u) => u.filename === 'S-2026W47-FAR001.pdf')!;
    expect(upload.bytes.equals(pdf)).toBe(true);
    expect(upload).toMatchObject({
      messagingProduct: 'whatsapp',
      type: 'application/pdf',
      mimeType: 'application/pdf',
      phoneNumberId: PHONE_NUMBER_ID,
    });
    const msg = fake.accepted().find((m) => m.body.to === toOf(to))!;
    expect(msg.body.type).toBe('document');
    expect(msg.body.document).toEqual({ id: upload.mediaId, filename: 'S-2026W47-FAR001.pdf', caption: 'வாராந்திர கணக்கு / Weekly statement' });
  });

  it('sends a document waiting behind a text at once, and runs no empty round after the last send', async () => {
    const to = newPhone();
    await openWindow(to);
    const textId = await enqueue(to, { text: 'your balance' });
    const docId = await enqueue(to, { settlementId: 'S-BEHIND-1' }, 'settlement_statement'); // not combined with the text
    const rounds: number[] = [];
    // A poll far longer than the test: only the loop's own "go again at once" can send the document in time.
    const w = worker({ pollMs: 600_000, resolveDocument: resolver, beforeRound: async () => void rounds.push(Date.now()) });
    w.start();
    try {
      await eventually(async () => (await row(docId)).status === 'sent', 'the document behind the text to be sent');
      expect((await row(textId)).status).toBe('sent');
      await new Promise((r) => setTimeout(r, 300));
      // Round 1 sent the text (the document behind it), round 2 the document; then nothing was left to look for.
      expect(rounds).toHaveLength(2);
    } finally {
      await w.stop();
    }
    const sent = fake.accepted().filter((m) => m.body.to === toOf(to));
    expect(sent.map((m) => m.body.type)).toEqual(['text', 'document']);
  });

  it('frees a statement drawn for the send once it is sent, and leaves other bytes alone', async () => {
    // 50 KB: its own ArrayBuffer, as a drawn statement has (a transferred one, or Buffer.concat's past 4 KB).
    const drawn = Buffer.alloc(50_000, 7);
    drawn.write('%PDF-1.7\n');
    const sentCopy = Buffer.from(drawn);
    const small = Buffer.from('%PDF-1.7 small\n'); // cut from Node's shared 8 KB pool
    const neighbour = Buffer.from('the pool neighbour'); // very likely the same pool ArrayBuffer as `small`
    const docs: Record<string, { bytes: Buffer; free: boolean }> = {
      'S-FREE-1': { bytes: drawn, free: true },
      'S-FREE-2': { bytes: small, free: true },
      'S-KEEP-3': { bytes: Buffer.alloc(50_000, 9), free: false },
    };
    const resolve: DocumentResolver = async (p) => {
      const d = docs[String(p.settlementId)]!;
      return { bytes: d.bytes, filename: `${String(p.settlementId)}.pdf`, mimeType: 'application/pdf', freeAfterSend: d.free };
    };
    const to = newPhone();
    await openWindow(to);
    for (const name of Object.keys(docs)) {
      const id = await enqueue(to, { settlementId: name }, 'settlement_statement');
      expect((await untilFinal(worker({ resolveDocument: resolve }), id)).status).toBe('sent');
    }
    const uploaded = (name: string) => fake.uploads.find((u) => u.filename === `${name}.pdf`)!.bytes;
    expect(uploaded('S-FREE-1').equals(sentCopy)).toBe(true); // sent whole, then freed
    expect(drawn.buffer.detached).toBe(true);
    expect(drawn.length).toBe(0);
    expect(uploaded('S-FREE-2').toString()).toBe('%PDF-1.7 small\n');
    expect(small.toString()).toBe('%PDF-1.7 small\n'); // a pooled buffer is never detached
    expect(neighbour.toString()).toBe('the pool neighbour');
    expect(docs['S-KEEP-3']!.bytes.length).toBe(50_000); // not drawn for this send: kept
    expect(uploaded('S-KEEP-3').equals(Buffer.alloc(50_000, 9))).toBe(true);
  });

  it('sends the configured templates outside the window, and records that it did', async () => {
    const to = newPhone(); // never wrote to us
    const textId = await enqueue(to, { text: 'Receipt:\nRose 12.5 kg\tnet ₹1,000.00' }, 'receipt');
    const docId = await enqueue(to, { settlementId: 'S-2026W47-FAR002' }, 'settlement_statement');
    const w = worker({ resolveDocument: resolver });
    const text = await untilFinal(w, textId);
    const doc = await untilFinal(w, docId);
    expect(text.status).toBe('sent');
    expect(text.payload.sentAsTemplate).toBe('ledger_update');
    expect(doc.payload.sentAsTemplate).toBe('settlement_statement');

    const [m1, m2] = fake.accepted().filter((m) => m.body.to === toOf(to));
    expect(m1!.body.type).toBe('template');
    expect(m1!.body.template).toEqual({
      name: 'ledger_update',
      language: { code: 'ta' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Receipt: · Rose 12.5 kg net ₹1,000.00' }] }],
    });
    const upload = fake.uploads.find((u) => u.filename === 'S-2026W47-FAR002.pdf')!;
    expect(m2!.body.template).toEqual({
      name: 'settlement_statement',
      language: { code: 'ta' },
      components: [
        { type: 'header', parameters: [{ type: 'document', document: { id: upload.mediaId, filename: 'S-2026W47-FAR002.pdf' } }] },
        { type: 'body', parameters: [{ type: 'text', text: 'வாராந்திர கணக்கு / Weekly statement' }] },
      ],
    });
  });

  it('falls back to the template when Meta says the window is closed (131047)', async () => {
    const to = newPhone();
    await openWindow(to);
    const id = await enqueue(to, { text: 'hello again' });
    fake.script = [{ status: 400, code: 131047 }];
    const r = await untilFinal(worker(), id);
    expect(r).toMatchObject({ status: 'sent', attempts: 1 });
    expect(r.payload.sentAsTemplate).toBe('ledger_update');
    expect(fake.messages.filter((m) => m.body.to === toOf(to)).map((m) => m.body.type)).toEqual(['text', 'template']);
  });

  it('fails a document notification at once when there is nothing to send', async () => {
    const to = newPhone();
    await openWindow(to);
    const id = await enqueue(to, { documentPath: 'statements/missing.pdf' }, 'settlement_statement');
    const r = await untilFinal(worker(), id);
    expect(r.status).toBe('failed');
    expect(r.last_error).toContain('NO_DOCUMENT_RESOLVER');
  });
});

describe('Meta error codes', () => {
  it.each([
    [400, 130429, true],
    [400, 131056, true],
    [500, 131000, true],
    [503, undefined, true],
    [400, 131026, false],
    [400, 132001, false],
    [400, 132000, false],
    [400, 131051, false],
    [400, 100, false],
  ])('HTTP %i with code %s → retryable %s', (status, code, retryable) => {
    const err = graphError(status, code === undefined ? null : { error: { code, message: 'x' } });
    expect(err.retryable).toBe(retryable);
  });
});
