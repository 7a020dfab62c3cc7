// The service with WHATSAPP_TRANSPORT=webjs, the whatsapp-web.js client replaced by a stand-in: /ready
// follows the session, and a message goes from the phone through storage and the pipeline to a reply.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startService, type RunningService } from '../../src/service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { eventually, standInProcessor } from '../support/channels.js';
import { StandInClient } from '../support/webjs-stand-in.js';

let t: TestDatabase;
let service: RunningService;
const clients: StandInClient[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  service = await startService(
    { ...t.config, databaseUrl: t.db.url, dbPoolSize: 4, port: 0, host: '127.0.0.1', whatsapp: { ...t.config.whatsapp, transport: 'webjs' } },
    createLogger({ logLevel: 'silent' }),
    {
      processInbound: standInProcessor(t.db),
      createWebjsClient: () => {
        const c = new StandInClient();
        clients.push(c);
        return c;
      },
      outbox: { pollMs: 20 },
    },
  );
});
afterAll(async () => {
  await service?.stop();
  await t?.close();
});

describe('whatsapp-web.js in the service', () => {
  it('is not ready until the phone is linked, then replies to a message', async () => {
    const ready = () => fetch(`http://127.0.0.1:${service.port}/ready`);
    const before = await ready();
    expect(before.status).toBe(503);
    const body = (await before.json()) as { checks: { whatsapp: { ok: boolean } } };
    expect(body.checks.whatsapp.ok).toBe(false);

    const client = clients[0]!;
    client.emit('qr', '2@qr-code-data');
    client.emit('ready');
    expect((await ready()).status).toBe(200);

    const msg = client.receive({ from: '919876543211@c.us', body: 'today' });
    await eventually(() => client.sent.some((s) => s.content === 'Received: today'), 'the reply through the linked phone');
    const reply = client.sent.find((s) => s.content === 'Received: today')!;
    expect(reply.chatId).toBe('919876543211@c.us');
    const [row] = await sql<{ outcome: string; sender_phone: string }>(
      t.db,
      'select outcome, sender_phone from inbound_messages where provider_message_id = ?',
      [msg.id._serialized],
    );
    expect(row).toEqual({ outcome: 'processed', sender_phone: '+919876543211' });
    const n = await eventually(
      async () =>
        (
          await sql<{ provider_message_id: string }>(
            t.db,
            `select provider_message_id from notifications where payload->>'text' = 'Received: today' and status = 'sent'`,
          )
        )[0],
      'the notification marked sent',
    );
    expect(n.provider_message_id).toBe('true_919876543211@c.us_3EB01');

    // message_ack moves the status forward as Cloud API status webhooks do (MessageAck 2 device, 3 read).
    const status = async () =>
      (await sql<{ status: string }>(t.db, 'select status from notifications where provider_message_id = ?', [n.provider_message_id]))[0]!.status;
    client.emit('message_ack', { id: { _serialized: n.provider_message_id } }, 2);
    await eventually(async () => (await status()) === 'delivered', 'delivered after ACK_DEVICE');
    client.emit('message_ack', { id: { _serialized: n.provider_message_id } }, 3);
    await eventually(async () => (await status()) === 'read', 'read after ACK_READ');
    // A late ACK_SERVER never moves it back.
    client.emit('message_ack', { id: { _serialized: n.provider_message_id } }, 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(await status()).toBe('read');
  });
});
