// Refused webhook deliveries (missing or bad signature) cost a stranger nothing and us nothing: each is
// counted here, in memory, and once a minute one audit row per source address carries the count. The
// counts decide nothing (the 401 was already given), so losing them with the process is harmless.
import type { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordSecurityEvent } from '../../domain/audit/audit.service.js';
import type { Logger } from '../../logger.js';

export const REFUSAL_WINDOW_MS = 60_000;
/** Distinct addresses counted per window; the rest share one row (a spread-out flood stays bounded). */
export const MAX_REFUSAL_ADDRESSES = 10_000;
const OTHER = 'other';

interface Tally {
  count: number;
  reasons: Record<string, number>;
  bytes: number;
  first: Date;
  last: Date;
  userAgent: string | null;
}

export class RefusedDeliveries {
  private tallies = new Map<string, Tally>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: { orm: MikroORM; logger: Logger; now?: () => Date }) {}

  note(ipAddress: string | null, reason: string, bytes: number, userAgent: string | null): void {
    const now = this.options.now?.() ?? new Date();
    let key = ipAddress ?? 'unknown';
    if (!this.tallies.has(key) && this.tallies.size >= MAX_REFUSAL_ADDRESSES) key = OTHER;
    let t = this.tallies.get(key);
    if (!t) this.tallies.set(key, (t = { count: 0, reasons: {}, bytes: 0, first: now, last: now, userAgent }));
    t.count++;
    t.reasons[reason] = (t.reasons[reason] ?? 0) + 1;
    t.bytes += bytes;
    t.last = now;
    t.userAgent = userAgent;
  }

  /** Writes one row per address counted since the last flush; returns how many rows. */
  async flush(): Promise<number> {
    if (!this.tallies.size) return 0;
    const tallies = this.tallies;
    this.tallies = new Map();
    await this.options.orm.em.fork().transactional(async (em) => {
      for (const [address, t] of tallies) {
        recordSecurityEvent(em as EntityManager, {
          action: 'webhook_signature_rejected',
          entity: 'webhook',
          entityId: 'whatsapp',
          details: {
            count: t.count,
            reasons: t.reasons,
            bytes: t.bytes,
            from: t.first.toISOString(),
            to: t.last.toISOString(),
            ...(address === OTHER ? { addresses: 'many' } : {}),
          },
          ipAddress: address === OTHER || address === 'unknown' ? null : address,
          userAgent: t.userAgent,
        });
      }
    });
    return tallies.size;
  }

  /** Flushes every REFUSAL_WINDOW_MS, so an address gets at most one row a minute. */
  start(): void {
    this.timer ??= setInterval(() => {
      this.flush().catch((err: unknown) => this.options.logger.error({ err }, 'could not write the refused-webhook summary'));
    }, REFUSAL_WINDOW_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush().catch((err: unknown) => this.options.logger.error({ err }, 'could not write the refused-webhook summary'));
  }
}
