// Recording entries, the one owner of that rule: price each weighed lot at the rate in force, insert it, write its
// audit row and move its farmer's balance, for any number of lines with a fixed number of statements (rates: one
// read, skipped when the caller read them already; the rest: one statement). The office form, the chat's
// one-by-one path and the chat's bulk planner all record through recordEntries().
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { securityLogInsert } from '../audit/audit.service.js';
import { balanceMoves } from '../balances/balances.service.js';
import { localDate, localTime } from '../market-time.js';
import { dec, entryAmounts, rupees, type Big } from '../money.js';
import { rateKey, ratesFor } from '../rates/rate.service.js';
import { confirmationRequired, lotGuard, rateGuard } from '../confirmations/guard.js';
import { getDecimalSetting } from '../settings/settings.service.js';
import { activeSlots, slotForTime, type SlotInfo } from '../slots/slot.service.js';
import type { StaffActor as Actor } from '../audit/actor.js';

export interface EntryLine {
  farmer: { id: string; code: string; commissionRate: string | null };
  /** maxLotQuantity: the flower's largest plausible lot (null or absent: the unit's setting). */
  flower: { id: string; code: string; name: string; nameTa: string; unit: 'kg' | 'piece'; maxLotQuantity?: string | null };
  quantity: string;
  /** Staff may name the slot; otherwise the slot of the entry's local time. */
  slotId: string | null;
  /** Staff may give the rate ('@450'); otherwise the rate in force. */
  rate: string | null;
  at: Date;
  sourceMessageId: string | null;
  sourceLine: number;
  /** Who recorded this line, when not the call's actor (a batch of several senders' messages). */
  actor?: Actor;
  /** The sender confirmed an implausible line (the fat-finger guard lets it through). */
  confirmed?: boolean;
  /** The rate is the corrected entry's own, not typed now: the rate guard does not ask about it again. */
  keepsRate?: boolean;
  /** A fix's replacement: the entry it corrects (voided in the same transaction). */
  correctsEntryId?: string | null;
}

export interface PricedEntry {
  slotId: string;
  date: string;
  rate: string;
  rateGiven: boolean;
  commissionRate: string;
  amounts: ReturnType<typeof entryAmounts>;
}

/** What pricing needs besides the line: read once for any number of lines. */
export interface Pricing {
  timeZone: string;
  slots: SlotInfo[];
  rates: Map<string, string | null>;
  defaultCommission: string;
  feePerEntry: string;
  feePerUnit: string;
  /** The fat-finger guard's settings. */
  maxLotKg: string;
  maxLotPieces: string;
  rateFactor: string;
}

/** The entry's market date and slot (null: no active slot). */
export function placeEntry(p: Pick<Pricing, 'timeZone' | 'slots'>, line: Pick<EntryLine, 'slotId' | 'at'>) {
  const date = localDate(line.at, p.timeZone);
  const slot = line.slotId ? (p.slots.find((s) => s.id === line.slotId) ?? null) : slotForTime(p.slots, localTime(line.at, p.timeZone));
  return { date, slot };
}

/**
 * Reads what pricing the lines needs: active slots and settings (cached per message or batch), and the rates in
 * force for lines without a given rate in ONE statement, unless the caller passes `rates` it read already
 * (keys from rateKey()).
 */
export async function entryPricing(
  em: EntityManager,
  lines: Pick<EntryLine, 'slotId' | 'at' | 'rate' | 'flower'>[],
  opts: { timeZone: string; rates?: Map<string, string | null> },
): Promise<Pricing> {
  const slots = await activeSlots(em);
  let rates = opts.rates;
  if (!rates) {
    const keys = new Map<string, { flowerId: string; slotId: string; date: string }>();
    for (const l of lines) {
      const { date, slot } = placeEntry({ timeZone: opts.timeZone, slots }, l);
      // Given rates too: the guard compares them with the rate in force.
      if (slot) keys.set(rateKey(l.flower.id, slot.id, date), { flowerId: l.flower.id, slotId: slot.id, date });
    }
    rates = await ratesFor(em, [...keys.values()]);
  }
  return {
    timeZone: opts.timeZone,
    slots,
    rates,
    defaultCommission: await getDecimalSetting(em, 'commission_rate'),
    feePerEntry: await getDecimalSetting(em, 'fee_per_entry'),
    feePerUnit: await getDecimalSetting(em, 'fee_per_unit'),
    maxLotKg: await getDecimalSetting(em, 'max_lot_kg'),
    maxLotPieces: await getDecimalSetting(em, 'max_lot_pieces'),
    rateFactor: await getDecimalSetting(em, 'rate_confirm_factor'),
  };
}

/** The fee for one line: fee_per_entry + fee_per_unit × quantity, rounded to the paisa. */
export const feeOf = (p: Pick<Pricing, 'feePerEntry' | 'feePerUnit'>, quantity: string) =>
  rupees(dec(p.feePerEntry).plus(dec(p.feePerUnit).times(quantity)));

/** Prices one line (pure); the refusal as an AppError when it cannot be recorded. */
export function priceEntry(p: Pricing, line: EntryLine): PricedEntry | AppError {
  const { date, slot } = placeEntry(p, line);
  if (!slot) return new AppError('NO_SLOT', 'No active time slot is set up', 409);
  const inForce = p.rates.get(rateKey(line.flower.id, slot.id, date)) ?? null;
  const rate = line.rate ?? inForce;
  if (!rate) {
    return new AppError('NO_RATE', `No rate for ${line.flower.name} in ${slot.name} on ${date}`, 409, {
      flower: line.flower.name,
      flowerTa: line.flower.nameTa,
      slot: slot.name,
      slotTa: slot.nameTa,
      date,
    });
  }
  const commissionRate = rupees(line.farmer.commissionRate ?? p.defaultCommission);
  const amounts = entryAmounts({ quantity: line.quantity, ratePerUnit: rate, commissionRate, feeAmount: feeOf(p, line.quantity) });
  if (dec(amounts.netAmount).lt(0)) return new AppError('FEES_EXCEED_AMOUNT', 'Commission and fees are more than the amount', 422, { ...amounts });
  if (!line.confirmed) {
    const fact =
      lotGuard(line.flower, line.quantity, p) ?? (line.rate !== null && !line.keepsRate ? rateGuard(line.rate, inForce, p.rateFactor) : null);
    if (fact) return confirmationRequired(fact);
  }
  return { slotId: slot.id, date, rate, rateGiven: line.rate !== null, commissionRate, amounts };
}

/** What recording one line did. */
export interface RecordedEntry<L extends EntryLine = EntryLine> {
  entry: {
    id: string;
    entryNo: string;
    quantity: string;
    unit: 'kg' | 'piece';
    ratePerUnit: string;
    commissionRate: string;
    totalAmount: string;
    commissionAmount: string;
    feeAmount: string;
    netAmount: string;
    slotId: string;
    date: string;
  };
  farmer: L['farmer'];
  flower: L['flower'];
  /** The farmer's balance just after this line (lines of one call count in their order). */
  balanceAfter: string;
  line: L;
}

/**
 * Records the lines, in order; all or none: the first line that cannot be priced throws its AppError before
 * anything is written. Call inside a transaction. `pricing`: what entryPricing() read, when the caller has it.
 */
export async function recordEntries<L extends EntryLine>(
  em: EntityManager,
  actor: Actor | null,
  lines: L[],
  opts: { timeZone: string; source?: 'whatsapp' | 'web'; pricing?: Pricing },
): Promise<RecordedEntry<L>[]> {
  if (lines.length === 0) return [];
  const pricing = opts.pricing ?? (await entryPricing(em, lines, opts));
  const priced = lines.map((line) => {
    const p = priceEntry(pricing, line);
    if (p instanceof AppError) throw p;
    const by = line.actor ?? actor;
    if (!by) throw new Error('recordEntries: a line without an actor');
    return { line, p, by, id: randomUUID() };
  });
  const col = <T>(f: (x: (typeof priced)[number]) => T) => priced.map(f);
  const { rows } = await sql<{ k: 'e' | 'b'; id: string; val: string }>`
    with v as materialized (
      select * from unnest(
        ${col((x) => x.id)}::uuid[], ${col((x) => x.line.farmer.id)}::uuid[], ${col((x) => x.line.flower.id)}::uuid[],
        ${col((x) => x.p.slotId)}::uuid[], ${col((x) => x.p.date)}::date[], ${col((x) => x.line.at)}::timestamptz[],
        ${col((x) => x.line.quantity)}::numeric[], ${col((x) => x.line.flower.unit)}::text[], ${col((x) => x.p.rate)}::numeric[],
        ${col((x) => x.p.amounts.totalAmount)}::numeric[], ${col((x) => x.p.commissionRate)}::numeric[],
        ${col((x) => x.p.amounts.commissionAmount)}::numeric[], ${col((x) => x.p.amounts.feeAmount)}::numeric[],
        ${col((x) => x.p.amounts.netAmount)}::numeric[], ${col((x) => x.by.userId)}::uuid[], ${col((x) => x.by.phone ?? null)}::text[],
        ${col((x) => x.by.ip ?? null)}::text[], ${col((x) => x.by.userAgent ?? null)}::text[],
        ${col((x) => x.line.sourceMessageId)}::text[], ${col((x) => x.line.sourceLine)}::int[], ${col((x) => x.line.correctsEntryId ?? null)}::uuid[],
        ${col((x) => JSON.stringify({ farmer: x.line.farmer.code, flower: x.line.flower.code, quantity: x.line.quantity, rate: x.p.rate, rateGiven: x.p.rateGiven, ...x.p.amounts, ...(x.line.confirmed ? { confirmed: true } : {}), ...(x.line.correctsEntryId ? { correctsEntryId: x.line.correctsEntryId } : {}) }))}::jsonb[]
      ) with ordinality as v(id, farmer_id, flower_type_id, time_slot_id, entry_date, entry_time, quantity, unit, rate_per_unit,
                             total_amount, commission_rate, commission_amount, fee_amount, net_amount, recorded_by_id, actor_phone,
                             ip_address, user_agent, source_message_id, source_line, corrects_entry_id, details, n)
    ),
    ins as (
      insert into daily_entries (id, farmer_id, flower_type_id, time_slot_id, entry_date, entry_time, quantity, unit, rate_per_unit,
                                 total_amount, commission_rate, commission_amount, fee_amount, net_amount, recorded_by_id, source,
                                 source_message_id, source_line, corrects_entry_id)
      select id, farmer_id, flower_type_id, time_slot_id, entry_date, entry_time, quantity, unit, rate_per_unit, total_amount,
             commission_rate, commission_amount, fee_amount, net_amount, recorded_by_id, ${opts.source ?? 'whatsapp'}, source_message_id, source_line,
             corrects_entry_id
        from v order by n
      returning id, entry_no
    ),
    audit as (${securityLogInsert(
      ['action', 'actor_user_id', 'actor_phone', 'entity', 'entity_id', 'details', 'ip_address', 'user_agent'],
      sql`select 'entry.create', v.recorded_by_id, v.actor_phone, 'daily_entry', v.id::text, v.details || jsonb_build_object('entryNo', ins.entry_no::text),
                 v.ip_address, v.user_agent
            from v join ins using (id) order by v.n`,
    )}),
    deltas as (select farmer_id, net_amount as entries_net, 0::numeric as advances, 0::numeric as settled from v),
    ${balanceMoves('deltas')}
    select 'e' as k, id::text as id, entry_no::text as val from ins
    union all
    select 'b', id, balance from moved`.execute(em.getKysely());
  const entryNo = new Map<string, string>();
  const running = new Map<string, Big>();
  for (const r of rows) {
    if (r.k === 'e') entryNo.set(r.id, r.val);
    else running.set(r.id, dec(r.val));
  }
  // The statement moved each balance once, by the sum of every line; walking back from the end gives the
  // balance just after each line, as recording them one at a time would have left it.
  const after: string[] = [];
  for (const x of [...priced].reverse()) {
    const b = running.get(x.line.farmer.id)!;
    after.push(rupees(b));
    running.set(x.line.farmer.id, b.minus(x.p.amounts.netAmount));
  }
  after.reverse();
  return priced.map((x, i) => ({
    entry: {
      id: x.id,
      entryNo: entryNo.get(x.id)!,
      quantity: x.line.quantity,
      unit: x.line.flower.unit,
      ratePerUnit: x.p.rate,
      commissionRate: x.p.commissionRate,
      ...x.p.amounts,
      slotId: x.p.slotId,
      date: x.p.date,
    },
    farmer: x.line.farmer,
    flower: x.line.flower,
    balanceAfter: after[i]!,
    line: x.line,
  }));
}

/** The farmer part of an EntryLine, from a farmer row. */
export const entryFarmer = (f: { id: string; farmerCode: string; commissionRate?: string | null }): EntryLine['farmer'] => ({
  id: f.id,
  code: f.farmerCode,
  commissionRate: f.commissionRate ?? null,
});
