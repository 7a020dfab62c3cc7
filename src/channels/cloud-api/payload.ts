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
  interactive: z
    .object({
      type: z.string(),
      button_reply: z.object({ id: z.string(), title: z.string().optional() }).optional(),
      list_reply: z.object({ id: z.string(), title: z.string().optional(), description: z.string().optional() }).optional(),
    })
    .optional(),
  // A template's quick-reply button: the payload is the command.
  button: z.object({ payload: z.string().optional(), text: z.string().optional() }).optional(),
  reaction: z.object({ message_id: z.string().optional(), emoji: z.string().optional() }).optional(),
  // wa_id is the new number (new_wa_id in older API versions).
  system: z
    .object({ type: z.string().optional(), wa_id: z.string().optional(), new_wa_id: z.string().optional(), body: z.string().optional() })
    .optional(),
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
  order: 'order',
  interactive: 'interactive',
  button: 'interactive',
  reaction: 'reaction',
  system: 'system',
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
  ignored: { reason: string; sample?: unknown; quiet?: boolean }[];
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
      // Errors about the number or the app as a whole, or about messages we do not know: nothing to act on.
      if (value.data.errors?.length) out.ignored.push({ reason: 'Meta reported errors', sample: value.data.errors, quiet: true });
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

/** What a message says, channel-neutrally: typed text, a tapped choice, a reaction, a number change, or a kind. */
function content(m: z.infer<typeof messageSchema>): { text: string | null; mediaKind: MediaKind | null } {
  if (m.type === 'text' && m.text !== undefined) return { text: m.text.body, mediaKind: null };
  const tapped = m.interactive?.button_reply?.id ?? m.interactive?.list_reply?.id ?? (m.type === 'button' ? m.button?.payload : undefined);
  if ((m.type === 'interactive' || m.type === 'button') && tapped?.trim()) return { text: tapped, mediaKind: 'choice' };
  if (m.type === 'reaction') return { text: m.reaction?.emoji || null, mediaKind: 'reaction' };
  if (m.type === 'system' && m.system?.type === 'user_changed_number') {
    const to = normalizePhone(`+${m.system.wa_id ?? m.system.new_wa_id ?? ''}`);
    if (to) return { text: to, mediaKind: 'number_changed' };
  }
  if (m.type === 'audio' && m.audio?.voice) return { text: null, mediaKind: 'voice' };
  return { text: null, mediaKind: MEDIA_KINDS[m.type] ?? 'unknown' };
}

function toInbound(m: z.infer<typeof messageSchema>, raw: unknown, profileName: string | undefined): InboundMessage {
  return {
    channel: 'cloud',
    providerMessageId: m.id,
    sender: m.from,
    // wa_id is the international number without '+'.
    senderPhone: normalizePhone(`+${m.from}`),
    ...content(m),
    receivedAt: new Date(Number(m.timestamp) * 1000),
    raw: profileName === undefined ? raw : { ...(raw as object), profile_name: profileName },
  };
}
