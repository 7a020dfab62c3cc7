// Delivering the outbox: claiming due rows (safe with several workers), recording what the provider said,
// and taking in the provider's later status reports. Plain SQL because each step is one atomic statement.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../columns.js';
import type { NotificationPayload } from './notification.entity.js';

export interface ClaimedNotification {
  id: string;
  recipientPhone: string;
  type: string;
  language: Language;
  payload: NotificationPayload;
  /** Including this one. */
  attempts: number;
}

export interface ClaimOptions {
  limit: number;
  /** How long a claim holds; a row still 'sending' after this is taken to be lost in a crash. */
  leaseMs: number;
  /** Least time between two messages to the same person (WhatsApp's pair rate limit). */
  recipientGapMs: number;
}

/**
 * Moves due rows pending → sending (attempts + 1) and returns them. Per recipient only the oldest open row
 * is eligible, so one person's messages go out in order and never two at once; SKIP LOCKED lets
 * several instances claim side by side without taking the same row.
 */
export async function claimDueNotifications(em: EntityManager, o: ClaimOptions): Promise<ClaimedNotification[]> {
  const rows = await em.execute<
    { id: string; recipient_phone: string; type: string; language: Language; payload: NotificationPayload; attempts: number }[]
  >(
    `update notifications n
        set status = 'sending', attempts = n.attempts + 1, updated_at = now(),
            next_attempt_at = now() + (? * interval '1 millisecond')
      where n.id in (
        select c.id from notifications c
         where c.status = 'pending' and c.next_attempt_at <= now()
           and not exists (select 1 from notifications e
                            where e.recipient_phone = c.recipient_phone and e.id < c.id and e.status in ('pending', 'sending'))
           and not exists (select 1 from notifications r
                            where r.recipient_phone = c.recipient_phone and r.id <> c.id and r.status in ('sent', 'delivered', 'read')
                              and r.sent_at > now() - (? * interval '1 millisecond'))
         order by c.next_attempt_at, c.id
         limit ?
         for update of c skip locked)
      returning n.id::text as id, n.recipient_phone, n.type, n.language, n.payload, n.attempts`,
    [o.leaseMs, o.recipientGapMs, o.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    recipientPhone: r.recipient_phone,
    type: r.type,
    language: r.language,
    payload: r.payload,
    attempts: Number(r.attempts),
  }));
}

/**
 * Rows whose claim expired (the worker died between claiming and recording) go back to pending. The
 * message may then go out twice — better than never. Past the attempt limit they fail instead.
 */
export async function reclaimExpiredClaims(em: EntityManager, maxAttempts: number): Promise<number> {
  const rows = await em.execute<{ id: string }[]>(
    `update notifications
        set status = case when attempts >= ? then 'failed' else 'pending' end,
            last_error = 'claim expired while sending (worker stopped?); ' || coalesce(last_error, ''),
            next_attempt_at = now(), updated_at = now()
      where status = 'sending' and next_attempt_at <= now()
      returning id::text as id`,
    [maxAttempts],
  );
  return rows.length;
}

export async function recordSent(
  em: EntityManager,
  id: string,
  result: { providerMessageId: string; template?: string },
): Promise<void> {
  await em.execute(
    `update notifications
        set status = 'sent', provider_message_id = ?, sent_at = now(), last_error = null, updated_at = now(),
            payload = case when ?::text is null then payload else payload || jsonb_build_object('sentAsTemplate', ?::text) end
      where id = ? and status = 'sending'`,
    [result.providerMessageId, result.template ?? null, result.template ?? null, id],
  );
}

/** A pending row sent without a claim (the console: one terminal session sends them). */
export async function recordSentUnclaimed(em: EntityManager, id: string, providerMessageId: string): Promise<void> {
  await em.execute(
    `update notifications set status = 'sent', attempts = attempts + 1, sent_at = now(), provider_message_id = ?, updated_at = now() where id = ?::bigint`,
    [providerMessageId, id],
  );
}

/** retryAt null: give up (status failed); otherwise back to pending until then. */
export async function recordSendFailure(em: EntityManager, id: string, error: string, retryAt: Date | null): Promise<void> {
  await em.execute(
    `update notifications
        set status = ?, last_error = ?, next_attempt_at = coalesce(?, next_attempt_at), updated_at = now()
      where id = ? and status = 'sending'`,
    [retryAt ? 'pending' : 'failed', error.slice(0, 2000), retryAt, id],
  );
}

export type ProviderStatus = 'sent' | 'delivered' | 'read' | 'failed';

/**
 * A provider's report on a message we sent. Status only moves forward (read never returns to delivered;
 * a late 'failed' does not undo 'delivered'). Returns whether a row matched the provider id at all.
 */
export async function applyProviderStatus(
  em: EntityManager,
  report: { providerMessageId: string; status: ProviderStatus; error?: string | null },
): Promise<'updated' | 'unchanged' | 'unknown'> {
  const order = `array['pending','sending','sent','failed','delivered','read']`;
  const rows = await em.execute<{ id: string }[]>(
    `update notifications
        set status = ?, updated_at = now(), sent_at = coalesce(sent_at, now()),
            last_error = case when ? = 'failed' then ? else last_error end
      where provider_message_id = ?
        and array_position(${order}, status::text) < array_position(${order}, ?::text)
      returning id::text as id`,
    [report.status, report.status, report.error ?? 'failed (no reason given)', report.providerMessageId, report.status],
  );
  if (rows.length) return 'updated';
  const known = await em.execute<{ n: number }[]>(`select count(*)::int as n from notifications where provider_message_id = ?`, [
    report.providerMessageId,
  ]);
  return Number(known[0]?.n ?? 0) > 0 ? 'unchanged' : 'unknown';
}
