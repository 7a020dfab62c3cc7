// How staff write numbers, turned into exact decimal strings (never a JS float).
// Decisions (docs/chat.md): '12.5', '12½' (also ¼ ¾), '1,250' and '1,25,000' (thousands, Western or Indian
// grouping) are accepted; '12,5' or '12,50' (a decimal comma) is refused as ambiguous rather than guessed.
import { Big, dec } from '../domain/money.js';

export type NumberProblem = 'not_a_number' | 'ambiguous_comma' | 'too_many_decimals';
export type ParsedNumber = { ok: true; value: string } | { ok: false; problem: NumberProblem };

const FRACTIONS: Record<string, string> = { '½': '.5', '¼': '.25', '¾': '.75' };
const WESTERN = /^\d{1,3}(,\d{3})+(\.\d+)?$/;
const INDIAN = /^\d{1,2}(,\d{2})*,\d{3}(\.\d+)?$/;

/** Does this token look like a number at all (so a bad one is reported as a bad number, not an unknown word)? */
export function looksNumeric(token: string): boolean {
  return /^[\d.,½¼¾]+$/.test(token) && /[\d½¼¾]/.test(token);
}

/** Parses a non-negative decimal with at most maxDecimals places. */
export function parseDecimal(token: string, maxDecimals: number): ParsedNumber {
  let t = token;
  const frac = /^(\d*)([½¼¾])$/.exec(t);
  if (frac) t = `${frac[1] || '0'}${FRACTIONS[frac[2]!]}`;
  if (t.includes(',')) {
    if (WESTERN.test(t) || INDIAN.test(t)) t = t.replace(/,/g, '');
    else if (/^\d+,\d{1,2}$/.test(t)) return { ok: false, problem: 'ambiguous_comma' };
    else return { ok: false, problem: 'not_a_number' };
  }
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(t)) return { ok: false, problem: 'not_a_number' };
  const decimals = t.includes('.') ? t.split('.')[1]!.length : 0;
  if (decimals > maxDecimals) return { ok: false, problem: 'too_many_decimals' };
  return { ok: true, value: dec(t.endsWith('.') ? t.slice(0, -1) : t).toString() };
}

/** '12.500' → '12.5', '3.000' → '3': how a quantity is shown back. */
export function plainNumber(value: string | Big): string {
  return dec(value).toString();
}
