// Settings, active flowers and active slots in ONE query at the start of an inbox transaction, instead of three
// when each is first needed. Same values, same shapes as the services' own loaders (tests compare them).
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ACTIVE_FLOWERS_KEY, type FlowerInfo } from './flowers/flower.service.js';
import { primeReference, referenceCacheActive } from './reference-cache.js';
import { SETTINGS_KEY, type StoredSetting } from './settings/settings.service.js';
import { ACTIVE_SLOTS_KEY, normalizeTime, type SlotInfo } from './slots/slot.service.js';

/** The three reference reads as columns (settings, flowers, slots), for a statement that reads them with others. */
export const referenceDataColumns = sql`
      (select json_agg(json_build_object('key', s.key, 'value', s.value, 'valueType', s.value_type)) from system_settings s) as settings,
      (select json_agg(json_build_object('id', f.id, 'code', f.code, 'name', f.name, 'nameTa', f.name_ta, 'unit', f.unit, 'aliases', f.aliases,
                                 'maxLotQuantity', f.max_lot_quantity::text) order by f.code)
         from flower_types f where f.is_active) as flowers,
      (select json_agg(json_build_object('id', t.id, 'name', t.name, 'nameTa', t.name_ta, 'startTime', t.start_time, 'endTime', t.end_time, 'aliases', t.aliases)
                       order by t.start_time)
         from time_slots t where t.is_active) as slots`;

export interface ReferenceDataRow {
  settings: { key: string; value: string; valueType: string }[] | null;
  flowers: FlowerInfo[] | null;
  slots: SlotInfo[] | null;
}

export async function primeReferenceData(em: EntityManager): Promise<void> {
  if (!referenceCacheActive()) return;
  const { rows } = await sql<ReferenceDataRow>`select ${referenceDataColumns}`.execute(em.getKysely());
  primeReferenceDataFrom(rows[0]!);
}

/** Puts reference data read by referenceDataColumns into the current withReferenceCache() scope. */
export function primeReferenceDataFrom(r: ReferenceDataRow): void {
  primeReference(SETTINGS_KEY, new Map<string, StoredSetting>((r.settings ?? []).map((s) => [s.key, { value: s.value, valueType: s.valueType }])));
  primeReference(ACTIVE_FLOWERS_KEY, r.flowers ?? []);
  primeReference(
    ACTIVE_SLOTS_KEY,
    (r.slots ?? []).map((s) => ({ ...s, startTime: normalizeTime(s.startTime), endTime: normalizeTime(s.endTime) })),
  );
}
