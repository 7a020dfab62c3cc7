// Recording collections, the one owner of that rule: insert what buyers paid with their audit rows and move the
// buyers' balances in one statement, then apply the money to their oldest unpaid sales (allocations.ts). What is
// left over stays on the collection as the buyer's credit.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import { securityLogInsert } from '../audit/audit.service.js';
import type { StaffActor } from '../audit/actor.js';
import { localDate } from '../market-time.js';
import { dec, rupees } from '../money.js';
import { allocateCollections, type Allocation } from './allocations.js';
import { buyerBalanceMoves } from './buyer-balances.js';
import type { CollectionMode } from './collection.entity.js';

export interface CollectionLine {
  buyer: { id: string; code: string };
  amount: string;
  mode: CollectionMode;
  /** Required for upi and bank. */
  reference: string | null;
  at: Date;
  sourceMessageId: string | null;
  sourceLine: number;
}

export interface RecordedCollection {
  collection: { id: string; collectionNo: string; amount: string; mode: CollectionMode; reference: string | null; date: string };
  buyer: CollectionLine['buyer'];
  /** This collection's part of each sale it paid, oldest sale first. */
  allocations: Allocation[];
  /** What was not applied to any sale: the buyer's credit from this collection. */
  unapplied: string;
  balanceAfter: string;
}

export async function recordCollections(
  em: EntityManager,
  actor: StaffActor,
  lines: CollectionLine[],
  opts: { timeZone: string },
): Promise<RecordedCollection[]> {
  if (lines.length === 0) return [];
  const rowsIn = lines.map((line) => ({ line, id: randomUUID(), amount: rupees(line.amount), date: localDate(line.at, opts.timeZone) }));
  const col = <T>(f: (x: (typeof rowsIn)[number]) => T) => rowsIn.map(f);
  const { rows } = await sql<{ k: 'c' | 'b'; id: string; val: string }>`
    with v as materialized (
      select * from unnest(
        ${col((x) => x.id)}::uuid[], ${col((x) => x.line.buyer.id)}::uuid[], ${col((x) => x.amount)}::numeric[], ${col((x) => x.line.mode)}::text[],
        ${col((x) => x.line.reference)}::text[], ${col((x) => x.date)}::date[], ${col((x) => x.line.at)}::timestamptz[],
        ${col((x) => x.line.sourceMessageId)}::text[], ${col((x) => x.line.sourceLine)}::int[],
        ${col((x) => JSON.stringify({ buyer: x.line.buyer.code, amount: x.amount, mode: x.line.mode, reference: x.line.reference }))}::jsonb[]
      ) with ordinality as v(id, buyer_id, amount, mode, reference, collection_date, collected_at, source_message_id, source_line, details, n)
    ),
    ins as (
      insert into collections (id, buyer_id, amount, mode, reference, collection_date, collected_at, recorded_by_id, source_message_id, source_line)
      select id, buyer_id, amount, mode, reference, collection_date, collected_at, ${actor.userId}::uuid, source_message_id, source_line
        from v order by n
      returning id, collection_no
    ),
    audit as (${securityLogInsert(
      ['action', 'actor_user_id', 'actor_phone', 'entity', 'entity_id', 'details', 'ip_address', 'user_agent'],
      sql`select 'collection.create', ${actor.userId}::uuid, ${actor.phone ?? null}::text, 'collection', v.id::text,
                 v.details || jsonb_build_object('collectionNo', ins.collection_no::text), ${actor.ip ?? null}::text, ${actor.userAgent ?? null}::text
            from v join ins using (id) order by v.n`,
    )}),
    deltas as (select buyer_id, -amount as delta from v),
    ${buyerBalanceMoves('deltas')}
    select 'c' as k, id::text as id, collection_no::text as val from ins
    union all
    select 'b', id, balance from buyers_moved`.execute(em.getKysely());
  const numbers = new Map<string, string>();
  const balances = new Map<string, string>();
  for (const r of rows) (r.k === 'c' ? numbers : balances).set(r.id, r.val);
  const applied = await allocateCollections(
    em,
    lines.map((l) => l.buyer.id),
  );
  // Walk back from each buyer's final balance to the balance just after each line.
  const running = new Map([...balances].map(([id, b]) => [id, dec(b)]));
  const after: string[] = [];
  for (const x of [...rowsIn].reverse()) {
    const b = running.get(x.line.buyer.id)!;
    after.push(rupees(b));
    running.set(x.line.buyer.id, b.plus(x.amount));
  }
  after.reverse();
  return rowsIn.map((x, i) => {
    const mine = applied.filter((a) => a.collectionId === x.id);
    const used = mine.reduce((s, a) => s.plus(a.amount), dec(0));
    return {
      collection: { id: x.id, collectionNo: numbers.get(x.id)!, amount: x.amount, mode: x.line.mode, reference: x.line.reference, date: x.date },
      buyer: x.line.buyer,
      allocations: mine,
      unapplied: rupees(dec(x.amount).minus(used)),
      balanceAfter: after[i]!,
    };
  });
}
