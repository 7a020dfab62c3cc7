import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { uuidPk } from '../columns.js';
import { User } from '../users/user.entity.js';

export const CONFIRMATION_KINDS = ['entry', 'advance', 'fix'] as const;
export type ConfirmationKind = (typeof CONFIRMATION_KINDS)[number];
export const CONFIRMATION_STATUSES = ['held', 'confirmed', 'dropped', 'expired'] as const;
export type ConfirmationStatus = (typeof CONFIRMATION_STATUSES)[number];

/**
 * A line held by the fat-finger guard until its sender confirms it. A row, not memory: it survives a restart and
 * any replica may handle the confirming message; confirming is one atomic claim of a 'held' row.
 */
export const PendingConfirmation = defineEntity({
  name: 'PendingConfirmation',
  tableName: 'pending_confirmations',
  properties: {
    id: uuidPk(),
    senderPhone: p.string().length(20),
    actorUser: () => p.manyToOne(User).deleteRule('restrict'),
    kind: p.enum(CONFIRMATION_KINDS),
    // The command exactly as it was understood, replayed with the guard lifted when confirmed.
    payload: p.json<Record<string, unknown>>(),
    // Why it was held: the guard's fact (what, the limit), for the reply and the audit.
    guard: p.json<Record<string, unknown>>(),
    sourceMessageId: p.string().length(255).nullable(),
    sourceLine: p.integer().default(0),
    status: p.enum(CONFIRMATION_STATUSES).default('held'),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
    resolvedAt: p.datetime().nullable(),
    resolvedMessageId: p.string().length(255).nullable(),
  },
  indexes: [{ name: 'idx_pending_confirmations_sender_status', properties: ['senderPhone', 'status'] }],
});
export type PendingConfirmation = InferEntity<typeof PendingConfirmation>;
