// Claiming stored inbound messages for processing and recording what became of them: the inbox's SQL, in one
// place. A row is claimed with FOR UPDATE SKIP LOCKED and only while outcome is null, so a message is processed
// once even with several workers (or replicas) at it; the claim lasts until the processing transaction ends.
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';

/** A stored inbound message as the chat pipeline reads it. */
export interface InboundRow {
  id: string;
  provider_message_id: string;
  sender: string;
  sender_phone: string | null;
  text: string | null;
  media_kind: string | null;
  received_at: Date | string;
}

const COLUMNS = 'id::text as id, provider_message_id, sender, sender_phone, text, media_kind, received_at';

/** Claims one unprocessed message; null when it is processed already or another worker holds it. */
export async function claimInbound(em: EntityManager, id: string): Promise<InboundRow | null> {
  const rows = await em.execute<InboundRow[]>(
    `select ${COLUMNS} from inbound_messages where id = ? and outcome is null for update skip locked`,
    [id],
  );
  return rows[0] ?? null;
}

/** Claims the unprocessed ones of several messages, in arrival (id) order; the others are skipped. */
export async function claimInboundMany(em: EntityManager, ids: string[]): Promise<InboundRow[]> {
  if (ids.length === 0) return [];
  return em.execute<InboundRow[]>(
    `select ${COLUMNS} from inbound_messages where id in (${ids.map(() => '?').join(', ')}) and outcome is null
      order by inbound_messages.id for update skip locked`,
    ids,
  );
}

/** Records the outcome of each processed message with ONE statement. */
export async function recordInboundOutcomes(em: EntityManager, outcomes: { id: string; outcome: string }[]): Promise<void> {
  if (outcomes.length === 0) return;
  await sql`update inbound_messages m set outcome = v.outcome, processed_at = now(), error = null
    from unnest(${outcomes.map((o) => o.id)}::bigint[], ${outcomes.map((o) => o.outcome)}::text[]) as v(id, outcome)
    where m.id = v.id`.execute(em.getKysely());
}

/** Records the outcome of one processed message. */
export async function recordInboundOutcome(em: EntityManager, id: string, outcome: string): Promise<void> {
  await em.execute(`update inbound_messages set outcome = ?, processed_at = now(), error = null where id = ?`, [outcome, id]);
}

/** Marks an unprocessed message 'error' with the failure; returns the row, or null when it had an outcome already. */
export async function recordInboundError(em: EntityManager, id: string, error: string): Promise<InboundRow | null> {
  const rows = await em.execute<InboundRow[]>(
    `update inbound_messages set outcome = 'error', processed_at = now(), error = ?
      where id = ? and outcome is null
      returning ${COLUMNS}`,
    [error.slice(0, 4000), id],
  );
  return rows[0] ?? null;
}
