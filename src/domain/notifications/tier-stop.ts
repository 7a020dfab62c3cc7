// The rate card stops as soon as Meta answers with the messaging-tier error: the rest of that day's cards would
// only be refused too, so they are marked not sent (in the transaction that records the refusal) and the day's
// rate-card run says it stopped and how many farmers were not sent the card.
import type { EntityManager } from '@mikro-orm/postgresql';
import { markRunStopped } from '../job-runs/job-runs.js';
import { metaErrorCode } from './failures.js';

/** Meta's answer when the business-initiated messaging limit (the tier) or the spam limit is hit. */
export const TIER_LIMIT_CODES = ['131048'];

export const TIER_NOT_SENT = 'not sent: the business-initiated daily limit was reached';

export interface TierStop {
  date: string;
  code: string;
  /** Pending cards of that day given up now (the refused one included when it was left to retry). */
  cancelled: number;
  /** All of that day's cards that did not go (refused or not sent). */
  notSent: number;
}

/** After `ids` failed with `error`: when it is the tier error and they are rate cards, stop their days' cards. */
export async function stopRateCardAtTierLimit(em: EntityManager, ids: string[], error: string, at: Date): Promise<TierStop[]> {
  const code = metaErrorCode(error);
  if (!ids.length || !code || !TIER_LIMIT_CODES.includes(code)) return [];
  const refused = `{${ids.map((id) => String(BigInt(id))).join(',')}}`;
  const days = await em.execute<{ day: string }[]>(
    `select distinct payload->>'broadcastKey' as day from notifications
      where id = any(?::bigint[]) and type = 'rate_card' and payload->>'broadcastKey' is not null`,
    [refused],
  );
  const stops: TierStop[] = [];
  for (const { day } of days) {
    const cancelled = await em.execute<{ id: string }[]>(
      // The refused card (left pending to retry) keeps Meta's words; it too is given up for the day.
      `update notifications set status = 'failed', updated_at = now(),
              last_error = case when id = any(?::bigint[]) then last_error else ? end
        where type = 'rate_card' and status = 'pending' and payload->>'broadcastKey' = ? returning id::text as id`,
      [refused, `${TIER_NOT_SENT} (Meta answered ${code})`, day],
    );
    const [n] = await em.execute<{ n: number }[]>(
      `select count(*)::int as n from notifications where type = 'rate_card' and status = 'failed' and payload->>'broadcastKey' = ?`,
      [day],
    );
    const notSent = Number(n?.n ?? 0);
    await markRunStopped(em, 'rate-card', day, {
      summary: `stopped: Meta answered ${code} (messaging limit for the tier) at ${at.toISOString()}; ${notSent} farmers not sent the ${day} rate card. The limit counts unique people over a moving 24 hours.`,
      details: { date: day, tierCode: code, notSent, stoppedAt: at.toISOString() },
    });
    stops.push({ date: day, code, cancelled: cancelled.length, notSent });
  }
  return stops;
}
