// Reading the audit trail: newest first, filtered, one page at a time.
import type { EntityManager } from '@mikro-orm/postgresql';
import { offsetOf, type Page, type PageRequest } from '../paging.js';

export interface SecurityLogFilter {
  action?: string | undefined;
  entity?: string | undefined;
  entityId?: string | undefined;
  actorUserId?: string | undefined;
  ipAddress?: string | undefined;
  /** Instants (ISO 8601); `to` is exclusive. */
  from?: string | undefined;
  to?: string | undefined;
}

export interface SecurityLogRow {
  id: string;
  createdAt: string;
  action: string;
  entity: string | null;
  entityId: string | null;
  actor: { userId: string | null; email: string | null; phone: string | null };
  ipAddress: string | null;
  userAgent: string | null;
  details: unknown;
}

export async function listSecurityLogs(em: EntityManager, filter: SecurityLogFilter & PageRequest): Promise<Page<SecurityLogRow>> {
  const conds: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => (conds.push(sql), params.push(v));
  if (filter.action) add('l.action = ?', filter.action);
  if (filter.entity) add('l.entity = ?', filter.entity);
  if (filter.entityId) add('l.entity_id = ?', filter.entityId);
  if (filter.actorUserId) add('l.actor_user_id = ?', filter.actorUserId);
  if (filter.ipAddress) add('l.ip_address = ?', filter.ipAddress);
  if (filter.from) add('l.created_at >= ?::timestamptz', filter.from);
  if (filter.to) add('l.created_at < ?::timestamptz', filter.to);
  const where = conds.length ? `where ${conds.join(' and ')}` : '';
  const total = await em.execute<{ n: string }[]>(`select count(*)::text as n from security_logs l ${where}`, params);
  const rows = await em.execute<Record<string, unknown>[]>(
    `select l.id::text as id, l.created_at, l.action, l.entity, l.entity_id, l.actor_user_id, u.email, l.actor_phone,
            l.ip_address, l.user_agent, l.details
       from security_logs l left join users u on u.id = l.actor_user_id
       ${where}
      order by l.id desc limit ? offset ?`,
    [...params, filter.pageSize, offsetOf(filter)],
  );
  const s = (v: unknown) => (v == null ? null : String(v));
  return {
    items: rows.map((r) => ({
      id: String(r.id),
      createdAt: new Date(r.created_at as string).toISOString(),
      action: String(r.action),
      entity: s(r.entity),
      entityId: s(r.entity_id),
      actor: { userId: s(r.actor_user_id), email: s(r.email), phone: s(r.actor_phone) },
      ipAddress: s(r.ip_address),
      userAgent: s(r.user_agent),
      details: typeof r.details === 'string' ? (JSON.parse(r.details) as unknown) : (r.details ?? null),
    })),
    page: filter.page,
    pageSize: filter.pageSize,
    total: Number(total[0]!.n),
  };
}
