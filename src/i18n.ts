// Every text the bot or the API says lives in templates/locales/<lang>.json (same keys in each).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type TFunction } from 'i18next';
import type { Language } from './domain/columns.js';

const localesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'templates', 'locales');

export function loadLocale(lang: Language): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(localesDir, `${lang}.json`), 'utf8')) as Record<string, unknown>;
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
