// The whatsapp-web.js adapter against a stand-in client with the real client's event and send API
// (the real one needs WhatsApp's servers), plus construction of the real Client with CHROME_PATH.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import wweb from 'whatsapp-web.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelSendError } from '../../src/channels/channel.js';
import { createRealClient, createRealMedia, sessionDir } from '../../src/channels/webjs/client.js';
import { WebjsChannel } from '../../src/channels/webjs/webjs-channel.js';
import { refuseInbound, type InboundMessage } from '../../src/domain/inbox/inbound.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { eventually } from '../support/channels.js';
import { StandInClient } from '../support/webjs-stand-in.js';

const logger = createLogger({ logLevel: 'silent' });

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());

function setup() {
  const clients: StandInClient[] = [];
  const received: InboundMessage[] = [];
  const qrs: string[] = [];
  const channel = new WebjsChannel({
    logger,
    createClient: () => {
      const c = new StandInClient();
      clients.push(c);
      return c;
    },
    createMedia: (mimetype, data, filename) => ({ mimetype, data, filename }),
    showQr: (qr) => qrs.push(qr),
    refuse: async (m, reason) => {
      await refuseInbound(t.db.orm.em.fork(), m, reason);
    },
    reconnectBaseMs: 1,
    reconnectMaxMs: 5,
    sendTimeoutMs: 100,
    storeRetryMs: [1, 1],
  });
  return { channel, clients, received, qrs, onInbound: async (m: InboundMessage) => void received.push(m) };
}

describe('connection', () => {
  it('shows the QR code, becomes ready, and reports a lost session on status', async () => {
    const s = setup();
    await s.channel.start(s.onInbound);
    const client = s.clients[0]!;
    expect(client.initialized).toBe(1);
    expect(s.channel.status().ok).toBe(false);

    client.emit('qr', '2@AbCdEf==,xyz');
    expect(s.qrs).toEqual(['2@AbCdEf==,xyz']);
    expect(s.channel.status()).toMatchObject({ ok: false });
    expect(s.channel.status().detail).toContain('QR');

    client.emit('ready');
    expect(s.channel.status()).toEqual({ ok: true, detail: 'ready' });

    client.emit('disconnected', 'LOGOUT');
    expect(s.channel.status().ok).toBe(false);
    expect(s.channel.status().detail).toContain('link it again');
    // A fresh client replaces the old one after the backoff.
    await eventually(() => s.clients.length === 2 && s.clients[1]!.initialized === 1, 'a new client');
    expect(client.destroyed).toBe(1);
    s.clients[1]!.emit('ready');
    expect(s.channel.status().ok).toBe(true);
    await s.channel.stop();
    expect(s.clients[1]!.destroyed).toBe(1);
  });

  it('says so when the stored session cannot be restored', async () => {
    const s = setup();
    await s.channel.start(s.onInbound);
    s.clients[0]!.emit('auth_failure', 'session expired');
    expect(s.channel.status().ok).toBe(false);
    expect(s.channel.status().detail).toContain('link the phone again');
    await eventually(() => s.clients.length === 2, 'a new client showing a new QR');
    await s.channel.stop();
  });
});

describe('incoming messages', () => {
  it('maps a text from a phone id to an InboundMessage with the phone in E.164', async () => {
    const s = setup();
    await s.channel.start(s.onInbound);
    const msg = s.clients[0]!.receive({ from: '919876543211@c.us', body: 'FAR001 malli 12.5' });
    await eventually(() => s.received.length === 1, 'the message');
    expect(s.received[0]).toMatchObject({
      channel: 'webjs',
      providerMessageId: msg.id._serialized,
      sender: '919876543211@c.us',
      senderPhone: '+919876543211',
      text: 'FAR001 malli 12.5',
      mediaKind: null,
      receivedAt: new Date(1795000000 * 1000),
    });
    await s.channel.stop();
  });

  it('marks non-text kinds and ignores own, status and group messages', async () => {
    const s = setup();
    await s.channel.start(s.onInbound);
    const c = s.clients[0]!;
    c.receive({ from: '919876543212@c.us', type: 'ptt' });
    c.receive({ from: '919876543212@c.us', type: 'image', body: '/9j/4AAQ' });
    c.receive({ from: '919876543212@c.us', type: 'sticker' });
    c.receive({ from: '919876543212@c.us', type: 'e2e_notification' });
    c.receive({ from: '919876543212@c.us', fromMe: true, body: 'sent by the agent' });
    c.receive({ from: 'status@broadcast', isStatus: true, body: 'story' });
    c.receive({ from: '120363025246125486@g.us', body: 'group chatter' });
    await eventually(() => s.received.length === 4, 'four messages');
    await new Promise((r) => setTimeout(r, 50));
    expect(s.received.map((m) => [m.mediaKind, m.text])).toEqual([
      ['voice', null],
      ['image', null],
      ['sticker', null],
      ['unknown', null],
    ]);
    await s.channel.stop();
  });

  it('resolves an @lid sender to the phone number WhatsApp gives for exactly that id', async () => {
    const s = setup();
    await s.channel.start(s.onInbound);
    const c = s.clients[0]!;
    c.lids.set('128712551223339@lid', '919876543211@c.us');
    c.receive({ from: '128712551223339@lid', body: 'bal FAR001' });
    await eventually(() => s.received.length === 1, 'the resolved message');
    expect(s.received[0]).toMatchObject({ sender: '128712551223339@lid', senderPhone: '+919876543211', text: 'bal FAR001' });
    await s.channel.stop();
  });

  it('refuses an @lid sender it cannot resolve: stored as refused with a security log row, never processed', async () => {
    const s = setup();
    await s.channel.start(s.onInbound);
    const c = s.clients[0]!;
    // The lookup answers for a different id: that number must not be used for this sender.
    c.lids.set('555000111222@lid', '919876543211');
    const msg = c.receive({ from: '999888777666@lid', body: 'paid FAR001 500' });
    await eventually(
      async () => (await sql(t.db, 'select 1 from inbound_messages where provider_message_id = ?', [msg.id._serialized])).length === 1,
      'the refused row',
    );
    expect(s.received).toEqual([]);
    const [row] = await sql<{ id: string; outcome: string; sender_phone: string | null; text: string }>(
      t.db,
      'select id::text as id, outcome, sender_phone, text from inbound_messages where provider_message_id = ?',
      [msg.id._serialized],
    );
    expect(row).toMatchObject({ outcome: 'refused', sender_phone: null, text: 'paid FAR001 500' });
    const logs = await sql<{ action: string; details: { sender: string } }>(
      t.db,
      `select action, details from security_logs where entity = 'inbound_message' and entity_id = ?`,
      [row!.id],
    );
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ action: 'inbound_refused', details: { sender: '999888777666@lid' } });
    await s.channel.stop();
  });
});

describe('storing', () => {
  it('tries again when storing an incoming message fails, so a database hiccup loses nothing', async () => {
    const s = setup();
    let failures = 2;
    const stored: InboundMessage[] = [];
    await s.channel.start(async (m) => {
      if (failures-- > 0) throw new Error('connection terminated');
      stored.push(m);
    });
    s.clients[0]!.receive({ from: '919876543211@c.us', body: 'adv FAR001 500' });
    await eventually(() => stored.length === 1, 'the message stored on the third try');
    expect(stored[0]!.text).toBe('adv FAR001 500');
    await s.channel.stop();
  });
});

describe('sending', () => {
  it('sends text and a PDF as a document to the registered chat id', async () => {
    const s = setup();
    await s.channel.start(s.onInbound);
    const c = s.clients[0]!;
    c.emit('ready');
    const text = await s.channel.sendText({ to: '+919876543211', text: 'சேமிக்கப்பட்டது' });
    expect(text.providerMessageId).toBe('true_919876543211@c.us_3EB01');
    const pdf = Buffer.from('%PDF-1.7 statement bytes');
    const doc = await s.channel.sendDocument({
      to: '+919876543212',
      bytes: pdf,
      filename: 'S-2026W47-FAR002.pdf',
      mimeType: 'application/pdf',
      caption: 'Weekly statement',
    });
    expect(doc.providerMessageId).toBe('true_919876543212@c.us_3EB02');
    expect(c.sent[0]).toEqual({ chatId: '919876543211@c.us', content: 'சேமிக்கப்பட்டது', options: undefined });
    expect(c.sent[1]!.chatId).toBe('919876543212@c.us');
    expect(c.sent[1]!.content).toEqual({ mimetype: 'application/pdf', data: pdf.toString('base64'), filename: 'S-2026W47-FAR002.pdf' });
    expect(c.sent[1]!.options).toEqual({ caption: 'Weekly statement', sendMediaAsDocument: true });
    await s.channel.stop();
  });

  it('refuses for good a number not on WhatsApp, and asks to retry while disconnected or on a send error', async () => {
    const s = setup();
    await s.channel.start(s.onInbound);
    const c = s.clients[0]!;
    const notReady = await s.channel.sendText({ to: '+919876543211', text: 'x' }).catch((e: unknown) => e);
    expect(notReady).toBeInstanceOf(ChannelSendError);
    expect((notReady as ChannelSendError).retryable).toBe(true);

    c.emit('ready');
    const unknown = await s.channel.sendText({ to: '+919999999999', text: 'x' }).catch((e: unknown) => e);
    expect((unknown as ChannelSendError).retryable).toBe(false);

    c.failSend = true;
    const crashed = await s.channel.sendText({ to: '+919876543211', text: 'x' }).catch((e: unknown) => e);
    expect((crashed as ChannelSendError).retryable).toBe(true);

    c.failSend = false;
    c.hangSend = true;
    const stuck = await s.channel.sendText({ to: '+919876543211', text: 'x' }).catch((e: unknown) => e);
    expect(stuck).toBeInstanceOf(ChannelSendError);
    expect((stuck as ChannelSendError).retryable).toBe(true);
    await s.channel.stop();
  });
});

describe('the real whatsapp-web.js client', () => {
  it('is constructed with LocalAuth under DATA_DIR and the browser from CHROME_PATH (without starting it)', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-webjs-'));
    try {
      const client = createRealClient({ dataDir, chromePath: '/usr/bin/chromium' });
      expect(client).toBeInstanceOf(wweb.Client);
      const options = (client as unknown as { options: { puppeteer: { executablePath?: string }; authStrategy: unknown } }).options;
      expect(options.puppeteer.executablePath).toBe('/usr/bin/chromium');
      expect(options.authStrategy).toBeInstanceOf(wweb.LocalAuth);
      expect((options.authStrategy as { dataPath: string }).dataPath).toBe(sessionDir(dataDir));
      expect(sessionDir(dataDir).startsWith(dataDir)).toBe(true);

      const media = createRealMedia('application/pdf', Buffer.from('%PDF').toString('base64'), 'a.pdf');
      expect(media).toBeInstanceOf(wweb.MessageMedia);
      expect(media.filename).toBe('a.pdf');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('pacing a linked phone', () => {
  it('waits the gap with jitter, shows typing before each message, and stops at the daily cap', async () => {
    // A fake clock: sleeping moves time on at once, so the test takes no real time.
    let now = 1_000_000;
    const sleeps: number[] = [];
    const clock = { now: () => now, sleep: async (ms: number) => void (sleeps.push(ms), (now += ms)) };
    const clients: StandInClient[] = [];
    const channel = new WebjsChannel({
      logger,
      createClient: () => {
        const c = new StandInClient();
        c.now = clock.now;
        clients.push(c);
        return c;
      },
      createMedia: (mimetype, data, filename) => ({ mimetype, data, filename }),
      showQr: () => {},
      refuse: async () => {},
      pacing: { gapMs: 4_000, jitterMs: 2_000, typingMs: 1_000, dailyCap: 3 },
      clock,
      random: () => 0.5,
      dayOf: () => '2026-12-02',
    });
    await channel.start(async () => {});
    clients[0]!.emit('ready');
    // Three sends at once, as the outbox's workers would: they go one after the other.
    await Promise.all([1, 2, 3].map((k) => channel.sendText({ to: '+919876543211', text: `m${k}` })));
    const events = clients[0]!.events;
    expect(events.map((e) => e.what)).toEqual(['typing', 'send', 'typing', 'send', 'typing', 'send']);
    // Gap 4 s + half of the 2 s jitter = 5 s after the last send, then 1 s of typing: 6 s apart.
    const sends = events.filter((e) => e.what === 'send').map((e) => e.at);
    expect(sends).toEqual([1_001_000, 1_007_000, 1_013_000]);
    expect(sleeps).toEqual([1_000, 5_000, 1_000, 5_000, 1_000]);
    // The fourth message of the day waits for tomorrow: retryable, not sent.
    const capped = await channel.sendText({ to: '+919876543211', text: 'm4' }).catch((e: unknown) => e);
    expect(capped).toBeInstanceOf(ChannelSendError);
    expect(capped).toMatchObject({ retryable: true, code: 'daily_cap' });
    expect(clients[0]!.sent).toHaveLength(3);
    await channel.stop();
  });
});
