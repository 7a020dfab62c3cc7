import { sql, type RawBuilder } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from './actor.js';
import { SecurityLog } from './security-log.entity.js';

export interface SecurityEvent {
  action: string;
  /** Who did it: fills actorUserId, actorPhone, ipAddress and userAgent (an explicit field below wins). */
  actor?: Actor | null;
  actorUserId?: string | null;
  actorPhone?: string | null;
  entity?: string | null;
  entityId?: string | null;
  details?: Record<string, unknown> | null;
  ipAddress?: string | null;
  userAgent?: string | null;
}

/** The audit row's actor columns from an Actor: the one place they are taken from it. */
export const actorColumns = (actor: Actor | null | undefined) => ({
  actorUserId: actor?.userId ?? null,
  actorPhone: actor?.phone ?? null,
  ipAddress: actor?.ip ?? null,
  userAgent: actor?.userAgent ?? null,
});

/** An event with its actor folded into the actor columns. */
function columns(event: SecurityEvent) {
  const a = actorColumns(event.actor);
  return {
    actorUserId: event.actorUserId !== undefined ? event.actorUserId : a.actorUserId,
    actorPhone: event.actorPhone !== undefined ? event.actorPhone : a.actorPhone,
    ipAddress: event.ipAddress !== undefined ? event.ipAddress : a.ipAddress,
    userAgent: event.userAgent !== undefined ? event.userAgent : a.userAgent,
  };
}

// The one place that writes security_logs (the audit trail): one row through the unit of work, many rows with
// one statement, or a fragment for a use case's own set-based statement.

/**
 * Adds an audit row to the unit of work: it commits with the change it describes, or not at all.
 * Call inside the same em.transactional() as the change.
 */
export function recordSecurityEvent(em: EntityManager, event: SecurityEvent) {
  const who = columns(event);
  return em.create(SecurityLog, {
    action: event.action,
    actorUser: who.actorUserId ?? null,
    actorPhone: who.actorPhone ?? null,
    entity: event.entity ?? null,
    entityId: event.entityId ?? null,
    details: event.details ?? null,
    ipAddress: who.ipAddress ?? null,
    userAgent: who.userAgent ?? null,
  });
}

/** Inserts many audit rows with ONE statement, in the given order; for set-based use cases. */
export async function recordSecurityEvents(em: EntityManager, events: SecurityEvent[]): Promise<void> {
  if (events.length === 0) return;
  events = events.map((e) => ({ ...e, ...columns(e), actor: null }));
  const col = <T>(f: (e: SecurityEvent) => T) => events.map(f);
  await sql`
    insert into security_logs (action, actor_user_id, actor_phone, entity, entity_id, details, ip_address, user_agent)
    select v.action, v.actor_user_id, v.actor_phone, v.entity, v.entity_id, v.details, v.ip_address, v.user_agent
      from unnest(${col((e) => e.action)}::text[], ${col((e) => e.actorUserId ?? null)}::uuid[], ${col((e) => e.actorPhone ?? null)}::text[],
                  ${col((e) => e.entity ?? null)}::text[], ${col((e) => e.entityId ?? null)}::text[],
                  ${col((e) => (e.details == null ? null : JSON.stringify(e.details)))}::jsonb[], ${col((e) => e.ipAddress ?? null)}::text[],
                  ${col((e) => e.userAgent ?? null)}::text[])
           with ordinality as v(action, actor_user_id, actor_phone, entity, entity_id, details, ip_address, user_agent, n)
     order by v.n`.execute(em.getKysely());
}

/** The audit columns a set-based statement may fill; the rest stay null. */
export type AuditColumn = 'action' | 'actor_user_id' | 'actor_phone' | 'entity' | 'entity_id' | 'details' | 'ip_address' | 'user_agent';

/**
 * The audit insert as a fragment for a data-modifying CTE, so a use case that writes its rows in one statement
 * writes their audit rows in the same statement: `audit as (${securityLogInsert([...], sql`select ...`)})`.
 * `select` must yield the columns in the order named.
 */
export function securityLogInsert(columns: AuditColumn[], select: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`insert into security_logs (${sql.raw(columns.join(', '))}) ${select} returning id`;
}
