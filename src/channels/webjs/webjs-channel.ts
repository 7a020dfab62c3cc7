// whatsapp-web.js: a staff phone linked as a device. The client is a browser driving WhatsApp Web, so the
// session can be lost and senders can arrive as '@lid' ids; both are handled here and nowhere else.
import type { Channel, ChannelStatus, OutboundDocument, OutboundText, SendResult } from '../channel.js';
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
  removeAllListeners(): unknown;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  sendMessage(chatId: string, content: string | WebjsMedia, options?: { caption?: string; sendMediaAsDocument?: boolean }): Promise<{ id: { _serialized: string } }>;
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
}

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
    return this.sendVia(() => this.client!.sendMessage(chat, m.text));
  }

  async sendDocument(m: OutboundDocument): Promise<SendResult> {
    const chat = await this.chatId(m.to);
    const media = this.o.createMedia(m.mimeType, Buffer.from(m.bytes).toString('base64'), m.filename);
    return this.sendVia(() => this.client!.sendMessage(chat, media, { caption: m.caption, sendMediaAsDocument: true }));
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
