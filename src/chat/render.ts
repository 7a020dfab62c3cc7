// Formatting for replies: rupees with Indian grouping, quantities without trailing zeros, market dates.
import type { TFunction } from 'i18next';
import type { Language } from '../domain/columns.js';
import { dec, formatRupees } from '../domain/money.js';
import { plainNumber } from './numbers.js';

export const money = formatRupees;
export const quantity = plainNumber;

/** '2026-11-26' → '26 Nov 2026' / '26 நவ., 2026' (a calendar date: no zone shift). */
export function marketDate(date: string, lang: Language): string {
  return new Intl.DateTimeFormat(lang === 'ta' ? 'ta-IN' : 'en-IN', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );
}

export const unitWord = (t: TFunction, unit: 'kg' | 'piece') => t(`chat.unit.${unit}`);

export interface Named {
  name: string;
  nameTa: string;
}
export const nameIn = (lang: Language, x: Named) => (lang === 'ta' ? x.nameTa : x.name);

/** One verdict per line, numbered when the message had several lines. */
export function joinVerdicts(texts: string[]): string {
  if (texts.length === 1) return texts[0]!;
  return texts.map((text, i) => `${i + 1}. ${text}`).join('\n');
}

/** The figures of an entry that replies and receipts show. */
export interface EntryFigureFacts {
  entryNo: string;
  quantity: string;
  unit: 'kg' | 'piece';
  ratePerUnit: string;
  totalAmount: string;
  commissionAmount: string;
  netAmount: string;
}

/** The figures of an entry as the reply and the receipt show them. */
export function entryFigures(entry: EntryFigureFacts, t: TFunction, lang: Language, flower: { name: string; nameTa: string }) {
  return {
    no: entry.entryNo,
    flower: nameIn(lang, flower),
    qty: quantity(entry.quantity),
    unit: unitWord(t, entry.unit),
    rate: money(entry.ratePerUnit),
    total: money(entry.totalAmount),
    commission: money(entry.commissionAmount),
    net: money(entry.netAmount),
  };
}

export const feeText = (t: TFunction, key: string, fee: string) => (dec(fee).gt(0) ? t(key, { fee: money(fee) }) : '');
