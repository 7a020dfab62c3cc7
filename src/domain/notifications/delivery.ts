// Delivering the outbox: claiming due rows (safe with several workers), recording what the provider said,
// and taking in the provider's later status reports. Plain SQL because each step is one atomic statement.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../columns.js';
import type { NotificationPayload } from './notification.entity.js';
import { stopRateCardAtTierLimit } from './tier-stop.js';

export interface ClaimedNotification {
  id: string;
  /** Every row this send covers: the head first, then texts to the same person combined into it. */
  ids: string[];
  recipientPhone: string;
  type: string;
  language: Language;
  payload: NotificationPayload;
  /** Including this one. */
  attempts: number;
  /** The recipient's pending rows left behind this send (a document after texts, say): a later round's. */
  behind: number;
}

export interface ClaimOptions {
  limit: number;
  /** How long a claim holds; a row still 'sending' after this is taken to be lost in a crash. */
  leaseMs: number;
  /** Least time between two messages to the same person (WhatsApp's pair rate limit). */
  recipientGapMs: number;
  /** Texts waiting for one person are joined into one message up to this many characters (0: never). */
  combineUpTo?: number;
}

/** Between two combined texts. */
export const COMBINED_SEPARATOR = '\n\n';

/**
 * Moves due rows pending → sending (attempts + 1) and returns them. Per recipient only the oldest open row
 * is eligible, so one person's messages go out in order and never two at once; SKIP LOCKED lets several
 * instances claim side by side without taking the same row. When that oldest row is a text, the texts queued
 * right behind it for the same person are claimed with it and sent as one message (the pair limit allows
 * about one message every 6 s); a document, or a row not yet due, ends the run.
 */
export async function claimDueNotifications(em: EntityManager, o: ClaimOptions): Promise<ClaimedNotification[]> {
  const combineUpTo = o.combineUpTo ?? 0;
  const rows = await em.execute<
    {
      id: string;
      head_id: string;
      recipient_phone: string;
      type: string;
      language: Language;
      payload: NotificationPayload;
      attempts: number;
      behind: number;
    }[]
  >(
    `with heads as (
        select c.id, c.recipient_phone from notifications c
         where c.status = 'pending' and c.next_attempt_at <= now()
           and not exists (select 1 from notifications e
                            where e.recipient_phone = c.recipient_phone and e.id < c.id and e.status in ('pending', 'sending'))
           and not exists (select 1 from notifications r
                            where r.recipient_phone = c.recipient_phone and r.id <> c.id and r.status in ('sent', 'delivered', 'read')
                              and r.sent_at > now() - (? * interval '1 millisecond'))
         order by c.next_attempt_at, c.id
         limit ?
         for update of c skip locked),
      run as (
        select f.id, h.id as head_id, f.id = h.id as is_head,
               sum(char_length(coalesce(f.payload->>'text', '')) + 2) over w as run_len,
               bool_and(coalesce(f.payload->>'text', '') <> '' and f.next_attempt_at <= now()) over w as all_texts
          from heads h
          join notifications f on f.recipient_phone = h.recipient_phone and f.status = 'pending' and f.id >= h.id
         window w as (partition by h.id order by f.id)),
      picked as (select id, head_id from run where is_head or (? > 0 and all_texts and run_len - 2 <= ?)),
      behind as (select r.head_id, count(*) filter (where p.id is null) as n from run r left join picked p on p.id = r.id group by r.head_id)
     update notifications n
        set status = 'sending', attempts = n.attempts + 1, updated_at = now(),
            next_attempt_at = now() + (? * interval '1 millisecond')
       from picked p join behind b on b.head_id = p.head_id
      where n.id = p.id
      returning n.id::text as id, p.head_id::text as head_id, n.recipient_phone, n.type, n.language, n.payload, n.attempts,
                b.n::int as behind`,
    [o.recipientGapMs, o.limit, combineUpTo, combineUpTo, o.leaseMs],
  );
  const byHead = new Map<string, typeof rows>();
  for (const r of rows) byHead.set(r.head_id, [...(byHead.get(r.head_id) ?? []), r]);
  const claimed: ClaimedNotification[] = [];
  for (const group of byHead.values()) {
    group.sort((x, y) => Number(BigInt(x.id) - BigInt(y.id)));
    const head = group[0]!;
    // Combined, the message keeps the choices (buttons, list) of the last row that had any, so a tap still
    // names exactly what that row offered.
    const choices = group.findLast((g) => g.payload.choices !== undefined)?.payload.choices;
    let payload = head.payload;
    if (group.length > 1) {
      payload = { ...head.payload, text: group.map((g) => g.payload.text).join(COMBINED_SEPARATOR) };
      if (choices === undefined) delete payload.choices;
      else payload.choices = choices;
    }
    claimed.push({
      id: head.id,
      ids: group.map((g) => g.id),
      recipientPhone: head.recipient_phone,
      type: head.type,
      language: head.language,
      payload,
      attempts: Number(head.attempts),
      behind: Number(head.behind),
    });
  }
  return claimed.sort((x, y) => Number(BigInt(x.id) - BigInt(y.id)));
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

/** One send that went out: its rows (several when combined into one message) and what the provider said. */
export interface SentRecord {
  ids: string[];
  providerMessageId: string;
  template?: string | undefined;
}

/** Rows that went out become sent, with the provider's message id: one statement for any number of sends. */
export async function recordSent(em: EntityManager, sent: SentRecord[]): Promise<void> {
  const rows = sent.flatMap((s) =>
    s.ids.map((id) => ({ id: String(BigInt(id)), provider_message_id: s.providerMessageId, template: s.template ?? null })),
  );
  if (!rows.length) return;
  await em.execute(
    `update notifications n
        set status = 'sent', provider_message_id = s.provider_message_id, sent_at = now(), last_error = null, updated_at = now(),
            payload = case when s.template is null then n.payload else n.payload || jsonb_build_object('sentAsTemplate', s.template) end
       from jsonb_to_recordset(?::jsonb) as s(id bigint, provider_message_id text, template text)
      where n.id = s.id and n.status = 'sending'`,
    [JSON.stringify(rows)],
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
export async function recordSendFailure(em: EntityManager, id: string | string[], error: string, retryAt: Date | null): Promise<void> {
  const ids = Array.isArray(id) ? id : [id];
  await em.transactional(async (tx) => {
    await tx.execute(
      `update notifications
          set status = ?, last_error = ?, next_attempt_at = coalesce(?, next_attempt_at), updated_at = now()
        where id = any(?::bigint[]) and status = 'sending'`,
      [retryAt ? 'pending' : 'failed', error.slice(0, 2000), retryAt, idArray(ids)],
    );
    // A rate card refused for the messaging tier stops the rest of that day's cards.
    await stopRateCardAtTierLimit(tx, ids, error, new Date());
  });
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
  return em.transactional(async (tx) => {
    const rows = await tx.execute<{ id: string }[]>(
      `update notifications
          set status = ?, updated_at = now(), sent_at = coalesce(sent_at, now()),
              last_error = case when ? = 'failed' then ? else last_error end
        where provider_message_id = ?
          and array_position(${order}, status::text) < array_position(${order}, ?::text)
        returning id::text as id`,
      [report.status, report.status, report.error ?? 'failed (no reason given)', report.providerMessageId, report.status],
    );
    if (rows.length) {
      if (report.status === 'failed')
        await stopRateCardAtTierLimit(
          tx,
          rows.map((r) => r.id),
          report.error ?? '',
          new Date(),
        );
      return 'updated';
    }
    const known = await tx.execute<{ n: number }[]>(`select count(*)::int as n from notifications where provider_message_id = ?`, [
      report.providerMessageId,
    ]);
    return Number(known[0]?.n ?? 0) > 0 ? 'unchanged' : 'unknown';
  });
}

/**
 * Reserves `count` send slots for one sending number, shared by every replica: slots are 1/rate s apart, from
 * the later of now and the last reservation's end. Returns how long from now to wait before each send. One
 * atomic statement per outbox round, so N replicas together never exceed the rate.
 */
export async function reserveSendSlots(em: EntityManager, sendingNumber: string, ratePerSecond: number, count: number): Promise<number[]> {
  if (count <= 0) return [];
  const stepMs = 1000 / Math.max(1, ratePerSecond);
  const rows = await em.execute<{ wait_ms: number }[]>(
    `insert into outbox_send_slots as s (sending_number, next_slot_at)
     values (?, clock_timestamp() + (? * interval '1 millisecond'))
     on conflict (sending_number) do update
        set next_slot_at = greatest(s.next_slot_at, clock_timestamp()) + (? * interval '1 millisecond')
     returning extract(epoch from (s.next_slot_at - clock_timestamp())) * 1000 - ? as wait_ms`,
    [sendingNumber, stepMs * count, stepMs * count, stepMs * count],
  );
  const first = Math.max(0, Number(rows[0]?.wait_ms ?? 0));
  return Array.from({ length: count }, (_, k) => first + k * stepMs);
}

/**
 * Meta asked us to slow down (pair or throughput limit): back to pending after `pauseMs`, and the try is not
 * counted, so a busy spell never uses up a message's attempts.
 */
export async function recordRateLimited(em: EntityManager, ids: string[], error: string, pauseMs: number): Promise<void> {
  await em.execute(
    `update notifications
        set status = 'pending', attempts = greatest(attempts - 1, 0), last_error = ?,
            next_attempt_at = now() + (? * interval '1 millisecond'), updated_at = now()
      where id = any(?::bigint[]) and status = 'sending'`,
    [error.slice(0, 2000), pauseMs, idArray(ids)],
  );
}

/** A bigint[] parameter as PostgreSQL's array literal (ids are digits only). */
const idArray = (ids: string[]) => `{${ids.map((id) => String(BigInt(id))).join(',')}}`;
