import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { cachedReference, referenceCacheActive } from '../reference-cache.js';
import { SETTINGS_CATALOG } from './catalog.js';
import { SystemSetting } from './system-setting.entity.js';

export type SettingValue = string | number | boolean | unknown;

/** Decodes a stored value by its type. Numbers stay strings when they are money (see getDecimalSetting). */
export function decodeSetting(valueType: string, value: string): SettingValue {
  switch (valueType) {
    case 'number':
      return Number(value);
    case 'boolean':
      return value === 'true';
    case 'json':
      return JSON.parse(value) as unknown;
    default:
      return value;
  }
}

export type StoredSetting = { value: string; valueType: string };
export const SETTINGS_KEY = 'settings';

async function raw(em: EntityManager, key: string): Promise<StoredSetting> {
  // A chat message reads several settings: inside a reference-cache scope they all come in one query.
  const row = referenceCacheActive()
    ? ((await cachedReference(SETTINGS_KEY, async () => {
        const all = await em.find(SystemSetting, {});
        return new Map<string, StoredSetting>(all.map((r) => [r.key, { value: r.value, valueType: r.valueType }]));
      })).get(key) ?? null)
    : await em.findOne(SystemSetting, { key }).then((r) => (r ? { value: r.value, valueType: r.valueType } : null));
  if (row) return row;
  const def = SETTINGS_CATALOG.find((s) => s.key === key);
  if (!def) throw new AppError('UNKNOWN_SETTING', `No setting named ${key}`, 404);
  return def;
}

/** The catalog's default of a setting (what getStringSetting gives when no row is stored). */
export function settingDefault(key: string): string {
  const def = SETTINGS_CATALOG.find((s) => s.key === key);
  if (!def) throw new AppError('UNKNOWN_SETTING', `No setting named ${key}`, 404);
  return def.value;
}

export async function getStringSetting(em: EntityManager, key: string): Promise<string> {
  return (await raw(em, key)).value;
}

export async function getNumberSetting(em: EntityManager, key: string): Promise<number> {
  return Number((await raw(em, key)).value);
}

/** A numeric setting that feeds money arithmetic, kept as its exact string ('5.0', '2000'). */
export async function getDecimalSetting(em: EntityManager, key: string): Promise<string> {
  return (await raw(em, key)).value.trim();
}

export async function getBooleanSetting(em: EntityManager, key: string): Promise<boolean> {
  return (await raw(em, key)).value === 'true';
}

/** The stored value, or null when no row exists (then nothing was recorded, not even the default). */
export async function getStoredSetting(em: EntityManager, key: string): Promise<string | null> {
  return (await em.findOne(SystemSetting, { key }))?.value ?? null;
}
