// Every text the bot or the API says lives in templates/locales/<lang>/<feature>.json, the same files and
// keys in each language. A file's name is the first part of its keys: chat.json's "saved" is t('chat.saved').
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type TFunction } from 'i18next';
import type { Language } from './domain/columns.js';

const localesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'templates', 'locales');

export function loadLocale(lang: Language): Record<string, unknown> {
  const dir = path.join(localesDir, lang);
  const resources: Record<string, unknown> = {};
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    resources[path.basename(file, '.json')] = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as unknown;
  }
  return resources;
}

const instance = i18next.createInstance();
await instance.init({
  resources: { en: { translation: loadLocale('en') }, ta: { translation: loadLocale('ta') } },
  lng: 'en',
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});

/** The translator for one language: t('chat.saved', { ref: 12 }). */
export function translator(lang: Language): TFunction {
  return instance.getFixedT(lang);
}
