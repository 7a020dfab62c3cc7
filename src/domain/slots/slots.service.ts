import { cachedReference } from '../reference-cache.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { TimeSlot } from './time-slot.entity.js';

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
