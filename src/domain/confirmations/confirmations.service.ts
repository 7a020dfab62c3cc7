// Held lines: what the fat-finger guard did not save, waiting for the same sender's confirmation. Every change is
// one statement that claims rows still 'held' (and, to confirm, not expired), so two deliveries of one `ok` — or
// a message and a button tap on two replicas — confirm a line once: the second finds the row no longer held.
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { StaffActor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { getNumberSetting } from '../settings/settings.service.js';
import type { GuardFact } from './guard.js';
import type { ConfirmationKind, ConfirmationStatus } from './pending-confirmation.entity.js';

export interface HeldLine {
  id: string;
  kind: ConfirmationKind;
  /** What the edge needs to replay the line: the command as understood, its time and source. */
  payload: Record<string, unknown>;
  guard: GuardFact;
  sourceMessageId: string | null;
  sourceLine: number;
  createdAt: Date;
  expiresAt: Date;
}

interface Row {
  id: string;
  kind: ConfirmationKind;
  payload: Record<string, unknown>;
  guard: GuardFact;
  source_message_id: string | null;
  source_line: number;
  created_at: Date | string;
  expires_at: Date | string;
}

const held = (r: Row): HeldLine => ({
  id: r.id,
  kind: r.kind,
  payload: r.payload,
  guard: r.guard,
  sourceMessageId: r.source_message_id,
  sourceLine: r.source_line,
  createdAt: new Date(r.created_at),
  expiresAt: new Date(r.expires_at),
});

const RETURNING = sql`returning id::text as id, kind, payload, guard, source_message_id, source_line, created_at, expires_at`;

/** Holds a line for `confirmation_minutes` from `at` (the message's time). Call inside the message's transaction. */
export async function holdForConfirmation(
  em: EntityManager,
  actor: StaffActor,
  input: { kind: ConfirmationKind; payload: Record<string, unknown>; guard: GuardFact; at: Date; sourceMessageId: string | null; sourceLine: number },
): Promise<HeldLine> {
  const minutes = await getNumberSetting(em, 'confirmation_minutes');
  const expiresAt = new Date(input.at.getTime() + minutes * 60_000);
  const { rows } = await sql<Row>`
    insert into pending_confirmations (sender_phone, actor_user_id, kind, payload, guard, source_message_id, source_line, created_at, expires_at)
    values (${actor.phone ?? ''}, ${actor.userId}, ${input.kind}, ${JSON.stringify(input.payload)}::jsonb, ${JSON.stringify(input.guard)}::jsonb,
            ${input.sourceMessageId}, ${input.sourceLine}, ${input.at}, ${expiresAt})
    ${RETURNING}`.execute(em.getKysely());
  const line = held(rows[0]!);
  recordSecurityEvent(em, {
    action: 'confirmation.hold',
    actor,
    entity: 'pending_confirmation',
    entityId: line.id,
    details: { kind: input.kind, ...input.guard, expiresAt: expiresAt.toISOString() },
  });
  return line;
}

/** Which held rows a call means: one by id (a button), else every one the sender has. */
export interface HeldSelector {
  /** One held line (a button tap carries it); absent: all of the sender's. */
  id?: string;
  /** The confirming message's time: a line whose expires_at is not after it has expired. */
  at: Date;
  /** The message (or request) that resolved it, kept on the row. */
  messageId?: string | null;
}

async function resolve(
  em: EntityManager,
  actor: StaffActor,
  to: ConfirmationStatus,
  select: HeldSelector,
  live: 'live' | 'expired',
): Promise<HeldLine[]> {
  const which = select.id ? sql`id = ${select.id}::uuid` : sql`sender_phone = ${actor.phone ?? ''}`;
  const when = live === 'live' ? sql`expires_at > ${select.at}` : sql`expires_at <= ${select.at}`;
  const { rows } = await sql<Row>`
    update pending_confirmations set status = ${to}, resolved_at = ${select.at}, resolved_message_id = ${select.messageId ?? null}
     where status = 'held' and actor_user_id = ${actor.userId} and ${which} and ${when}
    ${RETURNING}`.execute(em.getKysely());
  return rows.map(held).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.sourceLine - b.sourceLine);
}

/**
 * Claims the sender's live held lines (or the one with `id`) as confirmed, exactly once: the caller then records
 * each with the guard lifted, in the same transaction. An empty list: nothing was waiting (or another delivery
 * claimed it first).
 */
export const confirmHeld = (em: EntityManager, actor: StaffActor, select: HeldSelector) => resolve(em, actor, 'confirmed', select, 'live');

/** Drops the sender's live held lines (or the one with `id`): anything but a confirmation does this. */
export const dropHeld = (em: EntityManager, actor: StaffActor, select: HeldSelector) => resolve(em, actor, 'dropped', select, 'live');

/** Marks the sender's held lines whose time ran out as expired, and returns them (so the sender can be told). */
export const expireHeld = (em: EntityManager, actor: StaffActor, select: HeldSelector) => resolve(em, actor, 'expired', select, 'expired');
