import type { EntityManager } from '@mikro-orm/postgresql';
import { SecurityLog } from './security-log.entity.js';

export interface SecurityEvent {
  action: string;
  actorUserId?: string | null;
  actorPhone?: string | null;
  entity?: string | null;
  entityId?: string | null;
  details?: Record<string, unknown> | null;
  ipAddress?: string | null;
  userAgent?: string | null;
}

/**
 * Adds an audit row to the unit of work: it commits with the change it describes, or not at all.
 * Call inside the same em.transactional() as the change.
 */
export function recordSecurityEvent(em: EntityManager, event: SecurityEvent) {
  return em.create(SecurityLog, {
    action: event.action,
    actorUser: event.actorUserId ?? null,
    actorPhone: event.actorPhone ?? null,
    entity: event.entity ?? null,
    entityId: event.entityId ?? null,
    details: event.details ?? null,
    ipAddress: event.ipAddress ?? null,
    userAgent: event.userAgent ?? null,
  });
}
