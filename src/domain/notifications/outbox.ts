// Writing to the outbox. Whatever changes the ledger calls this in the same transaction, so a reply or a
// receipt exists exactly when the change it reports was committed. The outbox worker delivers them.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../columns.js';
import { Notification, type NotificationPayload } from './notification.entity.js';

export interface NewNotification {
  recipientPhone: string;
  type: string;
  language: Language;
  payload: NotificationPayload;
  farmerId?: string | null;
  userId?: string | null;
  /** Deliver no earlier than this (default: now). */
  notBefore?: Date;
}

export function enqueueNotification(em: EntityManager, n: NewNotification) {
  return em.create(Notification, {
    recipientPhone: n.recipientPhone,
    type: n.type,
    language: n.language,
    payload: n.payload,
    farmer: n.farmerId ?? null,
    user: n.userId ?? null,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: n.notBefore ?? new Date(),
  });
}
