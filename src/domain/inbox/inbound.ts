// The channel-neutral shape of a received message. Channel adapters map their provider's payload to this;
// nothing past the adapter sees WhatsApp's wire format.
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordSecurityEvent } from '../audit/audit.service.js';

export type InboundChannel = 'cloud' | 'webjs' | 'console';
export type MediaKind =
  | 'image'
  | 'audio'
  | 'voice'
  | 'video'
  | 'document'
  | 'sticker'
  | 'location'
  | 'contacts'
  | 'order'
  | 'interactive'
  | 'reaction'
  | 'system'
  | 'unknown'
  /** A tapped button or list row: `text` holds the command in its id (or a template button's payload). */
  | 'choice'
  /** The sender moved to a new WhatsApp number: `text` holds the new number (E.164). */
  | 'number_changed';

export interface InboundMessage {
  channel: InboundChannel;
  /** The provider's id (wamid…, a whatsapp-web.js id, or a console counter): the deduplication key. */
  providerMessageId: string;
  /** The sender as the provider names it (wa_id, '…@c.us', '…@lid', a console phone). */
  sender: string;
  /** E.164 phone when known; null when the provider gave an id that could not be resolved to a phone. */
  senderPhone: string | null;
  /** The typed text; for 'choice' the command tapped, for 'reaction' the emoji, for 'number_changed' the new number. */
  text: string | null;
  /** Set for everything that is not typed text (see MediaKind). */
  mediaKind: MediaKind | null;
  receivedAt: Date;
  raw?: unknown;
}

export interface StoredInbound {
  id: string;
  /** true when this provider id was already stored: a retry or a duplicate delivery, to be ignored. */
  duplicate: boolean;
}

/** Stores a message once by provider id. Safe under concurrent duplicates (the unique index decides). */
export async function storeInbound(em: EntityManager, message: InboundMessage): Promise<StoredInbound> {
  const rows = await em.execute<{ id: string }[]>(
    `insert into inbound_messages (channel, provider_message_id, sender, sender_phone, text, media_kind, received_at, raw)
     values (?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (provider_message_id) do nothing
     returning id::text as id`,
    [
      message.channel,
      message.providerMessageId,
      message.sender,
      message.senderPhone,
      message.text,
      message.mediaKind,
      message.receivedAt,
      message.raw === undefined ? null : JSON.stringify(message.raw),
    ],
  );
  if (rows[0]) return { id: rows[0].id, duplicate: false };
  const existing = await em.execute<{ id: string }[]>('select id::text as id from inbound_messages where provider_message_id = ?', [
    message.providerMessageId,
  ]);
  return { id: existing[0]!.id, duplicate: true };
}

/**
 * Stores the messages of one delivery with ONE statement (atomic on its own, so no transaction is needed):
 * ids of the newly stored ones, in the delivery's order. Messages already stored are left out.
 */
export async function storeInboundMany(em: EntityManager, messages: InboundMessage[]): Promise<string[]> {
  return (await storeInboundGroups(em, [messages]))[0]!;
}

/**
 * Stores several deliveries with ONE statement: for each delivery, the ids of its newly stored messages in
 * order. All or nothing for the lot (one statement); a provider id twice keeps its first copy.
 */
export async function storeInboundGroups(em: EntityManager, groups: InboundMessage[][]): Promise<string[][]> {
  const messages = groups.flat();
  if (!messages.length) return groups.map(() => []);
  const rows = await em.execute<{ id: string; provider_message_id: string }[]>(
    `insert into inbound_messages (channel, provider_message_id, sender, sender_phone, text, media_kind, received_at, raw)
     values ${messages.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
     on conflict (provider_message_id) do nothing
     returning id::text as id, provider_message_id`,
    messages.flatMap((m) => [
      m.channel,
      m.providerMessageId,
      m.sender,
      m.senderPhone,
      m.text,
      m.mediaKind,
      m.receivedAt,
      m.raw === undefined ? null : JSON.stringify(m.raw),
    ]),
  );
  const byProviderId = new Map(rows.map((r) => [r.provider_message_id, r.id]));
  // Each new row belongs to the first delivery that carried its provider id. Ids come from one sequence in
  // insertion order; sorting restores it whatever order RETURNING gives.
  return groups.map((group) => {
    const ids: string[] = [];
    for (const m of group) {
      const id = byProviderId.get(m.providerMessageId);
      if (id === undefined) continue;
      byProviderId.delete(m.providerMessageId);
      ids.push(id);
    }
    return ids.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  });
}

/**
 * Handles one stored inbound_messages row in one transaction (the chat pipeline provides it). Idempotent:
 * a row that already has an outcome is skipped. Replies go to the notifications outbox.
 */
export type ProcessInbound = (inboundMessageId: string) => Promise<void>;

/** Ids of rows nobody has handled yet (a crash after the webhook's ack leaves them here), oldest first. */
export async function unprocessedInboundIds(em: EntityManager, limit: number, storedBefore?: Date): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select id::text as id from inbound_messages
      where outcome is null and stored_at <= ?
      order by stored_at, inbound_messages.id limit ?`,
    [storedBefore ?? new Date(), limit],
  );
  return rows.map((r) => r.id);
}

/** Who sent each stored message (the provider's sender id), to keep one sender's messages in one lane. */
export async function inboundSenders(em: EntityManager, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await em.execute<{ id: string; sender: string }[]>(
    `select id::text as id, sender from inbound_messages where id in (${ids.map(() => '?').join(', ')})`,
    ids,
  );
  return new Map(rows.map((r) => [r.id, r.sender]));
}

/** Gives up on a row the pipeline keeps failing on, so it stops being retried; the error stays visible. */
export async function markInboundFailed(em: EntityManager, id: string, error: string): Promise<void> {
  await em.execute(`update inbound_messages set outcome = 'failed', processed_at = now(), error = ? where id = ? and outcome is null`, [
    error.slice(0, 2000),
    id,
  ]);
}

/** When this phone last wrote to us: WhatsApp allows free-form replies for 24 hours after that. */
export async function lastInboundAt(em: EntityManager, phone: string): Promise<Date | null> {
  const rows = await em.execute<{ at: Date | null }[]>(`select max(received_at) as at from inbound_messages where sender_phone = ?`, [phone]);
  const at = rows[0]?.at;
  return at ? new Date(at) : null;
}

/**
 * Stores a message we will not act on (e.g. a sender id that cannot be tied to a phone) with its outcome
 * already set, and the security log row saying why, in one transaction.
 */
export async function refuseInbound(em: EntityManager, message: InboundMessage, reason: string): Promise<StoredInbound> {
  return em.transactional(async (tx) => {
    const stored = await storeInbound(tx, message);
    if (stored.duplicate) return stored;
    await tx.execute(`update inbound_messages set outcome = 'refused', processed_at = now(), error = ? where id = ?`, [reason, stored.id]);
    recordSecurityEvent(tx, {
      action: 'inbound_refused',
      actorPhone: message.senderPhone,
      entity: 'inbound_message',
      entityId: stored.id,
      details: { reason, channel: message.channel, sender: message.sender, providerMessageId: message.providerMessageId },
    });
    return stored;
  });
}

/**
 * Counts one more failed try of a message in its row (every replica sees the same count) and marks it
 * failed once the count reaches maxAttempts. Returns the count and whether the message was given up.
 */
export async function recordInboundAttemptFailure(
  em: EntityManager,
  id: string,
  error: string,
  maxAttempts: number,
): Promise<{ attempts: number; failed: boolean }> {
  const rows = await em.execute<{ attempts: number; outcome: string | null }[]>(
    `update inbound_messages
        set attempts = attempts + 1,
            outcome = case when attempts + 1 >= ? then 'failed' else outcome end,
            processed_at = case when attempts + 1 >= ? then now() else processed_at end,
            error = ?
      where id = ? and outcome is null
      returning attempts, outcome`,
    [maxAttempts, maxAttempts, error.slice(0, 4000), id],
  );
  const row = rows[0];
  return { attempts: Number(row?.attempts ?? 0), failed: row?.outcome === 'failed' };
}
