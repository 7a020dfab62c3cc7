// Meta's webhook payload (object whatsapp_business_account → entry[] → changes[] → value) read with zod and
// mapped to channel-neutral messages and status reports. Each part is checked on its own, so one odd
// message never hides the others; unknown fields are dropped, unknown shapes are reported, not thrown.
import { z } from 'zod';
import type { InboundMessage, MediaKind } from '../../domain/inbox/inbound.js';
import type { ProviderStatus } from '../../domain/notifications/delivery.js';
import { normalizePhone } from '../../domain/phone.js';

const envelopeSchema = z.object({
  object: z.string(),
  entry: z.array(
    z.object({
      id: z.string().optional(),
      changes: z.array(z.object({ field: z.string().optional(), value: z.unknown() })),
    }),
  ),
});

const valueSchema = z.object({
  messaging_product: z.string().optional(),
  metadata: z.object({ display_phone_number: z.string().optional(), phone_number_id: z.string() }),
  contacts: z.array(z.object({ wa_id: z.string(), profile: z.object({ name: z.string().optional() }).optional() })).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
  // Errors Meta reports about the number or the app rather than about one message.
  errors: z.array(z.unknown()).optional(),
});

const messageSchema = z.object({
  from: z.string().regex(/^\d{6,20}$/),
  id: z.string().min(1).max(255),
  timestamp: z.string().regex(/^\d+$/),
  type: z.string(),
  text: z.object({ body: z.string() }).optional(),
  audio: z.object({ voice: z.boolean().optional() }).optional(),
});

const statusSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  timestamp: z.string().optional(),
  recipient_id: z.string().optional(),
  errors: z
    .array(
      z.object({
        code: z.number(),
        title: z.string().optional(),
        message: z.string().optional(),
        error_data: z.object({ details: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});

const MEDIA_KINDS: Record<string, MediaKind> = {
  image: 'image',
  audio: 'audio',
  video: 'video',
  document: 'document',
  sticker: 'sticker',
  location: 'location',
  contacts: 'contacts',
  interactive: 'interactive',
  button: 'interactive',
  reaction: 'reaction',
};

export interface StatusReport {
  providerMessageId: string;
  status: ProviderStatus;
  error: string | null;
}

export interface ParsedWebhook {
  messages: InboundMessage[];
  statuses: StatusReport[];
  /** What could not be understood, for the log (never a reason to refuse the delivery). */
  ignored: { reason: string; sample?: unknown }[];
}

/** Reads a parsed JSON body. phoneNumberId: changes for other numbers of the same business are ignored. */
export function parseWebhook(body: unknown, phoneNumberId: string | undefined): ParsedWebhook {
  const out: ParsedWebhook = { messages: [], statuses: [], ignored: [] };
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success || envelope.data.object !== 'whatsapp_business_account') {
    out.ignored.push({ reason: 'not a whatsapp_business_account payload' });
    return out;
  }
  for (const entry of envelope.data.entry) {
    for (const change of entry.changes) {
      const value = valueSchema.safeParse(change.value);
      if (change.field !== undefined && change.field !== 'messages') {
        out.ignored.push({ reason: `field ${change.field}` });
        continue;
      }
      if (!value.success) {
        out.ignored.push({ reason: 'change value without metadata', sample: change.value });
        continue;
      }
      if (phoneNumberId && value.data.metadata.phone_number_id !== phoneNumberId) {
        out.ignored.push({ reason: `message for another phone number id ${value.data.metadata.phone_number_id}` });
        continue;
      }
      if (value.data.errors?.length) out.ignored.push({ reason: 'Meta reported errors', sample: value.data.errors });
      const names = new Map((value.data.contacts ?? []).map((c) => [c.wa_id, c.profile?.name]));
      for (const raw of value.data.messages ?? []) {
        const m = messageSchema.safeParse(raw);
        if (!m.success) {
          out.ignored.push({ reason: 'message without from/id/timestamp/type', sample: raw });
          continue;
        }
        out.messages.push(toInbound(m.data, raw, names.get(m.data.from)));
      }
      for (const raw of value.data.statuses ?? []) {
        const s = statusSchema.safeParse(raw);
        if (!s.success || !['sent', 'delivered', 'read', 'failed'].includes(s.data.status)) {
          out.ignored.push({ reason: 'status not understood', sample: raw });
          continue;
        }
        const e = s.data.errors?.[0];
        out.statuses.push({
          providerMessageId: s.data.id,
          status: s.data.status as ProviderStatus,
          error: e ? `${e.code} ${e.title ?? e.message ?? ''}${e.error_data?.details ? ` — ${e.error_data.details}` : ''}`.trim() : null,
        });
      }
    }
  }
  return out;
}

function toInbound(m: z.infer<typeof messageSchema>, raw: unknown, profileName: string | undefined): InboundMessage {
  const isText = m.type === 'text' && m.text !== undefined;
  const mediaKind: MediaKind | null = isText ? null : m.type === 'audio' && m.audio?.voice ? 'voice' : (MEDIA_KINDS[m.type] ?? 'unknown');
  return {
    channel: 'cloud',
    providerMessageId: m.id,
    sender: m.from,
    // wa_id is the international number without '+'.
    senderPhone: normalizePhone(`+${m.from}`),
    text: isText ? m.text!.body : null,
    mediaKind,
    receivedAt: new Date(Number(m.timestamp) * 1000),
    raw: profileName === undefined ? raw : { ...(raw as object), profile_name: profileName },
  };
}
