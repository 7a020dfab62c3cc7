// Writing to the outbox, the one place that inserts notifications rows. Whatever changes the ledger calls this in the same transaction, so a reply or a
// receipt exists exactly when the change it reports was committed. The outbox worker delivers them.
import { sql } from 'kysely';
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

/** Inserts many outbox rows with ONE statement, in the given order (their ids keep that order). */
export async function enqueueNotifications(em: EntityManager, rows: NewNotification[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(f: (n: NewNotification) => T) => rows.map(f);
  await sql`
    insert into notifications (recipient_phone, type, language, payload, user_id, farmer_id, status, attempts, next_attempt_at)
    select v.phone, v.type, v.language, v.payload, v.user_id, v.farmer_id, 'pending', 0, coalesce(v.not_before, now())
      from unnest(${col((n) => n.recipientPhone)}::text[], ${col((n) => n.type)}::text[], ${col((n) => n.language)}::text[],
                  ${col((n) => JSON.stringify(n.payload))}::jsonb[], ${col((n) => n.userId ?? null)}::uuid[],
                  ${col((n) => n.farmerId ?? null)}::uuid[], ${col((n) => n.notBefore ?? null)}::timestamptz[])
           with ordinality as v(phone, type, language, payload, user_id, farmer_id, not_before, n)
     order by v.n`.execute(em.getKysely());
}
