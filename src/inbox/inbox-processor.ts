// Hands stored inbound messages to the chat pipeline in arrival order (an `undo` must follow the entry it
// undoes): in batches of several messages per transaction when a batch processor is given (one commit for
// many messages), else one at a time. A batch that fails as a whole is retried message by message. Fresh rows come from the channel right after storing; a sweep at start-up
// and every few seconds picks up whatever a crash or another instance left unprocessed.
import type { Database } from '../db/orm.js';
import type { Logger } from '../logger.js';
import { recordInboundAttemptFailure, unprocessedInboundIds, type ProcessInbound } from '../domain/inbox/inbound.js';

export interface InboxProcessorOptions {
  db: Database;
  logger: Logger;
  process: ProcessInbound;
  /** Handles several stored messages in one transaction, each isolated (see processInboundBatch). */
  processBatch?: (ids: string[]) => Promise<void>;
  /** Most messages handed to processBatch at once. */
  maxBatch?: number;
  /**
   * Batches run side by side on this many connections (default 1). Messages are split by `senderOf`, so one
   * sender's messages always share a lane and keep their order.
   */
  lanes?: number;
  senderOf?: (ids: string[]) => Promise<Map<string, string>>;
  sweepIntervalMs?: number;
  /** Periodic sweeps leave rows this young alone: they are probably being processed right now. */
  sweepGraceMs?: number;
  batchSize?: number;
  /** After this many failures in a row a message is marked failed and no longer retried. */
  maxAttempts?: number;
  /** Awaited before each batch (ack-first scheduling on a shared event loop: requests waiting go first). */
  beforeBatch?: () => Promise<void>;
}

export class InboxProcessor {
  private readonly log: Logger;
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private pumping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: InboxProcessorOptions) {
    this.log = o.logger.child({ component: 'inbox' });
  }

  /** Picks up everything left unprocessed, then keeps sweeping. */
  async start(): Promise<void> {
    this.running = true;
    await this.sweep(0);
    const every = this.o.sweepIntervalMs ?? 5_000;
    const tick = () => {
      this.timer = setTimeout(() => {
        this.sweep(this.o.sweepGraceMs ?? 2_000)
          .catch((err: unknown) => this.log.error({ err }, 'inbox sweep failed'))
          .finally(() => this.running && tick());
      }, every);
    };
    tick();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.queue.length = 0;
    this.queued.clear();
    await this.pumping;
  }

  /** Newly stored message ids; processed soon, never twice at once by this instance. */
  submit(ids: string[]): void {
    for (const id of ids) {
      if (this.queued.has(id)) continue;
      this.queued.add(id);
      this.queue.push(id);
    }
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
      if (this.queue.length) this.submit([]);
      else for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  /** Resolves when nothing is queued or running (tests, and a clean stop). */
  idle(): Promise<void> {
    if (!this.pumping && !this.queue.length) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async sweep(graceMs: number): Promise<number> {
    const ids = await unprocessedInboundIds(this.o.db.orm.em.fork(), this.o.batchSize ?? 200, new Date(Date.now() - graceMs));
    const fresh = ids.filter((id) => !this.queued.has(id));
    if (fresh.length) this.log.info({ count: fresh.length }, 'processing inbound messages left unprocessed');
    this.submit(fresh);
    return fresh.length;
  }

  private async pump(): Promise<void> {
    while (this.queue.length) {
      if (!this.o.processBatch) {
        if (this.o.beforeBatch) await this.o.beforeBatch();
        await this.processOne(this.queue.shift()!);
        continue;
      }
      const maxBatch = this.o.maxBatch ?? 64;
      const lanes = this.o.senderOf ? Math.max(1, this.o.lanes ?? 1) : 1;
      const taken = this.queue.splice(0, maxBatch * lanes);
      // Every lane finishes before the next ids are taken, so order holds across rounds as well.
      await Promise.all((await this.splitByLane(taken, lanes)).map((ids) => this.runLane(ids, maxBatch)));
    }
  }

  private async splitByLane(ids: string[], lanes: number): Promise<string[][]> {
    if (lanes === 1 || ids.length === 1) return [ids];
    let senders: Map<string, string>;
    try {
      senders = await this.o.senderOf!(ids);
    } catch (err) {
      this.log.warn({ err }, 'could not read the senders of a batch; running it in one lane');
      return [ids];
    }
    const out: string[][] = Array.from({ length: lanes }, () => []);
    for (const id of ids) out[laneOf(senders.get(id) ?? '', lanes)]!.push(id);
    return out.filter((l) => l.length);
  }

  private async runLane(ids: string[], maxBatch: number): Promise<void> {
    for (let i = 0; i < ids.length; i += maxBatch) {
      if (this.o.beforeBatch) await this.o.beforeBatch();
      const batch = ids.slice(i, i + maxBatch);
      // A lone message gains nothing from a batch (one commit either way), and its savepoint costs two more
      // round trips: it takes the one-message path, with its own failure counting.
      if (batch.length === 1) {
        await this.processOne(batch[0]!);
        continue;
      }
      for (let attempt = 1; ; attempt++) {
        try {
          await this.o.processBatch!(batch);
          for (const id of batch) this.queued.delete(id);
          break;
        } catch (err) {
          // Nothing of the batch was kept. A deadlock with the other lane passes on a second try; past that,
          // each message gets its own transaction and its own failure count.
          if (attempt < 3) {
            this.log.info({ err, count: batch.length, attempt }, 'an inbound batch failed as a whole; trying it again');
            continue;
          }
          this.log.warn({ err, count: batch.length }, 'an inbound batch failed as a whole; retrying its messages one by one');
          for (const id of batch) await this.processOne(id);
          break;
        }
      }
    }
  }

  private async processOne(id: string): Promise<void> {
    try {
      await this.o.process(id);
    } catch (err) {
      // Counted in the row, not here: whichever replica tries next sees the same count.
      const message = err instanceof Error ? err.message : String(err);
      const counted = await recordInboundAttemptFailure(this.o.db.orm.em.fork(), id, message, this.o.maxAttempts ?? 5).catch((e: unknown) => {
        this.log.error({ err: e, inboundMessageId: id }, 'could not count the failed try');
        return null;
      });
      this.log.error({ err, inboundMessageId: id, attempt: counted?.attempts, givenUp: counted?.failed }, 'processing an inbound message failed');
    } finally {
      this.queued.delete(id);
    }
  }
}

/** A stable lane for a sender (FNV-1a of its id). */
function laneOf(sender: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < sender.length; i++) h = Math.imul(h ^ sender.charCodeAt(i), 0x01000193);
  return (h >>> 0) % lanes;
}
