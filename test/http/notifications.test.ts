// Failed messages: listed for admins with Meta's code in words, and sent again, against the fake Graph API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channels/create-channel.js';
import { enqueueNotification } from '../../src/domain/notifications/outbox.js';
import { createLogger } from '../../src/logger.js';
import { OutboxWorker } from '../../src/outbox/outbox-worker.js';
import { ADMIN, STAFF, body, createApiHarness, type ApiHarness } from '../support/api.js';
import { ACCESS_TOKEN, APP_SECRET, eventually, PHONE_NUMBER_ID, VERIFY_TOKEN } from '../support/channels.js';
import { startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { sql } from '../support/sql.js';

const logger = createLogger({ logLevel: 'silent' });
let h: ApiHarness;
let fake: FakeGraph;
let worker: OutboxWorker;

beforeAll(async () => {
  h = await createApiHarness();
  fake = await startFakeGraph();
  const config = {
    ...h.t.config,
    whatsapp: {
      ...h.t.config.whatsapp,
      transport: 'cloud' as const,
      verifyToken: VERIFY_TOKEN,
      appSecret: APP_SECRET,
      accessToken: ACCESS_TOKEN,
      phoneNumberId: PHONE_NUMBER_ID,
      apiBaseUrl: fake.url,
    },
  };
  const channel = (await createChannel(config, { db: h.t.db, logger }))!;
  worker = new OutboxWorker({ db: h.t.db, logger, channel, baseBackoffMs: 1, maxBackoffMs: 5, pollMs: 10 });
});
afterAll(async () => {
  await fake?.close();
  await h?.close();
});

async function enqueue(to: string, text: string): Promise<string> {
  const em = h.t.db.orm.em.fork();
  const n = enqueueNotification(em, { recipientPhone: to, type: 'chat_reply', language: 'ta', payload: { text } });
  await em.flush();
  // The person wrote just now, so a free-form text may go.
  await sql(
    h.t.db,
    `insert into inbound_messages (channel, provider_message_id, sender, sender_phone, text, received_at, outcome) values ('cloud', ?, ?, ?, 'hi', now(), 'processed')`,
    [`wamid.w-${to}-${n.id}`, to.slice(1), to],
  );
  return String(n.id);
}
const status = async (id: string) => (await sql<{ status: string }>(h.t.db, 'select status from notifications where id = ?', [id]))[0]!.status;
async function settle(id: string) {
  return eventually(async () => {
    await worker.runOnce();
    const s = await status(id);
    return s === 'sent' || s === 'failed' ? s : null;
  }, `notification ${id} to settle`);
}

describe('failed notifications', () => {
  it('lists failures with the Meta code in words, in English and Tamil, and a retry sends one again', async () => {
    fake.script = [{ status: 400, code: 131026 }];
    const notOnWhatsApp = await enqueue('+919800000001', 'Entry #12 saved');
    expect(await settle(notOnWhatsApp)).toBe('failed');
    fake.script = [{ status: 404, code: 132001 }];
    const badTemplate = await enqueue('+919800000002', 'Rates today');
    expect(await settle(badTemplate)).toBe('failed');
    const sentFine = await enqueue('+919800000003', 'ok');
    expect(await settle(sentFine)).toBe('sent');

    const admin = await h.login(ADMIN);
    const res = await h.call('GET', '/api/notifications?status=failed', { token: admin });
    expect(res.status).toBe(200);
    const page = await body(res);
    expect(page.total).toBe(2);
    const byId = new Map(
      (page.items as { id: string; errorCode: string; reason: string; recipientPhone: string; lastError: string }[]).map((i) => [i.id, i]),
    );
    expect(byId.get(notOnWhatsApp)).toMatchObject({
      errorCode: '131026',
      recipientPhone: '+919800000001',
      reason: 'Not a WhatsApp number, or it cannot receive messages (an old app, or the person has not accepted the new terms).',
    });
    expect(byId.get(notOnWhatsApp)!.lastError).toContain('Message Undeliverable.');
    expect(byId.get(badTemplate)).toMatchObject({
      errorCode: '132001',
      reason: 'The template is not approved (or does not exist) in this language.',
    });
    expect(byId.has(sentFine)).toBe(false);

    const ta = await body(await h.call('GET', '/api/notifications?status=failed&lang=ta', { token: admin }));
    expect(ta.items.find((i: { id: string }) => i.id === badTemplate).reason).toBe('இந்த மொழியில் டெம்ப்ளேட் அங்கீகரிக்கப்படவில்லை (அல்லது இல்லை).');
    // Only failures are listed here; another status is refused, not ignored.
    expect((await h.call('GET', '/api/notifications?status=sent', { token: admin })).status).toBe(422);

    // Retry: queued again, the fake now accepts it, and it goes out once.
    const before = fake.accepted().length;
    const retry = await h.call('POST', `/api/notifications/${notOnWhatsApp}/retry`, { token: admin });
    expect(retry.status).toBe(200);
    expect(await body(retry)).toMatchObject({ id: notOnWhatsApp, status: 'pending' });
    expect(await settle(notOnWhatsApp)).toBe('sent');
    expect(fake.accepted().length).toBe(before + 1);
    expect(fake.accepted().at(-1)!.body).toMatchObject({ to: '919800000001', text: { body: 'Entry #12 saved' } });
    // A sent message cannot be retried (it would go twice); an unknown id is a 404.
    const again = await h.call('POST', `/api/notifications/${notOnWhatsApp}/retry`, { token: admin });
    expect(again.status).toBe(409);
    expect((await body(again)).error.code).toBe('NOTIFICATION_NOT_FAILED');
    expect((await h.call('POST', '/api/notifications/999999/retry', { token: admin })).status).toBe(404);
    const audit = await sql<{ n: number }>(
      h.t.db,
      `select count(*)::int n from security_logs where action = 'notification.retry' and entity_id = ?`,
      [notOnWhatsApp],
    );
    expect(audit[0]!.n).toBe(1);

    const staff = await h.login(STAFF);
    expect((await h.call('GET', '/api/notifications?status=failed', { token: staff })).status).toBe(403);
  });
});
