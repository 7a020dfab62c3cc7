import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, serialPk } from '../columns.js';
import { User } from '../users/user.entity.js';

/** Append-only audit trail: who did what to which row, from where. */
export const SecurityLog = defineEntity({
  name: 'SecurityLog',
  tableName: 'security_logs',
  properties: {
    id: serialPk(),
    actorUser: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    actorPhone: p.string().length(40).nullable(),
    action: p.string().length(100),
    entity: p.string().length(100).nullable(),
    entityId: p.string().length(100).nullable(),
    details: p.json<Record<string, unknown>>().nullable(),
    ipAddress: p.string().length(64).nullable(),
    userAgent: p.text().nullable(),
    createdAt: createdAt().index(),
  },
  indexes: [
    { name: 'idx_security_logs_entity', properties: ['entity', 'entityId'] },
    { name: 'idx_security_logs_action_created', properties: ['action', 'createdAt'] },
    // Login throttling counts recent failures per account and per address.
    { name: 'idx_security_logs_action_entity_id_created', properties: ['action', 'entityId', 'createdAt'] },
    { name: 'idx_security_logs_action_ip_created', properties: ['action', 'ipAddress', 'createdAt'] },
  ],
});
export type SecurityLog = InferEntity<typeof SecurityLog>;
