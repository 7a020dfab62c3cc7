import type { EntityManager } from '@mikro-orm/postgresql';
import { rupees } from '../money.js';

/** The rate in force: same flower and slot, the latest effective_date not after the entry's date. */
export async function rateInForce(em: EntityManager, flowerId: string, slotId: string, date: string): Promise<string | null> {
  const rows = await em.execute<{ rate: string }[]>(
    `select rate_per_unit::text as rate from market_rates
      where flower_type_id = ? and time_slot_id = ? and effective_date <= ?::date
      order by effective_date desc limit 1`,
    [flowerId, slotId, date],
  );
  return rows[0] ? rupees(rows[0].rate) : null;
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
