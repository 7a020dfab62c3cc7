// The outbox worker: delivers notifications rows through the configured channel. Claims are rows in the
// database (FOR UPDATE SKIP LOCKED), so several instances can run; nothing here is needed for correctness
// except the rate limiter, which is per instance.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Channel, SendResult } from '../channels/channel.js';
import { ChannelSendError } from '../channels/channel.js';
import type { Database } from '../db/orm.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  claimDueNotifications,
  reclaimExpiredClaims,
  recordSendFailure,
  recordSent,
  type ClaimedNotification,
} from '../domain/notifications/delivery.js';
import type { NotificationPayload } from '../domain/notifications/notification.entity.js';
import { withReferenceCache } from '../domain/reference-cache.js';
import { getBooleanSetting, getNumberSetting } from '../domain/settings/settings.service.js';
import { RateLimiter } from './rate-limiter.js';

export interface DocumentContent {
  bytes: Uint8Array;
  filename: string;
  mimeType: string;
  caption?: string;
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
  recipientGapMs?: number;
  pollMs?: number;
  batchSize?: number;
  concurrency?: number;
  random?: () => number;
}

export class OutboxWorker {
  private readonly log: Logger;
  private readonly limiter = new RateLimiter();
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** wake() came while a round was running: the rows it announced may not have been seen by that round. */
  private woken = false;
  private lastReclaim = -Infinity;
  readonly maxAttempts: number;

  constructor(private readonly o: OutboxOptions) {
    this.log = o.logger.child({ component: 'outbox' });
    this.maxAttempts = o.maxAttempts ?? 8;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Finishes the batch in hand, then stops. Rows not yet claimed stay pending for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loopDone;
  }

  /** New rows were written: look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** One round: recover expired claims, claim a batch, send it. Returns how many rows were handled. */
  async runOnce(): Promise<number> {
    const em = this.o.db.orm.em.fork();
    // Both settings in one query (a round per reply used to cost 4 queries before the claim).
    const [enabled, ratePerSecond] = await withReferenceCache(() =>
      Promise.all([getBooleanSetting(em, 'whatsapp_enabled'), getNumberSetting(em, 'outbox_rate_per_second')]),
    );
    // Switched off by an admin: rows wait (nothing is dropped) until it is switched on again.
    if (!enabled) return 0;
    // A claim expires after leaseMs (2 min): looking for expired ones every round only cost a query per reply.
    if (Date.now() - this.lastReclaim >= (this.o.reclaimEveryMs ?? 10_000)) {
      const reclaimed = await reclaimExpiredClaims(em, this.maxAttempts);
      this.lastReclaim = Date.now();
      if (reclaimed) this.log.warn({ reclaimed }, 'notifications whose send was interrupted are queued again');
    }
    const rate = Math.max(1, Math.floor(ratePerSecond) || 1);
    this.limiter.setRate(rate);
    const claimed = await claimDueNotifications(em, {
      limit: Math.min(this.o.batchSize ?? 50, rate),
      leaseMs: this.o.leaseMs ?? 120_000,
      recipientGapMs: this.o.recipientGapMs ?? 0,
    });
    const queue = [...claimed];
    const workers = Array.from({ length: Math.min(queue.length, this.o.concurrency ?? 8) }, async () => {
      for (let n = queue.shift(); n; n = queue.shift()) await this.deliver(n);
    });
    await Promise.all(workers);
    return claimed.length;
  }

  private async deliver(n: ClaimedNotification): Promise<void> {
    const em = this.o.db.orm.em.fork();
    let result: SendResult;
    try {
      await this.limiter.take();
      result = await this.send(n);
    } catch (err) {
      const { message, retryable } = describe(err);
      const retryAt = retryable && n.attempts < this.maxAttempts ? new Date(Date.now() + this.backoffMs(n.attempts)) : null;
      await recordSendFailure(em, n.id, message, retryAt);
      this.log[retryAt ? 'warn' : 'error'](
        { notificationId: n.id, attempts: n.attempts, retryable, retryAt, err: message },
        retryAt ? 'send failed; will retry' : 'send failed for good',
      );
      return;
    }
    await recordSent(em, n.id, result);
    if (this.o.onSent) {
      await this.o.onSent(n).catch((err: unknown) => this.log.error({ err, notificationId: n.id }, 'after-send step failed'));
    }
    this.log.debug({ notificationId: n.id, providerMessageId: result.providerMessageId, template: result.template }, 'sent');
  }

  private async send(n: ClaimedNotification): Promise<SendResult> {
    if (isDocumentPayload(n.payload)) {
      if (!this.o.resolveDocument) throw new AppError('NO_DOCUMENT_RESOLVER', 'No document renderer is configured');
      const doc = await this.o.resolveDocument(n.payload);
      return this.o.channel.sendDocument({ to: n.recipientPhone, ...doc });
    }
    if (typeof n.payload.text !== 'string' || !n.payload.text) throw new AppError('EMPTY_NOTIFICATION', 'Notification has no text');
    return this.o.channel.sendText({ to: n.recipientPhone, text: n.payload.text });
  }

  /** Exponential with "equal jitter": between half and all of base·2^(attempt-1), capped. */
  backoffMs(attempt: number): number {
    const cap = this.o.maxBackoffMs ?? 15 * 60_000;
    const exp = Math.min(cap, (this.o.baseBackoffMs ?? 5_000) * 2 ** Math.max(0, attempt - 1));
    return Math.round(exp / 2 + (this.o.random ?? Math.random)() * (exp / 2));
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let handled = 0;
      this.woken = false;
      try {
        if (this.o.channel.status().ok) handled = await this.runOnce();
      } catch (err) {
        this.log.error({ err }, 'outbox round failed; trying again shortly');
      }
      // Go again at once after a round that sent something (a recipient's next row is due only now), or when
      // rows were announced while the round ran (that wake-up found no one waiting and was lost before).
      const more = handled > 0 || this.woken;
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
