import { sql, type RawBuilder } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import { rupees } from '../money.js';

/**
 * The rate-in-force rule as SQL, the one copy: same flower and slot, the latest effective_date not after the
 * entry's date. A scalar subquery over three SQL expressions, for set-based reads.
 */
export const rateInForceSql = (flower: RawBuilder<unknown>, slot: RawBuilder<unknown>, day: RawBuilder<unknown>) =>
  sql<string | null>`(select r.rate_per_unit::text from market_rates r
     where r.flower_type_id = ${flower} and r.time_slot_id = ${slot} and r.effective_date <= ${day}
     order by r.effective_date desc limit 1)`;

/** The key of a (flower, slot, date) in a map of rates read with ratesFor(). */
export const rateKey = (flowerId: string, slotId: string, date: string) => `${flowerId}|${slotId}|${date}`;

/** The rates in force for many (flower, slot, date) with ONE statement; a key without a rate maps to null. */
export async function ratesFor(em: EntityManager, keys: { flowerId: string; slotId: string; date: string }[]): Promise<Map<string, string | null>> {
  if (keys.length === 0) return new Map();
  const { rows } = await sql<{ flower: string; slot: string; day: string; rate: string | null }>`
    select v.flower::text as flower, v.slot::text as slot, v.day::text as day,
           ${rateInForceSql(sql.ref('v.flower'), sql.ref('v.slot'), sql.ref('v.day'))} as rate
      from unnest(${keys.map((k) => k.flowerId)}::uuid[], ${keys.map((k) => k.slotId)}::uuid[], ${keys.map((k) => k.date)}::date[]) as v(flower, slot, day)`.execute(
    em.getKysely(),
  );
  return new Map(rows.map((r) => [rateKey(r.flower, r.slot, r.day), r.rate === null ? null : rupees(r.rate)]));
}

/** The rate in force for one flower, slot and date. */
export async function rateInForce(em: EntityManager, flowerId: string, slotId: string, date: string): Promise<string | null> {
  const { rows } = await sql<{ rate: string | null }>`
    select ${rateInForceSql(sql`${flowerId}::uuid`, sql`${slotId}::uuid`, sql`${date}::date`)} as rate`.execute(em.getKysely());
  return rows[0]?.rate ? rupees(rows[0].rate) : null;
}

export interface RateInForce {
  flowerId: string;
  flowerName: string;
  flowerNameTa: string;
  unit: 'kg' | 'piece';
  slotId: string;
  slotName: string;
  slotNameTa: string;
  rate: string;
  effectiveDate: string;
}

/** Every active flower × slot with the rate in force on a date (rows without a rate are left out). */
export async function ratesInForce(em: EntityManager, date: string): Promise<RateInForce[]> {
  const rows = await em.execute<Record<string, string>[]>(
    `select f.id::text as flower_id, f.name as flower_name, f.name_ta as flower_name_ta, f.unit,
            s.id::text as slot_id, s.name as slot_name, s.name_ta as slot_name_ta,
            r.rate_per_unit::text as rate, to_char(r.effective_date, 'YYYY-MM-DD') as effective_date
       from flower_types f cross join time_slots s
       join lateral (select rate_per_unit, effective_date from market_rates m
                      where m.flower_type_id = f.id and m.time_slot_id = s.id and m.effective_date <= ?::date
                      order by effective_date desc limit 1) r on true
      where f.is_active and s.is_active
      order by f.code, s.start_time`,
    [date],
  );
  return rows.map((r) => ({
    flowerId: r.flower_id!,
    flowerName: r.flower_name!,
    flowerNameTa: r.flower_name_ta!,
    unit: r.unit as 'kg' | 'piece',
    slotId: r.slot_id!,
    slotName: r.slot_name!,
    slotNameTa: r.slot_name_ta!,
    rate: rupees(r.rate!),
    effectiveDate: r.effective_date!,
  }));
}
