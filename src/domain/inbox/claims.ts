// Claiming stored inbound messages for processing and recording what became of them: the inbox's SQL, in one
// place. A row is claimed only while outcome is null and together with its sender's earlier open messages, so a
// message is processed once and in order even with several workers or replicas at it; the claim lasts until the
// processing transaction ends.
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import { primeReferenceDataFrom, referenceDataColumns, type ReferenceDataRow } from '../reference-data.js';

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

/**
 * The claim, and the rule that keeps one sender's order across replicas: a message is taken only together with
 * every earlier unprocessed message of the same sender. The rows are locked in id order and waited for (no SKIP
 * LOCKED): when another replica is processing one of them, this claim waits for its commit, then re-reads the
 * row and drops it if it now has an outcome. So a sender's messages are handled oldest first, each once, by
 * whichever replica gets there first; two claims lock in the same order and cannot deadlock on these rows.
 */
export async function claimInboundInOrder(em: EntityManager, ids: string[]): Promise<InboundRow[]> {
  if (ids.length === 0) return [];
  return (await claimQuery(ids, false).execute(em.getKysely())).rows;
}

/**
 * The same claim, with the reference data (settings, active flowers and slots) read in the same statement and
 * put in the current withReferenceCache() scope: a lone message's transaction saves a round trip.
 */
export async function claimInboundWithReferenceData(em: EntityManager, id: string): Promise<InboundRow[]> {
  const { rows } = await claimQuery([id], true).execute(em.getKysely());
  if (rows[0]) primeReferenceDataFrom(rows[0]);
  return rows.map(({ settings: _s, flowers: _f, slots: _t, ...row }) => row);
}

const claimQuery = (ids: string[], withReferenceData: boolean) => sql<InboundRow & ReferenceDataRow>`
  select m.id::text as id, m.provider_message_id, m.sender, m.sender_phone, m.text, m.media_kind, m.received_at
         ${withReferenceData ? sql`, r.settings, r.flowers, r.slots` : sql``}
    from inbound_messages m ${withReferenceData ? sql`cross join (select ${referenceDataColumns}) r` : sql``}
   where m.outcome is null
     and m.sender in (select b.sender from inbound_messages b where b.id = any(${ids}::bigint[]))
     and m.id <= (select max(b.id) from inbound_messages b where b.id = any(${ids}::bigint[]))
   order by m.id for update of m`;

/**
 * How the transaction that records an outcome commits. `waitForFlush: false` is for a transaction that wrote only
 * answers to questions (a `bal` reply), no ledger row: its commit need not wait for the WAL flush (set in the
 * same statement, so it costs no round trip). Lost in a database crash, the message is done again from the
 * stored row by the sweep: at worst a second, identical answer.
 */
export interface OutcomeCommit {
  waitForFlush?: boolean;
}

const commitMode = (o: OutcomeCommit) => (o.waitForFlush === false ? sql`, (select set_config('synchronous_commit', 'off', true)) as c` : sql``);

/** Records the outcome of each processed message with ONE statement. */
export async function recordInboundOutcomes(em: EntityManager, outcomes: { id: string; outcome: string }[], o: OutcomeCommit = {}): Promise<void> {
  if (outcomes.length === 0) return;
  await sql`update inbound_messages m set outcome = v.outcome, processed_at = now(), error = null
    from unnest(${outcomes.map((x) => x.id)}::bigint[], ${outcomes.map((x) => x.outcome)}::text[]) as v(id, outcome)${commitMode(o)}
    where m.id = v.id`.execute(em.getKysely());
}

/** Records the outcome of one processed message. */
export function recordInboundOutcome(em: EntityManager, id: string, outcome: string, o: OutcomeCommit = {}): Promise<void> {
  return recordInboundOutcomes(em, [{ id, outcome }], o);
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
