// whatsapp-web.js: a staff phone linked as a device. The client is a browser driving WhatsApp Web, so the
// session can be lost and senders can arrive as '@lid' ids; both are handled here and nowhere else.
import type { Channel, ChannelStatus, OutboundDocument, OutboundText, RememberMenu, SendResult } from '../channel.js';
import { numberedMenu } from '../../domain/notifications/choices.js';
import { ChannelSendError } from '../channel.js';
import type { InboundMessage, MediaKind } from '../../domain/inbox/inbound.js';
import { normalizePhone } from '../../domain/phone.js';
import type { Logger } from '../../logger.js';

/** The part of whatsapp-web.js's Message this adapter reads. */
export interface WebjsMessage {
  id: { _serialized: string };
  from: string;
  fromMe: boolean;
  isStatus?: boolean;
  body: string;
  type: string;
  timestamp: number;
}

export interface WebjsMedia {
  mimetype: string;
  data: string;
  filename?: string | null;
}

/** The part of whatsapp-web.js's Client this adapter uses (a stand-in implements it in tests). */
export interface WebjsClient {
  on(event: 'qr', listener: (qr: string) => void): unknown;
  on(event: 'ready' | 'authenticated', listener: () => void): unknown;
  on(event: 'auth_failure', listener: (message: string) => void): unknown;
  on(event: 'disconnected', listener: (reason: string) => void): unknown;
  on(event: 'message', listener: (message: WebjsMessage) => void): unknown;
  on(event: 'message_ack', listener: (message: { id: { _serialized: string } }, ack: number) => void): unknown;
  /** For the typing pause before a send (whatsapp-web.js Chat.sendStateTyping). */
  getChatById?(chatId: string): Promise<{ sendStateTyping(): Promise<void>; clearState?(): Promise<void> }>;
  removeAllListeners(): unknown;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  sendMessage(
    chatId: string,
    content: string | WebjsMedia,
    options?: { caption?: string; sendMediaAsDocument?: boolean },
  ): Promise<{ id: { _serialized: string } }>;
  getNumberId(number: string): Promise<{ _serialized: string } | null>;
  getContactLidAndPhone(userIds: string[]): Promise<{ lid: string; pn: string }[]>;
}

export interface WebjsChannelOptions {
  logger: Logger;
  /** A new client each time (after a lost session the old one is destroyed). */
  createClient: () => WebjsClient;
  /** Builds the media object for a document (whatsapp-web.js's MessageMedia in production). */
  createMedia: (mimeType: string, base64: string, filename: string) => WebjsMedia;
  /** Shows the linking QR code (printed in the terminal in production). */
  showQr: (qr: string) => void;
  /** Stores a message that must not be acted on, with a security log row (e.g. an unresolvable @lid). */
  refuse: (message: InboundMessage, reason: string) => Promise<void>;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  sendTimeoutMs?: number;
  /** Pauses between attempts to store an incoming message (WhatsApp Web will not deliver it again). */
  storeRetryMs?: number[];
  /** A linked phone sends like a person: a pause between messages, a typing pause, a daily cap. */
  pacing?: WebjsPacing;
  /** A delivery report (message_ack) for a message we sent; updates the notification's status. */
  onAck?: (providerMessageId: string, status: 'sent' | 'delivered' | 'read' | 'failed') => Promise<void>;
  /**
   * Buttons and lists are not offered to unofficial clients: choices go as a numbered text menu, remembered
   * here so that a reply of the number runs the command.
   */
  rememberMenu?: RememberMenu;
  /** The clock, replaceable in tests. */
  clock?: { now(): number; sleep(ms: number): Promise<void> };
  random?: () => number;
  /** The market's day for the daily cap (YYYY-MM-DD in its time zone). */
  dayOf?: (at: number) => string;
}

export interface WebjsPacing {
  /** Least time between two sends, plus up to jitterMs more at random. */
  gapMs: number;
  jitterMs: number;
  /** "typing…" shown this long before each message. */
  typingMs: number;
  /** At most this many messages a day; the rest wait for tomorrow (the outbox retries them). */
  dailyCap: number;
}

/** whatsapp-web.js MessageAck: ACK_ERROR -1, ACK_PENDING 0, ACK_SERVER 1, ACK_DEVICE 2, ACK_READ 3, ACK_PLAYED 4. */
export function ackStatus(ack: number): 'sent' | 'delivered' | 'read' | 'failed' | null {
  if (ack === -1) return 'failed';
  if (ack === 1) return 'sent';
  if (ack === 2) return 'delivered';
  if (ack >= 3) return 'read';
  return null;
}

const realClock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

const KINDS: Record<string, MediaKind> = {
  image: 'image',
  audio: 'audio',
  ptt: 'voice',
  video: 'video',
  document: 'document',
  sticker: 'sticker',
  location: 'location',
  vcard: 'contacts',
  multi_vcard: 'contacts',
  list_response: 'interactive',
  buttons_response: 'interactive',
  template_button_reply: 'interactive',
  reaction: 'reaction',
};

type State = 'stopped' | 'starting' | 'waiting_for_qr' | 'ready' | 'reconnecting' | 'auth_failed';

export class WebjsChannel implements Channel {
  readonly name = 'webjs' as const;
  private client: WebjsClient | undefined;
  private state: State = 'stopped';
  private detail: string | undefined;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private onInbound: ((m: InboundMessage) => Promise<void>) | undefined;
  private readonly log: Logger;
  /** Sends go one at a time through this chain, paced. */
  private line: Promise<unknown> = Promise.resolve();
  private lastSentAt = -Infinity;
  private day = { date: '', count: 0 };

  constructor(private readonly o: WebjsChannelOptions) {
    this.log = o.logger.child({ component: 'webjs' });
  }

  async start(onInbound: (message: InboundMessage) => Promise<void>): Promise<void> {
    this.onInbound = onInbound;
    this.connect();
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    clearTimeout(this.retryTimer);
    await this.dropClient();
  }

  status(): ChannelStatus {
    return { ok: this.state === 'ready', detail: this.detail ?? this.state };
  }

  async sendText(m: OutboundText): Promise<SendResult> {
    const chat = await this.chatId(m.to);
    const text = m.choices ? numberedMenu(m.text, m.choices) : m.text;
    const sent = await this.paced(chat, () => this.sendVia(() => this.client!.sendMessage(chat, text)));
    if (m.choices)
      await this.o.rememberMenu?.(
        m.to,
        m.choices.items.map((c) => c.id),
      );
    return sent;
  }

  async sendDocument(m: OutboundDocument): Promise<SendResult> {
    const chat = await this.chatId(m.to);
    const media = this.o.createMedia(m.mimeType, Buffer.from(m.bytes).toString('base64'), m.filename);
    return this.paced(chat, () => this.sendVia(() => this.client!.sendMessage(chat, media, { caption: m.caption, sendMediaAsDocument: true })));
  }

  /**
   * One send at a time, like a person: the daily cap, then the gap since the last message (with jitter), then
   * "typing…" for a moment. A linked phone that fires messages at machine speed is how numbers get banned.
   * Held in this process: a linked phone's session is driven by exactly one process.
   */
  private paced(chat: string, send: () => Promise<SendResult>): Promise<SendResult> {
    const pacing = this.o.pacing;
    if (!pacing) return send();
    const clock = this.o.clock ?? realClock;
    const run = async () => {
      const today = (this.o.dayOf ?? ((at) => new Date(at).toISOString().slice(0, 10)))(clock.now());
      if (this.day.date !== today) this.day = { date: today, count: 0 };
      if (this.day.count >= pacing.dailyCap) {
        throw new ChannelSendError(
          `the linked phone's daily cap of ${pacing.dailyCap} messages is reached; sending resumes tomorrow`,
          true,
          'daily_cap',
        );
      }
      const gap = pacing.gapMs + Math.round((this.o.random ?? Math.random)() * pacing.jitterMs);
      const wait = this.lastSentAt + gap - clock.now();
      if (wait > 0) await clock.sleep(wait);
      if (pacing.typingMs > 0 && this.client?.getChatById) {
        try {
          const c = await this.client.getChatById(chat);
          await c.sendStateTyping();
          await clock.sleep(pacing.typingMs);
        } catch (err) {
          this.log.debug({ err }, 'could not show typing; sending anyway');
        }
      }
      this.day.count += 1;
      try {
        return await send();
      } finally {
        this.lastSentAt = clock.now();
      }
    };
    const result = this.line.then(run, run);
    this.line = result.catch(() => {});
    return result;
  }

  private connect(): void {
    const client = this.o.createClient();
    this.client = client;
    this.state = 'starting';
    client.on('qr', (qr) => {
      this.state = 'waiting_for_qr';
      this.detail = 'waiting for the phone to scan the QR code (WhatsApp → Linked devices)';
      this.log.warn('link this service: scan the QR code below with WhatsApp → Settings → Linked devices');
      this.o.showQr(qr);
    });
    client.on('ready', () => {
      this.state = 'ready';
      this.detail = undefined;
      this.attempt = 0;
      this.log.info('WhatsApp session ready');
    });
    client.on('auth_failure', (message) => {
      this.state = 'auth_failed';
      this.detail = `session could not be restored (${message}); link the phone again`;
      this.log.error({ message }, 'WhatsApp session lost: authentication failed; a new QR code will follow');
      this.reconnect();
    });
    client.on('disconnected', (reason) => {
      this.detail = reason === 'LOGOUT' ? 'logged out from the phone; link it again with the QR code' : `disconnected (${reason})`;
      this.log.error({ reason }, 'WhatsApp session disconnected; reconnecting');
      this.reconnect();
    });
    client.on('message_ack', (msg, ack) => {
      const status = ackStatus(ack);
      if (!status || !this.o.onAck) return;
      this.o
        .onAck(msg.id._serialized, status)
        .catch((err: unknown) => this.log.warn({ err, id: msg.id._serialized }, 'could not record a delivery report'));
    });
    client.on('message', (msg) => {
      this.receive(msg).catch((err: unknown) => this.log.error({ err, id: msg.id._serialized }, 'could not store an incoming message'));
    });
    client.initialize().catch((err: unknown) => {
      this.detail = `browser failed to start: ${(err as Error).message}`;
      this.log.error({ err }, 'whatsapp-web.js failed to start (is CHROME_PATH right?)');
      this.reconnect();
    });
  }

  private reconnect(): void {
    if (this.state === 'stopped') return;
    if (this.state !== 'auth_failed') this.state = 'reconnecting';
    clearTimeout(this.retryTimer);
    const delay = Math.min(this.o.reconnectMaxMs ?? 60_000, (this.o.reconnectBaseMs ?? 2_000) * 2 ** this.attempt);
    this.attempt += 1;
    this.log.info({ delayMs: delay, attempt: this.attempt }, 'reconnecting to WhatsApp Web');
    this.retryTimer = setTimeout(() => {
      void this.dropClient().then(() => this.state !== 'stopped' && this.connect());
    }, delay);
  }

  private async dropClient(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    if (!old) return;
    old.removeAllListeners();
    await old.destroy().catch((err: unknown) => this.log.warn({ err }, 'destroying the old client failed'));
  }

  /** Resolves the sender to a phone number; an id that cannot be resolved is refused, never guessed. */
  async receive(msg: WebjsMessage): Promise<void> {
    if (msg.fromMe || msg.isStatus || msg.from.endsWith('@g.us') || msg.from.endsWith('@broadcast') || msg.from.endsWith('@newsletter')) return;
    const kind: MediaKind | null = msg.type === 'chat' ? null : (KINDS[msg.type] ?? 'unknown');
    const base: InboundMessage = {
      channel: 'webjs',
      providerMessageId: msg.id._serialized,
      sender: msg.from,
      senderPhone: null,
      text: kind ? null : msg.body,
      mediaKind: kind,
      receivedAt: new Date(msg.timestamp * 1000),
      raw: { from: msg.from, type: msg.type },
    };
    const phone = await this.resolvePhone(msg.from);
    if (!phone) {
      this.log.warn({ sender: msg.from }, 'message from a sender whose phone number is unknown; refused');
      await this.o.refuse(base, 'sender id could not be resolved to a phone number');
      return;
    }
    await this.store({ ...base, senderPhone: phone });
  }

  /** WhatsApp Web hands each message over once: a database hiccup must not lose it, so try a few times. */
  private async store(message: InboundMessage): Promise<void> {
    const pauses = this.o.storeRetryMs ?? [1_000, 5_000, 30_000];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.onInbound?.(message);
        return;
      } catch (err) {
        if (attempt >= pauses.length) throw err;
        this.log.warn({ err, id: message.providerMessageId, attempt: attempt + 1 }, 'storing an incoming message failed; trying again');
        await new Promise((r) => setTimeout(r, pauses[attempt]));
      }
    }
  }

  private async resolvePhone(from: string): Promise<string | null> {
    const [user, server] = from.split('@');
    if (server === 'c.us') return normalizePhone(`+${user}`);
    if (server !== 'lid' || !this.client) return null;
    try {
      const found = await this.client.getContactLidAndPhone([from]);
      const match = found.find((r) => r.lid === from);
      const pn = match?.pn?.split('@')[0];
      return pn && /^\d+$/.test(pn) ? normalizePhone(`+${pn}`) : null;
    } catch (err) {
      this.log.warn({ err, sender: from }, 'looking up the phone number of an @lid sender failed');
      return null;
    }
  }

  private async chatId(phone: string): Promise<string> {
    if (!this.client || this.state !== 'ready') throw new ChannelSendError('WhatsApp Web is not connected', true, 'not_ready');
    let id: { _serialized: string } | null;
    try {
      id = await this.client.getNumberId(phone.replace(/^\+/, ''));
    } catch (err) {
      throw new ChannelSendError(`WhatsApp Web lookup failed: ${(err as Error).message}`, true, 'lookup_failed');
    }
    if (!id) throw new ChannelSendError(`${phone} is not on WhatsApp`, false, 'not_on_whatsapp');
    return id._serialized;
  }

  private async sendVia(send: () => Promise<{ id: { _serialized: string } }>): Promise<SendResult> {
    let timer: NodeJS.Timeout | undefined;
    // A stuck browser page never answers; give up well inside the outbox's claim lease and retry later.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer from WhatsApp Web')), this.o.sendTimeoutMs ?? 60_000);
    });
    try {
      const sent = await Promise.race([send(), timeout]);
      return { providerMessageId: sent.id._serialized };
    } catch (err) {
      throw new ChannelSendError(`WhatsApp Web send failed: ${(err as Error).message}`, true, 'send_failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
