// Market rates: per flower and slot, effective from a date until a later one replaces them.
// Entries keep the rate they were priced at, so changing a rate never rewrites the past.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { Actor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { FlowerType } from '../flowers/flower-type.entity.js';
import { rupees } from '../money.js';
import { likeEscape, offsetOf, type Page, type PageRequest } from '../paging.js';
import { TimeSlot } from '../slots/time-slot.entity.js';
import { User } from '../users/user.entity.js';
import { MarketRate } from './market-rate.entity.js';
import { sql, type RawBuilder } from 'kysely';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RateGrid {
  date: string;
  slots: { id: string; name: string; nameTa: string; startTime: string; endTime: string }[];
  rows: {
    flower: { id: string; code: string; name: string; nameTa: string; unit: string };
    cells: { timeSlotId: string; rate: string | null; effectiveDate: string | null }[];
  }[];
}

/** The rate in force on `date` for every active flower × active slot (null where none is set yet). */
export async function rateGrid(em: EntityManager, date: string): Promise<RateGrid> {
  const flowers = await em.find(FlowerType, { isActive: true }, { orderBy: { code: 'asc' } });
  const slots = await em.find(TimeSlot, { isActive: true }, { orderBy: { sortOrder: 'asc', startTime: 'asc' } });
  const inForce = await em.execute<{ flower_type_id: string; time_slot_id: string; rate: string; effective_date: string }[]>(
    `select distinct on (flower_type_id, time_slot_id) flower_type_id, time_slot_id, rate_per_unit::text as rate, effective_date::text
       from market_rates where effective_date <= ?::date
      order by flower_type_id, time_slot_id, effective_date desc`,
    [date],
  );
  const byCell = new Map(inForce.map((r) => [`${r.flower_type_id}/${r.time_slot_id}`, r]));
  return {
    date,
    slots: slots.map((s) => ({
      id: s.id,
      name: s.name,
      nameTa: s.nameTa,
      startTime: String(s.startTime).slice(0, 5),
      endTime: String(s.endTime).slice(0, 5),
    })),
    rows: flowers.map((f) => ({
      flower: { id: f.id, code: f.code, name: f.name, nameTa: f.nameTa, unit: f.unit },
      cells: slots.map((s) => {
        const r = byCell.get(`${f.id}/${s.id}`);
        return { timeSlotId: s.id, rate: r ? rupees(r.rate) : null, effectiveDate: r?.effective_date ?? null };
      }),
    })),
  };
}

export interface RateCellInput {
  /** Flower id, code (FLW002), English name or Tamil name. */
  flower: string;
  /** Slot id, English name or Tamil name. */
  slot: string;
  rate: string;
}

async function resolveFlower(em: EntityManager, ref: string) {
  const r = ref.trim();
  const f = UUID.test(r)
    ? await em.findOne(FlowerType, r)
    : await em.findOne(FlowerType, { $or: [{ code: r.toUpperCase() }, { name: { $ilike: likeEscape(r) } }, { nameTa: r }] });
  if (!f) throw new AppError('FLOWER_NOT_FOUND', `No flower ${r}`, 422, { flower: r });
  if (!f.isActive) throw new AppError('FLOWER_INACTIVE', `${f.name} is switched off`, 422, { flower: f.name });
  return f;
}

async function resolveSlot(em: EntityManager, ref: string) {
  const r = ref.trim();
  const s = UUID.test(r) ? await em.findOne(TimeSlot, r) : await em.findOne(TimeSlot, { $or: [{ name: { $ilike: likeEscape(r) } }, { nameTa: r }] });
  if (!s) throw new AppError('SLOT_NOT_FOUND', `No time slot ${r}`, 422, { slot: r });
  if (!s.isActive) throw new AppError('SLOT_INACTIVE', `${s.name} is switched off`, 422, { slot: s.name });
  return s;
}

/**
 * Sets rates effective from `date` (today or later, market time). Cells whose rate does not change
 * are left alone; every changed cell leaves an audit row with its old and new rate.
 */
export async function setRates(
  em: EntityManager,
  input: { date: string; today: string; rates: RateCellInput[] },
  actor: Actor,
): Promise<{ changed: number }> {
  if (input.date < input.today) {
    throw new AppError('RATE_DATE_PAST', 'Rates can be set for today or a later date', 422, { date: input.date, today: input.today });
  }
  return em.transactional(async (tx) => {
    const seen = new Set<string>();
    let changed = 0;
    for (const cell of input.rates) {
      const flower = await resolveFlower(tx, cell.flower);
      const slot = await resolveSlot(tx, cell.slot);
      const key = `${flower.id}/${slot.id}`;
      if (seen.has(key))
        throw new AppError('DUPLICATE_CELL', `${flower.name} / ${slot.name} appears twice`, 422, { flower: flower.name, slot: slot.name });
      seen.add(key);
      const rate = rupees(cell.rate);
      if (Number(rate) <= 0) throw new AppError('RATE_NOT_POSITIVE', 'A rate must be more than zero', 422, { flower: flower.name, slot: slot.name });
      const existing = await tx.findOne(MarketRate, { flowerType: flower, timeSlot: slot, effectiveDate: input.date });
      const previous = await tx.execute<{ rate: string }[]>(
        `select rate_per_unit::text as rate from market_rates where flower_type_id = ? and time_slot_id = ? and effective_date <= ?::date
          order by effective_date desc limit 1`,
        [flower.id, slot.id, input.date],
      );
      const old = previous[0] ? rupees(previous[0].rate) : null;
      if (old === rate) continue;
      let row: MarketRate;
      if (existing) {
        existing.ratePerUnit = rate;
        existing.createdBy = actor.userId ? tx.getReference(User, actor.userId) : null;
        row = existing;
      } else {
        row = tx.create(MarketRate, {
          flowerType: flower,
          timeSlot: slot,
          ratePerUnit: rate,
          effectiveDate: input.date,
          createdBy: actor.userId ? tx.getReference(User, actor.userId) : null,
        });
      }
      await tx.flush();
      recordSecurityEvent(tx, {
        actor,
        action: 'rate_set',
        entity: 'market_rate',
        entityId: row.id,
        details: { flower: flower.code, slot: slot.name, effectiveDate: input.date, old, new: rate },
      });
      changed++;
    }
    return { changed };
  });
}

export interface RateHistoryRow {
  id: string;
  timeSlotId: string;
  slot: string;
  slotTa: string;
  rate: string;
  effectiveDate: string;
  createdBy: string | null;
  createdAt: string;
}

export async function rateHistory(
  em: EntityManager,
  flowerTypeId: string,
  filter: { from?: string | undefined; to?: string | undefined; slotId?: string | undefined } & PageRequest,
): Promise<Page<RateHistoryRow> & { flower: { id: string; code: string; name: string; nameTa: string } }> {
  const flower = await em.findOne(FlowerType, flowerTypeId);
  if (!flower) throw new AppError('FLOWER_NOT_FOUND', 'No such flower type', 404);
  const conds = ['m.flower_type_id = ?'];
  const params: unknown[] = [flowerTypeId];
  if (filter.from) (conds.push('m.effective_date >= ?::date'), params.push(filter.from));
  if (filter.to) (conds.push('m.effective_date <= ?::date'), params.push(filter.to));
  if (filter.slotId) (conds.push('m.time_slot_id = ?'), params.push(filter.slotId));
  const where = conds.join(' and ');
  const total = await em.execute<{ n: string }[]>(`select count(*)::text as n from market_rates m where ${where}`, params);
  const rows = await em.execute<Record<string, string | Date | null>[]>(
    `select m.id, m.time_slot_id, s.name as slot, s.name_ta as slot_ta, m.rate_per_unit::text as rate, m.effective_date::text as effective_date,
            u.email as created_by, m.created_at
       from market_rates m join time_slots s on s.id = m.time_slot_id left join users u on u.id = m.created_by_id
      where ${where}
      order by m.effective_date desc, s.sort_order, s.start_time
      limit ? offset ?`,
    [...params, filter.pageSize, offsetOf(filter)],
  );
  return {
    flower: { id: flower.id, code: flower.code, name: flower.name, nameTa: flower.nameTa },
    items: rows.map((r) => ({
      id: String(r.id),
      timeSlotId: String(r.time_slot_id),
      slot: String(r.slot),
      slotTa: String(r.slot_ta),
      rate: rupees(String(r.rate)),
      effectiveDate: String(r.effective_date),
      createdBy: r.created_by == null ? null : String(r.created_by),
      createdAt: new Date(r.created_at as string | Date).toISOString(),
    })),
    page: filter.page,
    pageSize: filter.pageSize,
    total: Number(total[0]!.n),
  };
}

// ---- Queries: the rate in force.
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
