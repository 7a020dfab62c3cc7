import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadLocale, translator } from '../src/i18n.js';

function keys(obj: unknown, prefix = ''): string[] {
  if (typeof obj !== 'object' || obj === null) return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('locales', () => {
  it('have the same files and keys in English and Tamil', () => {
    expect(fs.readdirSync('templates/locales/ta').sort()).toEqual(fs.readdirSync('templates/locales/en').sort());
    expect(keys(loadLocale('ta')).sort()).toEqual(keys(loadLocale('en')).sort());
  });

  it('have no empty text, and Tamil texts are in Tamil script', () => {
    const ta = loadLocale('ta');
    const en = loadLocale('en');
    for (const key of keys(en)) {
      const t = translator('ta')(key);
      expect(t, key).not.toBe('');
      expect(translator('en')(key), key).not.toBe('');
      // A text that is only placeholders and punctuation in English needs no Tamil words either.
      const words = translator('en')(key).replace(/\{\{[^}]+\}\}/g, '');
      if (/[A-Za-z]{2,}/.test(words)) expect(t, `${key} should have Tamil letters`).toMatch(/[\u0B80-\u0BFF]/);
    }
    expect(ta).toBeDefined();
  });
});
