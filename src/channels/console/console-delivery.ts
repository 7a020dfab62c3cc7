// Delivers, through the console channel, what the pipeline wrote to the outbox during this session, so the
// terminal shows exactly what the bot would send. (The real outbox worker does this for the other channels.)
import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Channel } from '../channel.js';

interface PendingRow {
  id: string;
  recipient_phone: string;
  type: string;
  payload: { text?: string; documentPath?: string; filename?: string; caption?: string; settlementId?: string };
}

export async function highestNotificationId(em: EntityManager): Promise<string> {
  const rows = await em.execute<{ id: string }[]>('select coalesce(max(id), 0)::text as id from notifications');
  return rows[0]!.id;
}

/** Sends pending notifications with id above `afterId`; returns the new high-water mark. */
export async function deliverPending(em: EntityManager, channel: Channel, afterId: string): Promise<string> {
  let last = afterId;
  await em.transactional(async (tx) => {
    const rows = await tx.execute<PendingRow[]>(
      `select id::text as id, recipient_phone, type, payload from notifications
        where id > ?::bigint and status = 'pending' order by id for update skip locked`,
      [afterId],
    );
    for (const row of rows) {
      const sent = row.payload.documentPath
        ? await channel.sendDocument({
            to: row.recipient_phone,
            bytes: fs.readFileSync(row.payload.documentPath),
            filename: row.payload.filename ?? path.basename(row.payload.documentPath),
            mimeType: 'application/pdf',
            caption: row.payload.caption ?? row.payload.text,
          })
        : await channel.sendText({ to: row.recipient_phone, text: row.payload.text ?? `(${row.type} ${JSON.stringify(row.payload)})` });
      await tx.execute(
        `update notifications set status = 'sent', attempts = attempts + 1, sent_at = now(), provider_message_id = ?, updated_at = now() where id = ?::bigint`,
        [sent.providerMessageId, row.id],
      );
      last = row.id;
    }
  });
  return last;
}
