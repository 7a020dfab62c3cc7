// The outbox worker: delivers notifications rows through the configured channel. Everything that decides
// correctness is in PostgreSQL, so any number of replicas can run: claims are rows (FOR UPDATE SKIP LOCKED,
// one person's oldest open row first), the per-number send rate is a shared slot row, and the pair gap per
// person is read from sent_at. Every replica wakes on new rows through LISTEN/NOTIFY (a trigger on inserts)
// on a PostgreSQL server, and polls every pollMs anyway.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Channel, SendResult } from '../channels/channel.js';
import { ChannelSendError } from '../channels/channel.js';
import type { Database } from '../db/orm.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import pg from 'pg';
import {
  claimDueNotifications,
  reclaimExpiredClaims,
  recordRateLimited,
  recordSendFailure,
  recordSent,
  reserveSendSlots,
  type ClaimedNotification,
  type SentRecord,
} from '../domain/notifications/delivery.js';
import { GroupedWrites } from '../db/grouped-writes.js';
import type { NotificationPayload } from '../domain/notifications/notification.entity.js';
import { isChoices } from '../domain/notifications/choices.js';
import { withReferenceCache } from '../domain/reference-cache.js';
import { getBooleanSetting, getNumberSetting } from '../domain/settings/settings.service.js';

export interface DocumentContent {
  bytes: Uint8Array;
  filename: string;
  mimeType: string;
  caption?: string;
  /** The bytes were made for this send alone (a statement just drawn): the outbox frees them once sent. */
  freeAfterSend?: boolean;
}

/**
 * Frees a sent document's memory at once. A statement comes from its render worker as a transferred ArrayBuffer,
 * which V8 counts as external memory and frees only at a full collection; the outbox's thread allocates little
 * and reaches one late, so sent statements piled up by the tens of MB. Only a buffer the bytes fill whole is
 * detached: a small Buffer cut from Node's shared pool is left alone.
 */
export function freeDocumentBytes(bytes: Uint8Array): void {
  const b = bytes.buffer;
  if (b instanceof ArrayBuffer && !b.detached && bytes.byteOffset === 0 && bytes.byteLength === b.byteLength) b.transfer(0);
}

/** Turns a document notification's payload into the file to send (the settlements feature renders PDFs). */
export type DocumentResolver = (payload: NotificationPayload) => Promise<DocumentContent>;

export function isDocumentPayload(p: NotificationPayload): boolean {
  // A settlement's statement, an "unsettled so far" statement (farmer as of an instant), or a file. A payload
  // with text is a text message even when it names a settlement (a payment confirmation does).
  if (typeof p.text === 'string' && p.text) return false;
  return Boolean(p.settlementId || (p.farmerId && p.asOf) || p.documentPath);
}

/** The fallback resolver: a file already written under the data directory. */
export function fileDocumentResolver(baseDir: string): DocumentResolver {
  return async (p) => {
    if (!p.documentPath) throw new AppError('NO_DOCUMENT', 'This notification names no document file that can be sent');
    const file = path.resolve(baseDir, p.documentPath);
    if (!file.startsWith(path.resolve(baseDir) + path.sep)) throw new AppError('BAD_DOCUMENT_PATH', 'Document path leaves the data directory');
    const bytes = await fs.readFile(file).catch(() => {
      throw new AppError('DOCUMENT_MISSING', `Document ${p.documentPath} does not exist`);
    });
    return { bytes, filename: p.filename ?? path.basename(file), mimeType: 'application/pdf', caption: p.caption };
  };
}

export interface OutboxOptions {
  db: Database;
  logger: Logger;
  channel: Channel;
  resolveDocument?: DocumentResolver;
  /** Called after a notification is recorded as sent (e.g. to stamp a settlement's sent_at); failures are logged. */
  onSent?: (notification: ClaimedNotification) => Promise<void>;
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** A claim older than this is taken to be lost in a crash and the row is sent again. */
  leaseMs?: number;
  /** Expired claims are looked for at the first round and then at most this often (default 10 s). */
  reclaimEveryMs?: number;
  /** Least time between two messages to one person (WhatsApp's pair limit, about 6 s on the Cloud API). */
  recipientGapMs?: number;
  /** Texts queued for one person are sent as one message up to this many characters (default 4096, 0: never). */
  combineUpTo?: number;
  /** Whose send rate this is: the sending number (the Cloud API phone number id); shared by all replicas. */
  sendingNumber?: string;
  /** Pause after Meta's pair limit (131056); default the pair gap, or 6 s. */
  pairPauseMs?: number;
  /** Pause after Meta's throughput limit (130429); default 1 s. */
  throughputPauseMs?: number;
  /** LISTEN for new rows on a connection of its own (needs a direct connection, not a PgBouncer pool). */
  listen?: boolean;
  pollMs?: number;
  /** Awaited before each round (ack-first scheduling when the outbox shares the webhooks' event loop). */
  beforeRound?: () => Promise<void>;
  batchSize?: number;
  concurrency?: number;
  random?: () => number;
}

export class OutboxWorker {
  private readonly log: Logger;
  private listener: pg.Client | undefined;
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** wake() came while a round was running: the rows it announced may not have been seen by that round. */
  private woken = false;
  private lastReclaim = -Infinity;
  readonly maxAttempts: number;
  /** Sends that finish while another is being recorded are recorded together: one UPDATE for many replies. */
  private readonly sentWrites: GroupedWrites<SentRecord, void>;

  constructor(private readonly o: OutboxOptions) {
    this.log = o.logger.child({ component: 'outbox' });
    this.maxAttempts = o.maxAttempts ?? 8;
    this.sentWrites = new GroupedWrites({
      writeGroup: async (sent) => {
        await recordSent(o.db.orm.em.fork(), sent);
        return sent.map(() => undefined);
      },
      writeOne: (sent) => recordSent(o.db.orm.em.fork(), [sent]),
      maxGroup: 500,
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
    if (this.o.listen ?? this.o.db.kind === 'server') void this.startListening();
  }

  /** A wake-up from any replica's writes; if it fails, the poll still finds the rows. */
  private async startListening(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.db.url, application_name: 'malar-ledger outbox listen' });
    client.on('error', (err) => this.log.warn({ err }, 'outbox LISTEN connection failed; polling only'));
    client.on('notification', () => this.wake());
    try {
      await client.connect();
      await client.query('listen malar_outbox');
      if (!this.running) return void (await client.end());
      this.listener = client;
    } catch (err) {
      this.log.warn({ err }, 'could not LISTEN for new outbox rows; polling only');
      await client.end().catch(() => {});
    }
  }

  /** Finishes the batch in hand, then stops. Rows not yet claimed stay pending for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loopDone;
    await this.listener?.end().catch(() => {});
    this.listener = undefined;
  }

  /** New rows were written: look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * One round: recover expired claims, claim a batch, send it. Returns how many rows were handled. The whole
   * round is one reference-cache scope: the settings are read once at its start (one query), and the sends'
   * own reads (the Cloud API's template names, three settings per template send) come from that read.
   */
  async runOnce(): Promise<number> {
    return (await this.runRound()).handled;
  }

  /** `leftDue`: the round may have left due rows (it claimed its limit, or a recipient's rows wait behind a send). */
  private runRound(): Promise<{ handled: number; leftDue: boolean }> {
    return withReferenceCache(() => this.round());
  }

  private async round(): Promise<{ handled: number; leftDue: boolean }> {
    const em = this.o.db.orm.em.fork();
    const [enabled, ratePerSecond] = await Promise.all([getBooleanSetting(em, 'whatsapp_enabled'), getNumberSetting(em, 'outbox_rate_per_second')]);
    // Switched off by an admin: rows wait (nothing is dropped) until it is switched on again.
    if (!enabled) return { handled: 0, leftDue: false };
    // A claim expires after leaseMs (2 min): looking for expired ones every round only cost a query per reply.
    if (Date.now() - this.lastReclaim >= (this.o.reclaimEveryMs ?? 10_000)) {
      const reclaimed = await reclaimExpiredClaims(em, this.maxAttempts);
      this.lastReclaim = Date.now();
      if (reclaimed) this.log.warn({ reclaimed }, 'notifications whose send was interrupted are queued again');
    }
    const rate = Math.max(1, Math.floor(ratePerSecond) || 1);
    const limit = Math.min(this.o.batchSize ?? 50, rate);
    const claimed = await claimDueNotifications(em, {
      limit,
      leaseMs: this.o.leaseMs ?? 120_000,
      recipientGapMs: this.o.recipientGapMs ?? 0,
      combineUpTo: this.o.combineUpTo ?? 4096,
    });
    if (!claimed.length) return { handled: 0, leftDue: false };
    // The rate is per sending number, whichever replica sends: the slots come from one shared row.
    const waits = await reserveSendSlots(em, this.o.sendingNumber ?? this.o.channel.name, rate, claimed.length);
    const started = Date.now();
    const queue = claimed.map((n, k) => ({ n, at: started + waits[k]! }));
    const workers = Array.from({ length: Math.min(queue.length, this.o.concurrency ?? 8) }, async () => {
      for (let q = queue.shift(); q; q = queue.shift()) {
        const wait = q.at - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await this.deliver(q.n);
      }
    });
    await Promise.all(workers);
    return { handled: claimed.length, leftDue: claimed.length >= limit || claimed.some((n) => n.behind > 0) };
  }

  private async deliver(n: ClaimedNotification): Promise<void> {
    const em = this.o.db.orm.em.fork();
    let result: SendResult;
    try {
      result = await this.send(n);
    } catch (err) {
      const { message, retryable } = describe(err);
      const pause = rateLimitPauseMs(err, {
        pair: this.o.pairPauseMs ?? (this.o.recipientGapMs || 6_000),
        throughput: this.o.throughputPauseMs ?? 1_000,
      });
      if (pause !== null) {
        // Meta asked us to slow down: that says nothing about the message, so the try is not counted.
        await recordRateLimited(em, n.ids, message, pause);
        this.log.warn({ notificationId: n.id, pauseMs: pause, err: message }, 'rate limited by WhatsApp; will retry after the pause');
        return;
      }
      const retryAt = retryable && n.attempts < this.maxAttempts ? new Date(Date.now() + this.backoffMs(n.attempts)) : null;
      await recordSendFailure(em, n.ids, message, retryAt);
      this.log[retryAt ? 'warn' : 'error'](
        { notificationId: n.id, attempts: n.attempts, retryable, retryAt, err: message },
        retryAt ? 'send failed; will retry' : 'send failed for good',
      );
      return;
    }
    await this.sentWrites.write({ ids: n.ids, providerMessageId: result.providerMessageId, template: result.template });
    if (this.o.onSent) {
      await this.o.onSent(n).catch((err: unknown) => this.log.error({ err, notificationId: n.id }, 'after-send step failed'));
    }
    this.log.debug({ notificationId: n.id, combined: n.ids.length, providerMessageId: result.providerMessageId, template: result.template }, 'sent');
  }

  private async send(n: ClaimedNotification): Promise<SendResult> {
    if (isDocumentPayload(n.payload)) {
      if (!this.o.resolveDocument) throw new AppError('NO_DOCUMENT_RESOLVER', 'No document renderer is configured');
      const { freeAfterSend, ...doc } = await this.o.resolveDocument(n.payload);
      try {
        return await this.o.channel.sendDocument({ to: n.recipientPhone, ...doc });
      } finally {
        if (freeAfterSend) freeDocumentBytes(doc.bytes);
      }
    }
    if (typeof n.payload.text !== 'string' || !n.payload.text) throw new AppError('EMPTY_NOTIFICATION', 'Notification has no text');
    return this.o.channel.sendText({
      to: n.recipientPhone,
      text: n.payload.text,
      ...(isChoices(n.payload.choices) ? { choices: n.payload.choices } : {}),
    });
  }

  /** Exponential with "equal jitter": between half and all of base·2^(attempt-1), capped. */
  backoffMs(attempt: number): number {
    const cap = this.o.maxBackoffMs ?? 15 * 60_000;
    const exp = Math.min(cap, (this.o.baseBackoffMs ?? 5_000) * 2 ** Math.max(0, attempt - 1));
    return Math.round(exp / 2 + (this.o.random ?? Math.random)() * (exp / 2));
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let round = { handled: 0, leftDue: false };
      this.woken = false;
      try {
        await this.o.beforeRound?.();
        if (this.o.channel.status().ok) round = await this.runRound();
      } catch (err) {
        this.log.error({ err }, 'outbox round failed; trying again shortly');
      }
      // Go again at once after a round that may have left due rows (its limit reached, or a recipient's next row
      // due only now that the one before it is sent), or when rows were announced while the round ran (that
      // wake-up found no one waiting). Not after every send: the empty round that followed cost two queries a reply.
      const more = (round.handled > 0 && round.leftDue) || this.woken;
      if (!more && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.o.pollMs ?? 1_000);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeUp = undefined;
      }
    }
  }
}

function describe(err: unknown): { message: string; retryable: boolean } {
  if (err instanceof ChannelSendError) return { message: err.message, retryable: err.retryable };
  // An expected refusal (missing document, empty text) will not change by trying again.
  if (err instanceof AppError) return { message: `${err.code}: ${err.message}`, retryable: false };
  return { message: err instanceof Error ? err.message : String(err), retryable: true };
}

/** Meta's pair limit (131056: one person, too many too fast) and throughput limit (130429, per number). */
export const PAIR_RATE_LIMIT = '131056';
export const THROUGHPUT_LIMIT = '130429';

/** How long to wait before trying a rate-limited send again; null when the error is not a rate limit. */
export function rateLimitPauseMs(err: unknown, pauses: { pair: number; throughput: number }): number | null {
  if (!(err instanceof ChannelSendError)) return null;
  // Meta gives no Retry-After; its guidance is about one message per 6 s to one person, and a fresh
  // second for the per-number throughput.
  if (err.code === PAIR_RATE_LIMIT) return pauses.pair;
  if (err.code === THROUGHPUT_LIMIT) return pauses.throughput;
  return null;
}
