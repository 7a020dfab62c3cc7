// Read-only views of the outbox for people watching it: the try-it page's conversation feed and the office's
// list of messages still waiting. Sending belongs to the outbox worker; failures and retry to failures.ts.
import type { EntityManager } from '@mikro-orm/postgresql';
import { Notification, type NotificationPayload } from './notification.entity.js';

export interface FeedMessage {
  id: string;
  to: string;
  type: string;
  status: string;
  text: string | null;
  /** Everything the outbox holds for it (a document's settlement, interactive choices…), as given. */
  payload: NotificationPayload;
  lastError: string | null;
  createdAt: string;
}

export function feedMessage(n: Notification): FeedMessage {
  return {
    id: String(n.id),
    to: n.recipientPhone,
    type: n.type,
    status: n.status,
    text: typeof n.payload.text === 'string' ? n.payload.text : null,
    payload: n.payload,
    lastError: n.lastError ?? null,
    createdAt: n.createdAt.toISOString(),
  };
}

/** Messages written to the outbox after `afterId`, oldest first, and the newest id seen. */
export async function outboxFeed(em: EntityManager, afterId: string, limit = 200): Promise<{ items: FeedMessage[]; last: string }> {
  const rows = await em.find(Notification, { id: { $gt: afterId } }, { orderBy: { id: 'asc' }, limit });
  return { items: rows.map(feedMessage), last: rows.length ? String(rows.at(-1)!.id) : afterId };
}

/** The newest outbox id (0 when empty): a feed opened now starts after it. */
export async function latestOutboxId(em: EntityManager): Promise<string> {
  const [row] = await em.find(Notification, {}, { orderBy: { id: 'desc' }, fields: ['id'], limit: 1 });
  return row ? String(row.id) : '0';
}

export async function oneOutboxMessage(em: EntityManager, id: string): Promise<Notification | null> {
  return em.findOne(Notification, { id });
}

/** Messages not sent yet (waiting, or being sent), oldest first. */
export async function listWaitingNotifications(em: EntityManager, limit = 200): Promise<{ items: FeedMessage[]; total: number }> {
  const [rows, total] = await em.findAndCount(Notification, { status: { $in: ['pending', 'sending'] } }, { orderBy: { id: 'asc' }, limit });
  return { items: rows.map(feedMessage), total };
}
