// Hands stored inbound messages to the chat pipeline, one at a time and in arrival order (an `undo` must
// follow the entry it undoes). Fresh rows come from the channel right after storing; a sweep at start-up
// and every few seconds picks up whatever a crash or another instance left unprocessed.
import type { Database } from '../db/orm.js';
import type { Logger } from '../logger.js';
import { markInboundFailed, unprocessedInboundIds, type ProcessInbound } from '../domain/inbox/inbound.js';

export interface InboxProcessorOptions {
  db: Database;
  logger: Logger;
  process: ProcessInbound;
  sweepIntervalMs?: number;
  /** Periodic sweeps leave rows this young alone: they are probably being processed right now. */
  sweepGraceMs?: number;
  batchSize?: number;
  /** After this many failures in a row a message is marked failed and no longer retried. */
  maxAttempts?: number;
}

export class InboxProcessor {
  private readonly log: Logger;
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly failures = new Map<string, number>();
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
    for (let id = this.queue.shift(); id !== undefined; id = this.queue.shift()) {
      try {
        await this.o.process(id);
        this.failures.delete(id);
      } catch (err) {
        const n = (this.failures.get(id) ?? 0) + 1;
        this.failures.set(id, n);
        this.log.error({ err, inboundMessageId: id, attempt: n }, 'processing an inbound message failed');
        if (n >= (this.o.maxAttempts ?? 5)) {
          this.failures.delete(id);
          await markInboundFailed(this.o.db.orm.em.fork(), id, err instanceof Error ? err.message : String(err)).catch(
            (e: unknown) => this.log.error({ err: e, inboundMessageId: id }, 'could not mark the message failed'),
          );
        }
      } finally {
        this.queued.delete(id);
      }
    }
  }
}
