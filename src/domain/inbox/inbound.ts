// The channel-neutral shape of a received message. Channel adapters map their provider's payload to this;
// nothing past the adapter sees WhatsApp's wire format.
import type { EntityManager } from '@mikro-orm/postgresql';

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
  | 'interactive'
  | 'reaction'
  | 'unknown';

export interface InboundMessage {
  channel: InboundChannel;
  /** The provider's id (wamid…, a whatsapp-web.js id, or a console counter): the deduplication key. */
  providerMessageId: string;
  /** The sender as the provider names it (wa_id, '…@c.us', '…@lid', a console phone). */
  sender: string;
  /** E.164 phone when known; null when the provider gave an id that could not be resolved to a phone. */
  senderPhone: string | null;
  text: string | null;
  /** Set for non-text messages (the bot answers "please send text"). */
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
  const rows = await em.getConnection().execute<{ id: string }[]>(
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
  const existing = await em
    .getConnection()
    .execute<{ id: string }[]>('select id::text as id from inbound_messages where provider_message_id = ?', [message.providerMessageId]);
  return { id: existing[0]!.id, duplicate: true };
}
