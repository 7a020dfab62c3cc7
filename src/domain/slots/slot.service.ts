// Time slots: parts of the market morning, [start, end) in market time; active ones never overlap.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { Actor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { TimeSlot } from './time-slot.entity.js';
import { cachedReference } from '../reference-cache.js';

const hhmm = (t: string) => t.slice(0, 5);

export function slotView(s: TimeSlot) {
  return {
    id: s.id,
    name: s.name,
    nameTa: s.nameTa,
    startTime: hhmm(s.startTime as string),
    endTime: hhmm(s.endTime as string),
    sortOrder: s.sortOrder,
    aliases: [...(s.aliases as string[])],
    isActive: s.isActive,
  };
}
export type SlotView = ReturnType<typeof slotView>;

const notFound = () => new AppError('SLOT_NOT_FOUND', 'No such time slot', 404);
const cleanAliases = (a: string[]) => [...new Set(a.map((s) => s.trim().toLowerCase()).filter(Boolean))];
const seconds = (t: string) => {
  const [h = '0', m = '0', s = '0'] = t.split(':');
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
};

export async function listSlots(em: EntityManager, filter: { active?: boolean | undefined }): Promise<SlotView[]> {
  const where = filter.active === undefined ? {} : { isActive: filter.active };
  return (await em.find(TimeSlot, where, { orderBy: { sortOrder: 'asc', startTime: 'asc' } })).map(slotView);
}

export async function getSlot(em: EntityManager, id: string): Promise<SlotView> {
  const s = await em.findOne(TimeSlot, id);
  if (!s) throw notFound();
  return slotView(s);
}

/** Refuses a slot that would overlap an active one, naming it; the exclusion constraint backs this up. */
async function checkSlot(em: EntityManager, slot: TimeSlot): Promise<void> {
  const start = seconds(slot.startTime as string);
  const end = seconds(slot.endTime as string);
  if (end <= start) {
    throw new AppError('SLOT_RANGE', 'A slot must end after it starts', 422, {
      startTime: hhmm(slot.startTime as string),
      endTime: hhmm(slot.endTime as string),
    });
  }
  if (!slot.isActive) return;
  // Raw SQL: an ORM query here would flush the pending row first and trip the constraint.
  const others = await em.execute<{ name: string; start_time: string; end_time: string }[]>(
    'select name, start_time::text, end_time::text from time_slots where is_active and id <> ?',
    [slot.id],
  );
  const clash = others.find((o) => seconds(o.start_time) < end && start < seconds(o.end_time));
  if (clash) {
    throw new AppError('SLOT_OVERLAP', `Overlaps the slot ${clash.name}`, 409, {
      slot: clash.name,
      startTime: hhmm(clash.start_time),
      endTime: hhmm(clash.end_time),
    });
  }
}

export interface SlotInput {
  name: string;
  nameTa: string;
  startTime: string;
  endTime: string;
  sortOrder?: number | undefined;
  aliases?: string[] | undefined;
}

export async function createSlot(em: EntityManager, input: SlotInput, actor: Actor): Promise<SlotView> {
  return em.transactional(async (tx) => {
    // Serialises slot changes so the overlap check sees every committed slot.
    await tx.execute(`select pg_advisory_xact_lock(hashtext('malar.time_slots'))`);
    const s = tx.create(TimeSlot, {
      name: input.name.trim(),
      nameTa: input.nameTa.trim(),
      startTime: input.startTime,
      endTime: input.endTime,
      sortOrder: input.sortOrder ?? 0,
      aliases: cleanAliases(input.aliases ?? []),
      isActive: true,
    });
    await checkSlot(tx, s);
    await tx.flush();
    const view = slotView(s);
    recordSecurityEvent(tx, { actor, action: 'time_slot_created', entity: 'time_slot', entityId: s.id, details: { new: view } });
    return view;
  });
}

export async function updateSlot(
  em: EntityManager,
  id: string,
  changes: Partial<SlotInput> & { isActive?: boolean | undefined },
  actor: Actor,
): Promise<SlotView> {
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('malar.time_slots'))`);
    const s = await tx.findOne(TimeSlot, id);
    if (!s) throw notFound();
    const before = slotView(s);
    if (changes.name !== undefined) s.name = changes.name.trim();
    if (changes.nameTa !== undefined) s.nameTa = changes.nameTa.trim();
    if (changes.startTime !== undefined) s.startTime = changes.startTime;
    if (changes.endTime !== undefined) s.endTime = changes.endTime;
    if (changes.sortOrder !== undefined) s.sortOrder = changes.sortOrder;
    if (changes.aliases !== undefined) s.aliases = cleanAliases(changes.aliases);
    if (changes.isActive !== undefined) s.isActive = changes.isActive;
    await checkSlot(tx, s);
    await tx.flush();
    const after = slotView(s);
    recordSecurityEvent(tx, { actor, action: 'time_slot_updated', entity: 'time_slot', entityId: id, details: { old: before, new: after } });
    return after;
  });
}

export async function deleteSlot(em: EntityManager, id: string, actor: Actor): Promise<void> {
  await em.transactional(async (tx) => {
    const s = await tx.findOne(TimeSlot, id);
    if (!s) throw notFound();
    const rows = await tx.execute<{ n: string }[]>(
      `select ((select count(*) from market_rates where time_slot_id = ?) + (select count(*) from daily_entries where time_slot_id = ?))::text as n`,
      [id, id],
    );
    if (rows[0]!.n !== '0') throw new AppError('SLOT_IN_USE', 'This slot has rates or entries; deactivate it instead', 409);
    const before = slotView(s);
    tx.remove(s);
    recordSecurityEvent(tx, { actor, action: 'time_slot_deleted', entity: 'time_slot', entityId: id, details: { old: before } });
  });
}

// ---- Queries: the active slots, cached per message or batch, and the slot of a time.
export const ACTIVE_SLOTS_KEY = 'active-slots';

export interface SlotInfo {
  id: string;
  name: string;
  nameTa: string;
  startTime: string;
  endTime: string;
  aliases: string[];
}

export async function activeSlots(em: EntityManager): Promise<SlotInfo[]> {
  return cachedReference(ACTIVE_SLOTS_KEY, () => loadActiveSlots(em));
}

async function loadActiveSlots(em: EntityManager): Promise<SlotInfo[]> {
  const slots = await em.find(TimeSlot, { isActive: true }, { orderBy: { startTime: 'asc' } });
  return slots.map((s) => ({
    id: s.id,
    name: s.name,
    nameTa: s.nameTa,
    startTime: normalizeTime(s.startTime),
    endTime: normalizeTime(s.endTime),
    aliases: [...(s.aliases as string[])],
  }));
}

export const normalizeTime = (t: string) => (t.length === 5 ? `${t}:00` : t.slice(0, 8));

/**
 * The slot whose [start, end) holds a local time 'HH:MM:SS'; before the first slot it is the first, after the last
 * (or in a gap) the last one that started before it. Slots must be sorted by start time.
 */
export function slotForTime<T extends { startTime: string; endTime: string }>(slots: readonly T[], time: string): T | null {
  if (slots.length === 0) return null;
  let chosen = slots[0]!;
  for (const s of slots) if (s.startTime <= time) chosen = s;
  return chosen;
}
