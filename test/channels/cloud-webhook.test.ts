// The Cloud API webhook through the real HTTP server (startService on port 0), signed like Meta signs,
// with Meta-shaped payloads from test/fixtures/meta and a fake Graph API receiving the replies.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startService, type RunningService } from '../../src/service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { sql } from '../support/sql.js';
import { createApp } from '../../src/app.js';
import { RefusedDeliveries } from '../../src/channels/cloud-api/refusals.js';
import { ACCESS_TOKEN, cloudTestConfig, eventually, fixture, PHONE_NUMBER_ID, sign, standInProcessor, VERIFY_TOKEN } from '../support/channels.js';

let t: TestDatabase;
let fake: FakeGraph;
let service: RunningService;
let base: string;
let processor: ReturnType<typeof standInProcessor>;

// The stand-in processor is a function of this thread: the pipeline runs here (PIPELINE_THREAD=main).
const cloudConfig = () => ({ ...cloudTestConfig(t, fake.url), pipelineThread: 'main' as const });

async function start(withPipeline: boolean) {
  processor = standInProcessor(t.db);
  service = await startService(cloudConfig(), createLogger({ logLevel: 'silent' }), {
    // Without the pipeline, messages are stored and left unprocessed, as after a crash past the ack.
    processInbound: withPipeline ? processor : async () => {},
    outbox: { pollMs: 20, baseBackoffMs: 5 },
  });
  base = `http://127.0.0.1:${service.port}`;
}

function post(body: string | Buffer, headers: Record<string, string> = {}) {
  return fetch(`${base}/webhooks/whatsapp`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}
const signedPost = (body: string | Buffer) => post(body, { 'x-hub-signature-256': sign(body) });

const count = async (table: string, where = 'true', params: unknown[] = []) =>
  Number((await sql<{ n: number }>(t.db, `select count(*)::int as n from ${table} where ${where}`, params))[0]!.n);

beforeAll(async () => {
  t = await createTestDatabase();
  fake = await startFakeGraph();
  await start(true);
});
afterAll(async () => {
  await service?.stop();
  await fake?.close();
  await t?.close();
});

describe('verification handshake', () => {
  it('echoes hub.challenge for the right verify token and refuses a wrong one', async () => {
    const ok = await fetch(`${base}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');

    const wrong = await fetch(`${base}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444`);
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).not.toContain('1158201444');

    const badMode = await fetch(`${base}/webhooks/whatsapp?hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`);
    expect(badMode.status).toBe(403);
  });
});

describe('signature', () => {
  it("refuses a bad signature with 401, stores nothing and writes no row for it: the minute's summary counts it", async () => {
    await service.webhookRefusals.flush();
    const body = fixture('text-message.json').replace('FAR001 malli 12.5', 'FAR001 malli 99');
    const res = await post(body, { 'x-hub-signature-256': sign(fixture('text-message.json')) });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_SIGNATURE');
    expect(await count('inbound_messages', `text = 'FAR001 malli 99'`)).toBe(0);
    expect(await count('security_logs', `action = 'webhook_signature_rejected'`)).toBe(0);
    expect(await service.webhookRefusals.flush()).toBe(1);
    const logs = await sql<{ details: { count: number; reasons: Record<string, number> }; ip_address: string }>(
      t.db,
      `select details, ip_address from security_logs where action = 'webhook_signature_rejected'`,
    );
    expect(logs).toEqual([
      { details: expect.objectContaining({ count: 1, reasons: { bad_signature: 1 } }), ip_address: expect.stringMatching(/127\.0\.0\.1/) },
    ]);
  });

  it('refuses a delivery without a signature, and one signed with another secret', async () => {
    await service.webhookRefusals.flush();
    await sql(t.db, `delete from security_logs where action = 'webhook_signature_rejected'`);
    const body = fixture('text-message.json');
    expect((await post(body)).status).toBe(401);
    expect((await post(body, { 'x-hub-signature-256': sign(body, 'another-secret') })).status).toBe(401);
    expect((await post(body, { 'x-hub-signature-256': 'sha256=zz' })).status).toBe(401);
    await service.webhookRefusals.flush();
    const rows = await sql<{ c: number; m: number; b: number }>(
      t.db,
      `select (details->>'count')::int as c, (details->'reasons'->>'missing_signature')::int as m, (details->'reasons'->>'bad_signature')::int as b
         from security_logs where action = 'webhook_signature_rejected'`,
    );
    expect(rows).toEqual([{ c: 3, m: 1, b: 2 }]);
    expect(await count('inbound_messages', `provider_message_id like 'wamid.HBgMOTE5ODc2NTQzMjExFQIAEhgg%'`)).toBe(0);
  });

  it('200 bad POSTs leave one summary row, and X-Forwarded-For is ignored without TRUST_PROXY', async () => {
    await service.webhookRefusals.flush();
    await sql(t.db, `delete from security_logs where action = 'webhook_signature_rejected'`);
    const body = fixture('text-message.json');
    for (let i = 0; i < 200; i++) {
      const res = await post(body, { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'x-forwarded-for': `203.0.113.${i % 7}` });
      expect(res.status).toBe(401);
    }
    expect(await count('security_logs', `action = 'webhook_signature_rejected'`)).toBe(0);
    await service.webhookRefusals.flush();
    const rows = await sql<{ ip: string; c: number }>(
      t.db,
      `select ip_address as ip, (details->>'count')::int as c from security_logs where action = 'webhook_signature_rejected'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.c).toBe(200);
    expect(rows[0]!.ip).not.toMatch(/^203\.0\.113\./);
  });

  it('with TRUST_PROXY=true the address comes from X-Forwarded-For: one summary row per address', async () => {
    await sql(t.db, `delete from security_logs where action = 'webhook_signature_rejected'`);
    const refusals = new RefusedDeliveries({ orm: t.db.orm, logger: createLogger({ logLevel: 'silent' }) });
    const app = createApp({
      config: { ...cloudConfig(), trustProxy: true },
      db: t.db,
      logger: createLogger({ logLevel: 'silent' }),
      webhookRefusals: refusals,
    });
    for (let i = 0; i < 30; i++) {
      const res = await app.request('/webhooks/whatsapp', {
        method: 'POST',
        body: '{}',
        headers: { 'x-forwarded-for': `198.51.100.${i % 3}, 10.0.0.1` },
      });
      expect(res.status).toBe(401);
    }
    expect(await refusals.flush()).toBe(3);
    const rows = await sql(
      t.db,
      `select ip_address, (details->>'count')::int as c from security_logs where action = 'webhook_signature_rejected' order by ip_address`,
    );
    expect(rows).toEqual([0, 1, 2].map((n) => ({ ip_address: `198.51.100.${n}`, c: 10 })));
  });

  it('hashes the bytes as received: the same JSON re-serialised does not pass', async () => {
    const body = fixture('text-message.json', { now: true });
    const compact = JSON.stringify(JSON.parse(body));
    expect((await post(body, { 'x-hub-signature-256': sign(compact) })).status).toBe(401);
  });
});

describe('deliveries', () => {
  it('stores a text message, acknowledges, and the reply reaches the fake Graph API', async () => {
    const body = fixture('text-message.json', { now: true });
    const res = await signedPost(body);
    expect(res.status).toBe(200);
    const [row] = await sql<{ id: string; sender: string; sender_phone: string; text: string; channel: string }>(
      t.db,
      `select id::text as id, sender, sender_phone, text, channel from inbound_messages
        where provider_message_id = 'wamid.HBgMOTE5ODc2NTQzMjExFQIAEhggQTFCMkMzRDRFNUY2QTdCOEM5RDBFMUYyQTNCNEM1RDYA'`,
    );
    expect(row).toMatchObject({ sender: '919876543211', sender_phone: '+919876543211', text: 'FAR001 malli 12.5', channel: 'cloud' });

    const sent = await eventually(
      () => fake.accepted().find((m) => m.body.text?.body === 'Received: FAR001 malli 12.5'),
      'the reply at the fake Graph API',
    );
    expect(sent.body).toMatchObject({ messaging_product: 'whatsapp', to: '919876543211', type: 'text' });
    expect(sent.phoneNumberId).toBe(PHONE_NUMBER_ID);
    expect(sent.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    const n = await eventually(
      async () =>
        (
          await sql<{ provider_message_id: string }>(
            t.db,
            `select provider_message_id from notifications where payload->>'text' = 'Received: FAR001 malli 12.5' and status = 'sent'`,
          )
        )[0],
      'the notification recorded as sent',
    );
    expect(n.provider_message_id).toBe(sent.answeredId);
  });

  it('stores every message of a payload with its kind (a tap with its command), for the pipeline to answer', async () => {
    const res = await signedPost(fixture('media-messages.json'));
    expect(res.status).toBe(200);
    const rows = await sql<{ provider_message_id: string; media_kind: string | null; text: string | null }>(
      t.db,
      `select provider_message_id, media_kind, text from inbound_messages where provider_message_id like 'wamid.MEDIA-%' order by provider_message_id`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.provider_message_id, r.media_kind]))).toEqual({
      'wamid.MEDIA-CONTACTS-0006': 'contacts',
      'wamid.MEDIA-DOC-0003': 'document',
      'wamid.MEDIA-IMAGE-0001': 'image',
      'wamid.MEDIA-INTERACTIVE-0007': 'choice',
      'wamid.MEDIA-LOCATION-0005': 'location',
      'wamid.MEDIA-REACTION-0008': 'reaction',
      'wamid.MEDIA-STICKER-0004': 'sticker',
      'wamid.MEDIA-UNSUPPORTED-0009': 'unknown',
      'wamid.MEDIA-VIDEO-0010': 'video',
      'wamid.MEDIA-VOICE-0002': 'voice',
    });
    // A tapped button carries its command, a reaction its emoji; nothing else has text.
    expect(rows.filter((r) => r.text !== null).map((r) => [r.provider_message_id, r.text])).toEqual([
      ['wamid.MEDIA-INTERACTIVE-0007', 'bal'],
      ['wamid.MEDIA-REACTION-0008', '👍'],
    ]);
  });

  it('answers malformed JSON with 400 and stores nothing', async () => {
    const body = '{"object": "whatsapp_business_account", "entry": [';
    const res = await signedPost(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_JSON');
  });

  it('acknowledges shapes it does not know without storing or failing', async () => {
    for (const body of [
      '{"object":"page","entry":[]}',
      '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"weird":true}}]}]}',
      '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"account_update","value":{"event":"VERIFIED_ACCOUNT"}}]}]}',
      '[1,2,3]',
    ]) {
      expect((await signedPost(body)).status, body).toBe(200);
    }
    const other = await signedPost(fixture('other-phone-number.json'));
    expect(other.status).toBe(200);
    expect(await count('inbound_messages', `provider_message_id = 'wamid.OTHER-NUMBER-0001'`)).toBe(0);
  });

  /** A `bal` delivery with message id `id`, padded by `padding` bytes of filler. */
  const paddedDelivery = (id: string, padding: number) => {
    const payload = JSON.parse(fixture('text-message.json', { now: true })) as {
      entry: { changes: { value: { messages: { id: string; text: { body: string } }[] } & Record<string, unknown> }[] }[];
    };
    const value = payload.entry[0]!.changes[0]!.value;
    value.messages[0]!.id = id;
    value.messages[0]!.text.body = 'bal';
    value['padding'] = 'x'.repeat(padding);
    return JSON.stringify(payload);
  };

  it('accepts a 2 MB delivery and refuses one over the limit with 413', async () => {
    const big = paddedDelivery('wamid.BIG-2MB-0001', 2 * 1024 * 1024);
    expect(big.length).toBeGreaterThan(2 * 1024 * 1024);
    const ok = await signedPost(big);
    expect(ok.status).toBe(200);
    expect(await count('inbound_messages', `provider_message_id = 'wamid.BIG-2MB-0001'`)).toBe(1);

    const huge = paddedDelivery('wamid.HUGE-0001', 5 * 1024 * 1024);
    const refused = await signedPost(huge);
    expect(refused.status).toBe(413);
    expect(await count('inbound_messages', `provider_message_id = 'wamid.HUGE-0001'`)).toBe(0);
  });

  it('counts a chunked delivery (no Content-Length) against the same limit', async () => {
    const send = (id: string, padding: number) => {
      const body = Buffer.from(paddedDelivery(id, padding));
      return new Promise<number>((resolve, reject) => {
        const req = http.request(`${base}/webhooks/whatsapp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'x-hub-signature-256': sign(body) },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        // The server may answer 413 and close before every chunk is written.
        req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
        for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
        req.end();
      });
    };
    expect(await send('wamid.CHUNKED-SMALL-0001', 1024 * 1024)).toBe(200);
    expect(await count('inbound_messages', `provider_message_id = 'wamid.CHUNKED-SMALL-0001'`)).toBe(1);
    expect(await send('wamid.CHUNKED-HUGE-0001', 5 * 1024 * 1024)).toBe(413);
    expect(await count('inbound_messages', `provider_message_id = 'wamid.CHUNKED-HUGE-0001'`)).toBe(0);
  });

  it('stores and processes 50 simultaneous deliveries of one message once', async () => {
    const body = fixture('text-message.json', { now: true })
      .replace(/wamid\.HBgMOTE5ODc2NTQzMjExFQIAEhgg[A-Za-z0-9]+/, 'wamid.DUPLICATE-50-0001')
      .replace('FAR001 malli 12.5', 'FAR002 rose 3');
    const answers = await Promise.all(Array.from({ length: 50 }, () => signedPost(body)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    const stored = await Promise.all(answers.map(async (a) => ((await a.json()) as { stored: number }).stored));
    expect(stored.reduce((x, y) => x + y, 0)).toBe(1);
    expect(await count('inbound_messages', `provider_message_id = 'wamid.DUPLICATE-50-0001'`)).toBe(1);
    // Replies still queued for the same person go out combined with it into one message (#17).
    await eventually(() => fake.accepted().some((m) => m.body.text?.body?.split('\n\n').includes('Received: FAR002 rose 3')), 'the one reply');
    await service.inbox!.idle();
    const [row] = await sql<{ id: string }>(
      t.db,
      `select id::text as id from inbound_messages where provider_message_id = 'wamid.DUPLICATE-50-0001'`,
    );
    expect(processor.handled.filter((h) => h === row!.id)).toHaveLength(1);
    expect(await count('notifications', `payload->>'text' = 'Received: FAR002 rose 3'`)).toBe(1);
  });
});

describe('statuses', () => {
  it('moves a notification forward only: sent → delivered → read, never back', async () => {
    const id = 'wamid.HBgMOTE5ODc2NTQzMjExFQIAERgSQzVGNTM1RjQ5RDE2MDc1NzZBAA==';
    await sql(
      t.db,
      `insert into notifications (recipient_phone, type, language, payload, status, attempts, provider_message_id, sent_at)
       values ('+919876543211', 'chat_reply', 'en', '{"text":"status test"}', 'sent', 1, ?, now())`,
      [id],
    );
    const statusOf = async () =>
      (await sql<{ status: string }>(t.db, 'select status from notifications where provider_message_id = ?', [id]))[0]!.status;
    expect((await signedPost(fixture('status-delivered.json'))).status).toBe(200);
    expect(await statusOf()).toBe('delivered');
    expect((await signedPost(fixture('status-read.json'))).status).toBe(200);
    expect(await statusOf()).toBe('read');
    // Meta may deliver out of order: a late 'delivered' or 'sent' must not undo 'read'.
    await signedPost(fixture('status-delivered.json'));
    await signedPost(fixture('status-sent.json'));
    expect(await statusOf()).toBe('read');
  });

  it('records a failed status with Meta’s error, and acknowledges a status for an unknown message', async () => {
    const id = 'wamid.HBgMOTE5ODc2NTQzMjEzFQIAERgSRkFJTEVEMDAwMDAwMDAwMQA=';
    await sql(
      t.db,
      `insert into notifications (recipient_phone, type, language, payload, status, attempts, provider_message_id, sent_at)
       values ('+919876543213', 'receipt', 'ta', '{"text":"x"}', 'sent', 1, ?, now())`,
      [id],
    );
    expect((await signedPost(fixture('status-failed.json'))).status).toBe(200);
    const [row] = await sql<{ status: string; last_error: string }>(
      t.db,
      'select status, last_error from notifications where provider_message_id = ?',
      [id],
    );
    expect(row!.status).toBe('failed');
    expect(row!.last_error).toContain('131026');

    // Let the outbox finish what earlier tests queued, so only this delivery could change a row.
    await service.inbox!.idle();
    await eventually(async () => (await count('notifications', `status in ('pending', 'sending')`)) === 0, 'an idle outbox');
    const before = await sql(t.db, 'select id, status, updated_at from notifications order by id');
    const res = await signedPost(fixture('status-unknown-message.json'));
    expect(res.status).toBe(200);
    // Rows the inbox may add meanwhile are not this delivery's doing; the existing ones must be untouched.
    const maxId = before.length ? (before[before.length - 1] as { id: string }).id : '0';
    expect(await sql(t.db, 'select id, status, updated_at from notifications where id <= ? order by id', [maxId])).toEqual(before);
  });
});

describe('a crash after the acknowledgement', () => {
  it('loses nothing: a message stored while no pipeline ran is processed at the next start', async () => {
    await service.stop();
    await start(false);
    const body = fixture('text-message.json', { now: true })
      .replace(/wamid\.HBgMOTE5ODc2NTQzMjExFQIAEhgg[A-Za-z0-9]+/, 'wamid.AFTER-CRASH-0001')
      .replace('FAR001 malli 12.5', 'FAR003 lotus 40');
    expect((await signedPost(body)).status).toBe(200);
    const [row] = await sql<{ outcome: string | null }>(
      t.db,
      `select outcome from inbound_messages where provider_message_id = 'wamid.AFTER-CRASH-0001'`,
    );
    expect(row!.outcome).toBeNull();
    await service.stop();

    await start(true);
    await eventually(() => fake.accepted().some((m) => m.body.text?.body === 'Received: FAR003 lotus 40'), 'the reply after restart');
    const [after] = await sql<{ outcome: string | null }>(
      t.db,
      `select outcome from inbound_messages where provider_message_id = 'wamid.AFTER-CRASH-0001'`,
    );
    expect(after!.outcome).toBe('processed');
  });
});
