import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, LANGUAGES, serialPk, updatedAt } from '../columns.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { User } from '../users/user.entity.js';

export const NOTIFICATION_STATUSES = ['pending', 'sending', 'sent', 'delivered', 'read', 'failed'] as const;

export interface NotificationPayload {
  text?: string;
  settlementId?: string;
  documentPath?: string;
  filename?: string;
  caption?: string;
  [key: string]: unknown;
}

/** The outbox: every message the bot means to send, written in the same transaction as its cause. */
export const Notification = defineEntity({
  name: 'Notification',
  tableName: 'notifications',
  properties: {
    id: serialPk(),
    recipientPhone: p.string().length(40),
    farmer: () => p.manyToOne(Farmer).nullable(),
    user: () => p.manyToOne(User).nullable(),
    type: p.string().length(50),
    language: p.enum(LANGUAGES),
    payload: p.json<NotificationPayload>(),
    status: p.enum(NOTIFICATION_STATUSES).default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    lastError: p.text().nullable(),
    providerMessageId: p.string().length(255).nullable().index(),
    createdAt: createdAt().index(),
    sentAt: p.datetime().nullable(),
    updatedAt: updatedAt(),
  },
  indexes: [
    { name: 'idx_notifications_due', properties: ['status', 'nextAttemptAt'] },
    // The outbox claims one person's oldest open message first and paces sends per person.
    { name: 'idx_notifications_recipient', properties: ['recipientPhone', 'id'] },
  ],
  // Every replica's outbox LISTENs on this channel: a reply written by one replica wakes all of them.
  triggers: [
    {
      name: 'notifications_wake_outbox',
      timing: 'after',
      events: ['insert'],
      forEach: 'statement',
      body: "perform pg_notify('malar_outbox', ''); return null",
    },
  ],
});
export type Notification = InferEntity<typeof Notification>;
