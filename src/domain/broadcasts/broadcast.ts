// Scheduled messages to many people, once each: a recipient who already has this broadcast (same type and key,
// e.g. the rate card of 2026-12-02) is skipped, so running the job twice sends nothing twice.
import type { EntityManager } from '@mikro-orm/postgresql';
import { Notification } from '../notifications/notification.entity.js';
import { enqueueNotification, type NewNotification } from '../notifications/outbox.js';
import { metaErrorCode } from '../notifications/failures.js';
import { TIER_LIMIT_CODES } from '../notifications/tier-stop.js';

export { TIER_LIMIT_CODES };

export async function enqueueBroadcast(
  em: EntityManager,
  broadcast: { type: string; key: string; messages: NewNotification[] },
): Promise<{ queued: number; alreadySent: number }> {
  const already = await em.find(Notification, { type: broadcast.type, payload: { broadcastKey: broadcast.key } } as never, {
    fields: ['recipientPhone'],
  });
  const done = new Set(already.map((n) => n.recipientPhone));
  let queued = 0;
  for (const m of broadcast.messages) {
    if (done.has(m.recipientPhone)) continue;
    enqueueNotification(em, { ...m, type: broadcast.type, payload: { ...m.payload, broadcastKey: broadcast.key } });
    done.add(m.recipientPhone);
    queued++;
  }
  await em.flush();
  return { queued, alreadySent: broadcast.messages.length - queued };
}

/** The last tier-limit failure since `since`, if Meta has refused business-initiated messages lately. */
export async function recentTierLimitFailure(em: EntityManager, since: Date): Promise<{ at: Date; code: string } | null> {
  const rows = await em.find(
    Notification,
    { status: 'failed', updatedAt: { $gte: since } },
    { fields: ['id', 'lastError', 'updatedAt'], orderBy: { updatedAt: 'desc' } },
  );
  for (const r of rows) {
    const code = metaErrorCode(r.lastError ?? null);
    if (code && TIER_LIMIT_CODES.includes(code)) return { at: r.updatedAt, code };
  }
  return null;
}
