// Delivers, through the console channel, what the pipeline wrote to the outbox during this session, so the
// terminal shows exactly what the bot would send. (The real outbox worker does this for the other channels.)
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Channel } from '../channel.js';
import { recordSentUnclaimed } from '../../domain/notifications/delivery.js';
import type { NotificationPayload } from '../../domain/notifications/notification.entity.js';
import { isChoices } from '../../domain/notifications/choices.js';
import { isDocumentPayload, type DocumentResolver } from '../../outbox/outbox-worker.js';

export interface ConsoleDeliveryHooks {
  resolveDocument: DocumentResolver;
  onSent?: (notification: { type: string; payload: NotificationPayload }) => Promise<void>;
}

interface PendingRow {
  id: string;
  recipient_phone: string;
  type: string;
  payload: NotificationPayload;
}

export async function highestNotificationId(em: EntityManager): Promise<string> {
  const rows = await em.execute<{ id: string }[]>('select coalesce(max(id), 0)::text as id from notifications');
  return rows[0]!.id;
}

/**
 * Sends pending notifications with id above `afterId`; returns the new high-water mark. One terminal session
 * sends them, so no claim is needed; documents are rendered outside any transaction (a second connection
 * waiting on an open transaction would stall the embedded database, which runs one transaction at a time).
 */
export async function deliverPending(em: EntityManager, channel: Channel, afterId: string, hooks: ConsoleDeliveryHooks): Promise<string> {
  let last = afterId;
  const rows = await em.execute<PendingRow[]>(
    `select id::text as id, recipient_phone, type, payload from notifications where id > ?::bigint and status = 'pending' order by notifications.id`,
    [afterId],
  );
  for (const row of rows) {
    const sent = isDocumentPayload(row.payload)
      ? await channel.sendDocument({ to: row.recipient_phone, ...(await hooks.resolveDocument(row.payload)) })
      : await channel.sendText({
          to: row.recipient_phone,
          text: row.payload.text ?? `(${row.type} ${JSON.stringify(row.payload)})`,
          ...(isChoices(row.payload.choices) ? { choices: row.payload.choices } : {}),
        });
    await recordSentUnclaimed(em, row.id, sent.providerMessageId);
    last = row.id;
    await hooks.onSent?.(row);
  }
  return last;
}
