import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { serialPk } from '../columns.js';

export const INBOUND_CHANNELS = ['cloud', 'webjs', 'console'] as const;

/** Every message received, stored once by its provider id: a webhook retry finds it and does nothing. */
export const InboundMessage = defineEntity({
  name: 'InboundMessage',
  tableName: 'inbound_messages',
  properties: {
    id: serialPk(),
    channel: p.enum(INBOUND_CHANNELS),
    providerMessageId: p.string().length(255).unique(),
    sender: p.string().length(100),
    senderPhone: p.string().length(20).nullable(),
    text: p.text().nullable(),
    mediaKind: p.string().length(30).nullable(),
    receivedAt: p.datetime(),
    storedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    // null until the pipeline has handled it; start-up picks up the rest.
    outcome: p.string().length(40).nullable(),
    processedAt: p.datetime().nullable(),
    error: p.text().nullable(),
    // Failed tries so far, counted in the row so every replica sees the same number.
    attempts: p.integer().default(0),
    raw: p.json<unknown>().nullable(),
  },
  indexes: [
    { name: 'idx_inbound_messages_unprocessed', properties: ['storedAt'], where: 'outcome is null' },
    // The claim: a sender's unprocessed messages, oldest first (per-sender order across replicas).
    { name: 'idx_inbound_messages_sender_open', properties: ['sender', 'id'], where: 'outcome is null' },
    // The 24-hour customer-service window: when did this phone last write?
    { name: 'idx_inbound_messages_sender_phone', properties: ['senderPhone', 'receivedAt'] },
  ],
});
export type InboundMessage = InferEntity<typeof InboundMessage>;
