// Settings: typed reads (cached per message or batch) and the admins' changes, checked against the catalog.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { cachedReference, referenceCacheActive } from '../reference-cache.js';
import { settingDefault, SETTINGS_CATALOG, type SettingDefinition } from './catalog.js';
import { SystemSetting, type SettingValueType } from './system-setting.entity.js';
import type { Actor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';

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
    ? ((
        await cachedReference(SETTINGS_KEY, async () => {
          const all = await em.find(SystemSetting, {});
          return new Map<string, StoredSetting>(all.map((r) => [r.key, { value: r.value, valueType: r.valueType }]));
        })
      ).get(key) ?? null)
    : await em.findOne(SystemSetting, { key }).then((r) => (r ? { value: r.value, valueType: r.valueType } : null));
  if (row) return row;
  const def = SETTINGS_CATALOG.find((s) => s.key === key);
  if (!def) throw new AppError('UNKNOWN_SETTING', `No setting named ${key}`, 404);
  return def;
}

/** The catalog's default of a setting (what getStringSetting gives when no row is stored). */
export { settingDefault };

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

// ---- Commands: admins change settings; each value is checked against its catalog type (and, for a few keys, its shape).
export interface SettingView {
  key: string;
  valueType: SettingValueType;
  /** boolean and json settings as such; numbers as their exact text ('5.0') so no float creeps in. */
  value: string | boolean | unknown;
  description: string | null;
  isPublic: boolean;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-IN', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
const KEY_RULES: Record<string, { test: (v: string) => boolean; hint: string }> = {
  market_open_time: { test: (v) => HHMM.test(v), hint: 'HH:MM' },
  market_close_time: { test: (v) => HHMM.test(v), hint: 'HH:MM' },
  settlement_frequency: { test: (v) => ['daily', 'weekly', 'fortnightly', 'monthly'].includes(v), hint: 'daily, weekly, fortnightly or monthly' },
  settlement_day: {
    test: (v) => ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].includes(v),
    hint: 'a weekday in English, lower case',
  },
  settlement_hour: { test: (v) => /^\d+$/.test(v) && Number(v) <= 23, hint: 'a whole hour 0-23' },
  commission_rate: { test: (v) => Number(v) <= 100, hint: 'at most 100' },
  market_timezone: { test: isTimeZone, hint: 'an IANA time zone such as Asia/Kolkata' },
  whatsapp_template_language: { test: (v) => /^[a-z]{2}(_[A-Z]{2})?$/.test(v), hint: 'a language code such as ta or en_US' },
};

function view(def: SettingDefinition, row: SystemSetting | undefined): SettingView {
  const raw = row?.value ?? def.value;
  let value: SettingView['value'] = raw;
  if (def.valueType === 'boolean') value = raw === 'true';
  if (def.valueType === 'json') value = JSON.parse(raw) as unknown;
  return { key: def.key, valueType: def.valueType, value, description: row?.description ?? def.description, isPublic: row?.isPublic ?? def.isPublic };
}

function definition(key: string): SettingDefinition {
  const def = SETTINGS_CATALOG.find((s) => s.key === key);
  if (!def) throw new AppError('SETTING_NOT_FOUND', `No setting named ${key}`, 404, { key });
  return def;
}

/** Every catalog setting (or only the public ones); keys outside the catalog are never shown. */
export async function listSettings(em: EntityManager, onlyPublic: boolean): Promise<SettingView[]> {
  const rows = new Map((await em.find(SystemSetting, {})).map((r) => [r.key, r]));
  return SETTINGS_CATALOG.map((d) => view(d, rows.get(d.key))).filter((s) => !onlyPublic || s.isPublic);
}

export async function getSetting(em: EntityManager, key: string): Promise<SettingView> {
  const def = definition(key);
  return view(def, (await em.findOne(SystemSetting, { key })) ?? undefined);
}

/** The value as stored text, or an INVALID_SETTING_VALUE naming what was expected. */
export function encodeSetting(def: SettingDefinition, value: unknown): string {
  const bad = (expected: string) => new AppError('INVALID_SETTING_VALUE', `${def.key} must be ${expected}`, 422, { key: def.key, expected });
  let text: string;
  switch (def.valueType) {
    case 'number': {
      text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : '';
      if (!/^\d{1,12}(\.\d{1,4})?$/.test(text)) throw bad('a non-negative number');
      break;
    }
    case 'boolean':
      if (value === true || value === 'true') text = 'true';
      else if (value === false || value === 'false') text = 'false';
      else throw bad('true or false');
      break;
    case 'json':
      if (value === undefined) throw bad('a JSON value');
      text = JSON.stringify(value);
      break;
    default:
      if (typeof value !== 'string' || value.trim() === '' || value.length > 1000) throw bad('a text of 1 to 1000 characters');
      text = value.trim();
  }
  const rule = KEY_RULES[def.key];
  if (rule && !rule.test(text)) throw bad(rule.hint);
  return text;
}

export async function updateSetting(em: EntityManager, key: string, value: unknown, actor: Actor): Promise<SettingView> {
  const def = definition(key);
  const text = encodeSetting(def, value);
  return em.transactional(async (tx) => {
    let row = await tx.findOne(SystemSetting, { key });
    const old = row?.value ?? def.value;
    if (row) row.value = text;
    else row = tx.create(SystemSetting, { ...def, value: text });
    await tx.flush();
    recordSecurityEvent(tx, { actor, action: 'setting_changed', entity: 'system_setting', entityId: key, details: { old, new: text } });
    return view(def, row);
  });
}
