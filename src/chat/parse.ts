// The chat command parser: a pure function from one line of text (and the flower/slot vocabulary read
// from the database) to a command or a reason it was refused. No I/O, no clock: easy to test by table.
import { keywordOf, LANGUAGE_WORDS, MONTH_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS, UNIT_WORDS, type Keyword } from './keywords.js';
import { dec } from '../domain/money.js';
import { looksNumeric, parseDecimal, type NumberProblem } from './numbers.js';
import type { Language } from '../domain/columns.js';
import type { SettlementTarget } from '../domain/settlements/corrections.service.js';
import { parseSalesLine, type SalesCommand, type SalesParseError } from './parse-sales.js';

export interface FlowerWord {
  id: string;
  code: string;
  name: string;
  nameTa: string;
  unit: 'kg' | 'piece';
  aliases: readonly string[];
}
export interface SlotWord {
  id: string;
  name: string;
  nameTa: string;
  aliases: readonly string[];
}
export interface Vocabulary {
  flowers: readonly FlowerWord[];
  slots: readonly SlotWord[];
}

export type Command =
  | { kind: 'entry'; farmerCode: string; flowerId: string; quantity: string; rate: string | null; slotId: string | null }
  | { kind: 'advance'; farmerCode: string; amount: string; reason: string | null }
  | { kind: 'undo' }
  | { kind: 'void'; entryNo: string; reason: string }
  | { kind: 'fix'; entryNo: string; quantity: string | null; rate: string | null; reason: string | null }
  | { kind: 'confirm' }
  | { kind: 'decline' }
  | { kind: 'balance'; farmerCode: string | null }
  | { kind: 'statement'; farmerCode: string | null }
  | { kind: 'paid'; farmerCode: string; reference: string }
  | { kind: 'today' }
  | { kind: 'rates' }
  | { kind: 'help' }
  | { kind: 'lang'; language: Language }
  | { kind: 'summary' }
  | { kind: 'optOut'; what: 'rateCard' | 'monthlyStatement'; optOut: boolean }
  | { kind: 'monthStatement' }
  | SalesCommand
  | { kind: 'adjust'; farmerCode: string; amount: string; reason: string }
  | { kind: 'approve'; ref: string }
  | { kind: 'reject' | 'reverse'; ref: string; reason: string }
  | { kind: 'unpay' | 'reopen'; settlement: SettlementTarget; reason: string };

export type ParseErrorCode =
  | 'empty'
  | 'unknown_command'
  | 'bad_farmer'
  | 'no_flower'
  | 'two_flowers'
  | 'unknown_word'
  | 'no_quantity'
  | 'two_quantities'
  | 'zero_quantity'
  | 'too_large'
  | 'unit_mismatch'
  | 'bad_rate'
  | 'bad_amount'
  | 'need_entry_no'
  | 'need_reason'
  | 'need_reference'
  | 'need_fix'
  | 'bad_language'
  | 'need_advance_ref'
  | 'bad_adjustment'
  | 'need_settlement_unpay'
  | 'need_settlement_reopen'
  | 'need_reason_unpay'
  | 'need_reason_reopen'
  | NumberProblem;

export type ParseResult = { ok: true; command: Command } | { ok: false; error: ParseErrorCode | SalesParseError; word?: string };

const MAX_QUANTITY = '9999999.999';
const MAX_MONEY = '99999999.99';

/** NFC, no emoji or invisible joiners, lower case, single spaces. */
export function normalizeLine(line: string, keepCase = false): string {
  const cleaned = line
    .normalize('NFC')
    .replace(/[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\uFE0F\u200B-\u200D\u2060\uFEFF]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return keepCase ? cleaned : cleaned.toLowerCase();
}

/** Strips the punctuation people put around words ('bal?', 'FAR001,', '"malli"'). */
function cleanToken(token: string): string {
  return token
    .replace(/^["'“”‘’(\[/]+/, '')
    .replace(/["'“”‘’)\],;:!?]+$/, '')
    .replace(/(?<=\D)\.+$|^(?=\d)(.*\d)\.+$/, '$1');
}

function tokenize(line: string, keepCase = false): string[] {
  return normalizeLine(line, keepCase)
    .split(' ')
    .map(cleanToken)
    .filter((t) => t !== '' && !/^[-–—•*.,:;|~_=+#]+$/.test(t));
}

/** 'FAR001', 'far1', 'far-01', and (where bareNumber) '1' → 'FAR001'. */
export function farmerCodeOf(token: string, bareNumber: boolean): string | null {
  const m = /^far[-_]?(\d{1,6})$/.exec(token) ?? (bareNumber ? /^(\d{1,6})$/.exec(token) : null);
  if (!m) return null;
  const n = String(Number(m[1]));
  if (n === '0') return null;
  return `FAR${n.padStart(3, '0')}`;
}

interface Phrase<T> {
  words: string[];
  value: T;
}

// The phrase lists of a vocabulary, built once per list: a batch parses hundreds of lines with the same one.
const phraseCache = new WeakMap<object, Phrase<unknown>[]>();

function phrases<T>(entries: readonly T[], wordsOf: (e: T) => string[]): Phrase<T>[] {
  const cached = phraseCache.get(entries) as Phrase<T>[] | undefined;
  if (cached) return cached;
  const built = buildPhrases(entries, wordsOf);
  phraseCache.set(entries, built);
  return built;
}

function buildPhrases<T>(entries: readonly T[], wordsOf: (e: T) => string[]): Phrase<T>[] {
  const list: Phrase<T>[] = [];
  for (const e of entries) for (const w of wordsOf(e)) if (w.trim()) list.push({ words: normalizeLine(w).split(' '), value: e });
  // Longest first, so 'காலை உச்சம்' wins over 'காலை'.
  return list.sort((a, b) => b.words.length - a.words.length);
}

function matchAt<T>(tokens: string[], i: number, list: Phrase<T>[]): { value: T; length: number } | null {
  for (const p of list) {
    if (p.words.every((w, k) => tokens[i + k] === w)) return { value: p.value, length: p.words.length };
  }
  // A phrase written without its space ('earlymorning').
  const found = list.find((p) => p.words.length > 1 && p.words.join('') === tokens[i]);
  return found ? { value: found.value, length: 1 } : null;
}

const flowerWords = (f: FlowerWord) => [f.code, f.name, f.nameTa, ...f.aliases];
const slotWords = (s: SlotWord) => [s.name, s.nameTa, ...s.aliases];

function amountOf(token: string | undefined): { ok: true; value: string } | { ok: false; error: ParseErrorCode } {
  if (!token) return { ok: false, error: 'bad_amount' };
  const t = token.replace(/^(₹|rs\.?|inr)/, '').replace(/(₹|rs\.?|\/-|ரூ\.?|ரூபாய்)$/, '');
  const n = parseDecimal(t, 2);
  if (!n.ok) return { ok: false, error: n.problem === 'not_a_number' ? 'bad_amount' : n.problem };
  if (dec(n.value).lte(0) || dec(n.value).gt(MAX_MONEY)) return { ok: false, error: 'bad_amount' };
  return n;
}

/** Parses one line of a message. */
export function parseLine(line: string, vocab: Vocabulary): ParseResult {
  if (normalizeLine(line) === '?') return { ok: true, command: { kind: 'help' } };
  const tokens = tokenize(line);
  if (tokens.length === 0) return { ok: false, error: 'empty' };
  const [first, ...rest] = tokens as [string, ...string[]];
  // Buyers' commands (sales, collections, S-references) first: src/chat/parse-sales.ts.
  const sales = parseSalesLine(first.replace(/^\//, ''), rest, tokenize(line, true).slice(1), line, (t) => parseEntry('FAR001', t, vocab));
  if (sales) return sales as ParseResult;
  const keyword = keywordOf(first.replace(/^\//, ''));
  if (keyword) return parseKeyword(keyword, rest, tokenize(line, true).slice(1));
  if (LANGUAGE_WORDS[first] && rest.length === 0 && first !== 'en' && first !== 'ta') {
    return { ok: true, command: { kind: 'lang', language: LANGUAGE_WORDS[first]! } };
  }
  const code = farmerCodeOf(first, true);
  if (code) return parseEntry(code, rest, vocab);
  // An entry whose farmer is not written first ('malli FAR001 12').
  const at = tokens.findIndex((t) => farmerCodeOf(t, false));
  if (at > 0)
    return parseEntry(
      farmerCodeOf(tokens[at]!, false)!,
      tokens.filter((_, i) => i !== at),
      vocab,
    );
  if (/^fa?r?\d/.test(first) || /^far/.test(first)) return { ok: false, error: 'bad_farmer', word: first };
  return { ok: false, error: 'unknown_command', word: first };
}

/** `original` holds the same words as `args` in the case they were typed, for references and reasons. */
function parseKeyword(keyword: Keyword, args: string[], original: string[]): ParseResult {
  const farmerArg = (): { code: string | null; bad?: string } => {
    if (args.length === 0) return { code: null };
    const code = farmerCodeOf(args[0]!, true);
    return code ? { code } : { code: null, bad: args[0] };
  };
  switch (keyword) {
    case 'help':
      return { ok: true, command: { kind: 'help' } };
    case 'rates':
    case 'statement':
    case 'stop':
    case 'month':
    case 'summary': {
      const broadcast = parseBroadcastWords(keyword, args);
      if (broadcast) return broadcast;
      if (keyword === 'rates') return { ok: true, command: { kind: 'rates' } };
      if (keyword !== 'statement') return { ok: false, error: 'unknown_command', word: keyword };
      const f = farmerArg();
      if (f.bad !== undefined || args.length > 1) return { ok: false, error: 'bad_farmer', word: f.bad ?? args[1] };
      return { ok: true, command: { kind: 'statement', farmerCode: f.code } };
    }
    case 'today':
      return { ok: true, command: { kind: 'today' } };
    case 'balance': {
      const f = farmerArg();
      if (f.bad !== undefined || args.length > 1) return { ok: false, error: 'bad_farmer', word: f.bad ?? args[1] };
      return { ok: true, command: { kind: keyword, farmerCode: f.code } };
    }
    case 'paid': {
      const f = farmerArg();
      if (!f.code) return { ok: false, error: 'bad_farmer', word: f.bad };
      if (args.length < 2) return { ok: false, error: 'need_reference' };
      return { ok: true, command: { kind: 'paid', farmerCode: f.code, reference: original.slice(1).join(' ') } };
    }
    case 'advance': {
      const f = farmerArg();
      if (!f.code) return { ok: false, error: 'bad_farmer', word: f.bad };
      const amount = amountOf(args[1]);
      if (!amount.ok) return { ok: false, error: amount.error, word: args[1] };
      const reason = original.slice(2).join(' ');
      return { ok: true, command: { kind: 'advance', farmerCode: f.code, amount: amount.value, reason: reason || null } };
    }
    case 'undo':
    case 'void': {
      if (args.length === 0) {
        return keyword === 'undo' ? { ok: true, command: { kind: 'undo' } } : { ok: false, error: 'need_entry_no' };
      }
      const no = /^#?(\d{1,18})$/.exec(args[0]!);
      if (!no) return { ok: false, error: 'need_entry_no', word: args[0] };
      const reason = original.slice(1).join(' ');
      if (!reason) return { ok: false, error: 'need_reason' };
      return { ok: true, command: { kind: 'void', entryNo: String(BigInt(no[1]!)), reason } };
    }
    case 'fix':
      return parseFix(args, original);
    case 'confirm':
    case 'decline':
      // Only alone: 'ok' inside a sentence is not a confirmation.
      return args.length === 0 ? { ok: true, command: { kind: keyword } } : { ok: false, error: 'unknown_command', word: keyword };
    case 'adjust': {
      const f = farmerArg();
      if (!f.code) return { ok: false, error: 'bad_farmer', word: f.bad };
      // The sign is required: which way money moves is never guessed.
      const signed = /^([+\-−–])(.+)$/.exec(args[1] ?? '');
      if (!signed) return { ok: false, error: 'bad_adjustment', word: args[1] };
      const amount = amountOf(signed[2]);
      if (!amount.ok) return { ok: false, error: amount.error, word: args[1] };
      const reason = original.slice(2).join(' ');
      if (!reason) return { ok: false, error: 'need_reason' };
      return { ok: true, command: { kind: 'adjust', farmerCode: f.code, amount: `${signed[1] === '+' ? '' : '-'}${amount.value}`, reason } };
    }
    case 'approve':
    case 'reject':
    case 'reverse': {
      const ref = /^#?a?(\d{1,18})$/.exec(args[0] ?? '');
      if (!ref) return { ok: false, error: 'need_advance_ref', word: args[0] };
      const no = `A${String(BigInt(ref[1]!))}`;
      if (keyword === 'approve')
        return args.length === 1 ? { ok: true, command: { kind: 'approve', ref: no } } : { ok: false, error: 'need_advance_ref' };
      const reason = original.slice(1).join(' ');
      if (!reason) return { ok: false, error: 'need_reason' };
      return { ok: true, command: { kind: keyword, ref: no, reason } };
    }
    case 'unpay':
    case 'reopen': {
      // A settlement number (S-2026W47-FAR001, S-2026W47-FAR001-2) or a farmer code.
      // A bare number is refused here: `unpay 3` could mean entry #3 or advance A3 as well as FAR003.
      const number = /^s-[a-z0-9-]+$/i.test(args[0] ?? '') ? original[0]! : null;
      const code = number || !args[0] ? null : farmerCodeOf(args[0], false);
      if (!number && !code) return { ok: false, error: `need_settlement_${keyword}`, word: args[0] };
      const reason = original.slice(1).join(' ');
      if (!reason) return { ok: false, error: `need_reason_${keyword}` };
      return { ok: true, command: { kind: keyword, settlement: number ? { number } : { farmerCode: code! }, reason } };
    }
    case 'lang': {
      const lang = args.length === 1 ? LANGUAGE_WORDS[args[0]!] : undefined;
      if (!lang) return { ok: false, error: 'bad_language', word: args[0] };
      return { ok: true, command: { kind: 'lang', language: lang } };
    }
  }
}

/** `fix 12 9.5 [reason]`, `fix #12 9.5kg`, `fix 12 @180 [reason]`. */
function parseFix(args: string[], original: string[]): ParseResult {
  const no = args[0] === undefined ? null : /^#?(\d{1,18})$/.exec(args[0]);
  if (!no) return { ok: false, error: 'need_entry_no', word: args[0] };
  let i = 1;
  let value = args[i];
  if (value === undefined) return { ok: false, error: 'need_fix' };
  const entryNo = String(BigInt(no[1]!));
  if (value.startsWith('@')) {
    if (value === '@') value = args[++i];
    else value = value.slice(1);
    const r = amountOf(value);
    if (!r.ok) return { ok: false, error: 'bad_rate', word: value };
    const reason = original.slice(i + 1).join(' ');
    return { ok: true, command: { kind: 'fix', entryNo, quantity: null, rate: r.value, reason: reason || null } };
  }
  const num = /^([\d.,½¼¾]+)(\D*)$/.exec(value);
  if (!num || !looksNumeric(num[1]!) || (num[2] !== '' && !UNIT_WORDS[num[2]!])) return { ok: false, error: 'need_fix', word: value };
  const n = parseDecimal(num[1]!, 3);
  if (!n.ok) return { ok: false, error: n.problem, word: value };
  let unit = num[2] ? UNIT_WORDS[num[2]]! : null;
  if (!unit && args[i + 1] && UNIT_WORDS[args[i + 1]!]) unit = UNIT_WORDS[args[++i]!]!;
  let quantity = n.value;
  // Grams become kilograms, as in an entry line; the unit is otherwise the entry's own (the domain keeps it).
  if (unit === 'g') quantity = dec(quantity).div(1000).toString();
  if (dec(quantity).eq(0)) return { ok: false, error: 'zero_quantity' };
  if (!/^\d+(\.\d{1,3})?$/.test(quantity)) return { ok: false, error: 'too_many_decimals' };
  if (dec(quantity).gt(MAX_QUANTITY)) return { ok: false, error: 'too_large' };
  const reason = original.slice(i + 1).join(' ');
  return { ok: true, command: { kind: 'fix', entryNo, quantity, rate: null, reason: reason || null } };
}

/** `summary`, `stop rates`, `rates on`, `விலை வேண்டாம்`, `stmt month`, `மாத அறிக்கை`, `stop stmt`; null: not one of these. */
function parseBroadcastWords(keyword: Keyword, args: string[]): ParseResult | null {
  const [a, ...more] = args;
  const isRates = (w?: string) => w !== undefined && keywordOf(w) === 'rates';
  const isStatement = (w?: string) => w !== undefined && keywordOf(w) === 'statement';
  if (keyword === 'summary') return args.length === 0 ? { ok: true, command: { kind: 'summary' } } : null;
  if (keyword === 'stop' && more.length === 0) {
    if (isRates(a)) return { ok: true, command: { kind: 'optOut', what: 'rateCard', optOut: true } };
    if (isStatement(a)) return { ok: true, command: { kind: 'optOut', what: 'monthlyStatement', optOut: true } };
    return null;
  }
  if (keyword === 'month') return isStatement(a) && more.length === 0 ? { ok: true, command: { kind: 'monthStatement' } } : null;
  if (args.length !== 1 || !a) return null;
  const what = keyword === 'rates' ? 'rateCard' : keyword === 'statement' ? 'monthlyStatement' : null;
  if (!what) return null;
  if (OPT_OUT_WORDS.includes(a)) return { ok: true, command: { kind: 'optOut', what, optOut: true } };
  if (OPT_IN_WORDS.includes(a)) return { ok: true, command: { kind: 'optOut', what, optOut: false } };
  if (keyword === 'statement' && MONTH_WORDS.includes(a)) return { ok: true, command: { kind: 'monthStatement' } };
  return null;
}

function parseEntry(farmerCode: string, tokens: string[], vocab: Vocabulary): ParseResult {
  const flowers = phrases(vocab.flowers, flowerWords);
  const slots = phrases(vocab.slots, slotWords);
  let flower: FlowerWord | null = null;
  let slotId: string | null = null;
  let quantity: string | null = null;
  let unit: 'kg' | 'piece' | 'g' | null = null;
  let rate: string | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.startsWith('@')) {
      const value = t === '@' ? tokens[++i] : t.slice(1);
      const r = amountOf(value);
      if (!r.ok || rate !== null) return { ok: false, error: 'bad_rate', word: value };
      rate = r.value;
      continue;
    }
    const num = /^([\d.,½¼¾]+)(\D*)$/.exec(t);
    if (num && looksNumeric(num[1]!) && (num[2] === '' || UNIT_WORDS[num[2]!])) {
      if (quantity !== null) return { ok: false, error: 'two_quantities', word: t };
      const n = parseDecimal(num[1]!, 3);
      if (!n.ok) return { ok: false, error: n.problem, word: t };
      quantity = n.value;
      unit = num[2] ? UNIT_WORDS[num[2]]! : null;
      if (!unit && tokens[i + 1] && UNIT_WORDS[tokens[i + 1]!]) unit = UNIT_WORDS[tokens[++i]!]!;
      continue;
    }
    const f = matchAt(tokens, i, flowers);
    if (f) {
      if (flower && flower.id !== f.value.id) return { ok: false, error: 'two_flowers', word: t };
      flower = f.value;
      i += f.length - 1;
      continue;
    }
    const s = matchAt(tokens, i, slots);
    if (s) {
      slotId = s.value.id;
      i += s.length - 1;
      continue;
    }
    if (looksNumeric(t) || /^[-+]?[\d.,]/.test(t)) return { ok: false, error: 'not_a_number', word: t };
    return { ok: false, error: 'unknown_word', word: t };
  }
  if (!flower) return { ok: false, error: 'no_flower' };
  if (quantity === null) return { ok: false, error: 'no_quantity' };
  if (unit === 'g') {
    if (flower.unit !== 'kg') return { ok: false, error: 'unit_mismatch', word: flower.code };
    quantity = dec(quantity).div(1000).toString();
  } else if (unit && unit !== flower.unit) {
    return { ok: false, error: 'unit_mismatch', word: flower.code };
  }
  if (dec(quantity).eq(0)) return { ok: false, error: 'zero_quantity' };
  if (!/^\d+(\.\d{1,3})?$/.test(quantity)) return { ok: false, error: 'too_many_decimals' };
  if (dec(quantity).gt(MAX_QUANTITY)) return { ok: false, error: 'too_large' };
  return { ok: true, command: { kind: 'entry', farmerCode, flowerId: flower.id, quantity, rate, slotId } };
}

/** The flowers named when a word is unknown, so staff see what they can type. */
export function flowerHint(vocab: Vocabulary, lang: Language): string {
  return vocab.flowers.map((f) => (lang === 'ta' ? f.nameTa : f.name)).join(', ');
}
