// Messages that could not be delivered, as facts for the admin: Meta's error code read out of what the outbox
// and the status webhook recorded, and a way to send one again. (The words for the codes are made at the edges.)
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import type { Language } from '../columns.js';
import { Notification } from './notification.entity.js';
import type { StaffActor } from '../audit/actor.js';

/** The codes the admins are told about in words; any other code is shown as it is. */
export const EXPLAINED_CODES = [
  '131026',
  '131047',
  '131048',
  '131049',
  '131051',
  '131056',
  '130429',
  '132000',
  '132001',
  '131000',
  '131031',
  '190',
  '131053',
  '131009',
] as const;

/**
 * Meta's code from a recorded error: the send path writes "WhatsApp Cloud API error 131026: …", the status
 * webhook "131026 Message undeliverable — …", webjs its own words (no code).
 */
export function metaErrorCode(lastError: string | null): string | null {
  if (!lastError) return null;
  const m = /WhatsApp Cloud API error (\d+):/.exec(lastError) ?? /^(\d{1,6}) /.exec(lastError) ?? /\(#(\d+)\)/.exec(lastError);
  return m ? m[1]! : null;
}

export interface FailedNotification {
  id: string;
  recipientPhone: string;
  farmerCode: string | null;
  type: string;
  language: Language;
  attempts: number;
  createdAt: Date;
  failedAt: Date;
  errorCode: string | null;
  lastError: string | null;
  text: string | null;
}

export async function listFailedNotifications(
  em: EntityManager,
  q: { from?: Date; to?: Date; page: number; pageSize: number },
): Promise<{ items: FailedNotification[]; total: number }> {
  const where = {
    status: 'failed' as const,
    ...(q.from || q.to ? { updatedAt: { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lt: q.to } : {}) } } : {}),
  };
  const [rows, total] = await em.findAndCount(Notification, where, {
    populate: ['farmer'],
    orderBy: { updatedAt: 'desc', id: 'desc' },
    limit: q.pageSize,
    offset: (q.page - 1) * q.pageSize,
  });
  return {
    total,
    items: rows.map((n) => ({
      id: String(n.id),
      recipientPhone: n.recipientPhone,
      farmerCode: n.farmer ? (n.farmer as unknown as { farmerCode: string }).farmerCode : null,
      type: n.type,
      language: n.language,
      attempts: n.attempts,
      createdAt: n.createdAt,
      failedAt: n.updatedAt,
      errorCode: metaErrorCode(n.lastError ?? null),
      lastError: n.lastError ?? null,
      text: typeof n.payload.text === 'string' ? n.payload.text : null,
    })),
  };
}

/** Failures in a time range by code, for the day-end summary. */
export async function failuresByCode(em: EntityManager, from: Date, to: Date): Promise<{ code: string | null; count: number }[]> {
  const rows = await em.find(Notification, { status: 'failed', updatedAt: { $gte: from, $lt: to } }, { fields: ['id', 'lastError'] });
  const counts = new Map<string | null, number>();
  for (const r of rows) {
    const code = metaErrorCode(r.lastError ?? null);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || String(a.code).localeCompare(String(b.code)));
}

/**
 * Queues a failed message again: pending now, with a fresh count of attempts, so the outbox tries it as it
 * would a new one. Only a failed message can be retried (a pending or sent one would go twice).
 */
export async function retryFailedNotification(
  em: EntityManager,
  id: string,
  actor: StaffActor,
): Promise<{ id: string; status: 'pending'; previousError: string | null }> {
  return em.transactional(async (tx) => {
    const n = await tx.findOne(Notification, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!n) throw new AppError('NOTIFICATION_NOT_FOUND', `No notification ${id}`, 404);
    if (n.status !== 'failed')
      throw new AppError('NOTIFICATION_NOT_FAILED', `Notification ${id} is ${n.status}; only a failed one can be retried`, 409, { status: n.status });
    const previousError = n.lastError ?? null;
    n.status = 'pending';
    n.attempts = 0;
    n.nextAttemptAt = new Date();
    n.lastError = `retried by an admin after: ${previousError ?? 'unknown error'}`.slice(0, 2000);
    recordSecurityEvent(tx, {
      action: 'notification.retry',
      actor,
      entity: 'notification',
      entityId: id,
      details: { previousError, errorCode: metaErrorCode(previousError) },
    });
    return { id, status: 'pending' as const, previousError };
  });
}
