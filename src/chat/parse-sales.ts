// The buyers' commands in the chat grammar (pure, like parse.ts): `sale B001 malli 10 @460 [!]` / `விற்பனை …`,
// `coll B001 5000 cash` / `வசூல் …`, `void S12 reason`, `fix S12 8` / `fix S12 @450` / `திருத்து …`, `bill` / `பில்`,
// and `bal B001` / `stmt B001` for staff. parseLine() asks this module first; null: not a buyers' command.
import { buyerCodeOf } from '../domain/buyers/buyer.service.js';
import type { CollectionMode } from '../domain/buyers/collection.entity.js';
import { dec } from '../domain/money.js';
import { keywordOf } from './keywords.js';
import { parseDecimal } from './numbers.js';

export type SalesCommand =
  | { kind: 'sale'; buyerCode: string; flowerId: string; quantity: string; rate: string | null; override: boolean }
  | { kind: 'collection'; buyerCode: string; amount: string; mode: CollectionMode; reference: string | null }
  | { kind: 'saleVoid'; saleNo: string; reason: string }
  | { kind: 'saleFix'; saleNo: string; quantity: string | null; rate: string | null }
  | { kind: 'buyerBalance'; buyerCode: string }
  | { kind: 'buyerBill'; buyerCode: string | null }
  | { kind: 'buyerStatement'; buyerCode: string };

export type SalesParseError =
  'bad_buyer' | 'bad_mode' | 'need_sale_ref' | 'need_fix' | 'need_upi_reference' | 'bad_collection_amount' | 'need_sale_reason' | 'bad_rate';

type Result = { ok: true; command: SalesCommand } | { ok: false; error: string; word?: string };
/** parse.ts's entry-line reader, handed in so this module does not import the parser back. */
type EntryWords = (tokens: string[]) => { ok: true; command: { kind: string } } | { ok: false; error: string; word?: string };
interface EntryWordsFound {
  kind: 'entry';
  flowerId: string;
  quantity: string;
  rate: string | null;
}

const SALE_WORDS = ['sale', 'sell', 'sold', 'விற்பனை', 'virpanai', 'vitrpanai', 'விற்றது'];
const COLLECTION_WORDS = ['coll', 'collect', 'collection', 'வசூல்', 'vasool', 'vasul', 'varavu', 'வரவு'];
const BILL_WORDS = ['bill', 'பில்', 'bil'];
const FIX_WORDS = ['fix', 'திருத்து', 'thiruthu', 'tiruttu', 'thiruththu'];
const MODE_WORDS: Record<string, CollectionMode> = {
  cash: 'cash',
  ரொக்கம்: 'cash',
  rokkam: 'cash',
  காசு: 'cash',
  kaasu: 'cash',
  upi: 'upi',
  gpay: 'upi',
  phonepe: 'upi',
  paytm: 'upi',
  bank: 'bank',
  வங்கி: 'bank',
  vangi: 'bank',
  neft: 'bank',
  rtgs: 'bank',
  imps: 'bank',
};
const MAX_MONEY = '99999999.99';

/** 'S12', 's12', '#S12' → '12'. */
export function saleRefOf(token: string | undefined): string | null {
  const m = token ? /^#?s[-_]?(\d{1,18})$/i.exec(token) : null;
  return m ? String(BigInt(m[1]!)) : null;
}

function amount(token: string | undefined): string | null {
  if (!token) return null;
  const n = parseDecimal(token.replace(/^(₹|rs\.?|inr)/, '').replace(/(₹|rs\.?|\/-|ரூ\.?|ரூபாய்)$/, ''), 2);
  if (!n.ok || dec(n.value).lte(0) || dec(n.value).gt(MAX_MONEY)) return null;
  return n.value;
}

/**
 * `first`: the line's first word (lower case); `args`/`original`: the other words, lower case and as typed;
 * `line`: the whole line (a trailing '!' is the admin's override).
 */
export function parseSalesLine(first: string, args: string[], original: string[], line: string, entryWords: EntryWords): Result | null {
  if (SALE_WORDS.includes(first)) {
    const code = args[0] ? buyerCodeOf(args[0]) : null;
    if (!code) return { ok: false, error: 'bad_buyer', word: args[0] ?? '' };
    const parsed = entryWords(args.slice(1));
    if (!parsed.ok) return parsed;
    if (parsed.command.kind !== 'entry') return null;
    const c = parsed.command as EntryWordsFound;
    return {
      ok: true,
      command: { kind: 'sale', buyerCode: code, flowerId: c.flowerId, quantity: c.quantity, rate: c.rate, override: /!\s*$/.test(line.trim()) },
    };
  }
  if (COLLECTION_WORDS.includes(first)) {
    const code = args[0] ? buyerCodeOf(args[0]) : null;
    if (!code) return { ok: false, error: 'bad_buyer', word: args[0] ?? '' };
    const value = amount(args[1]);
    if (!value) return { ok: false, error: 'bad_collection_amount', word: args[1] ?? '' };
    const modeWord = args[2];
    const mode = modeWord === undefined ? 'cash' : MODE_WORDS[modeWord];
    if (!mode) return { ok: false, error: 'bad_mode', word: original[2] ?? '' };
    const reference = original.slice(3).join(' ').slice(0, 100) || null;
    if (mode !== 'cash' && !reference) return { ok: false, error: 'need_upi_reference' };
    return { ok: true, command: { kind: 'collection', buyerCode: code, amount: value, mode, reference } };
  }
  if (FIX_WORDS.includes(first)) {
    const saleNo = saleRefOf(args[0]);
    // `fix <entry>` belongs to the entries' grammar.
    if (!saleNo) return null;
    let quantity: string | null = null;
    let rate: string | null = null;
    for (let i = 1; i < args.length; i++) {
      const t = args[i]!;
      if (t.startsWith('@')) {
        rate = amount(t === '@' ? args[++i] : t.slice(1));
        if (!rate) return { ok: false, error: 'bad_rate', word: t };
        continue;
      }
      const n = parseDecimal(t.replace(/(kg|kgs|கிலோ|pcs)$/, ''), 3);
      if (!n.ok || dec(n.value).lte(0) || quantity !== null) return { ok: false, error: 'need_fix', word: t };
      quantity = n.value;
    }
    if (quantity === null && rate === null) return { ok: false, error: 'need_fix' };
    return { ok: true, command: { kind: 'saleFix', saleNo, quantity, rate } };
  }
  const keyword = keywordOf(first);
  if ((keyword === 'void' || keyword === 'undo') && saleRefOf(args[0])) {
    const reason = original.slice(1).join(' ');
    if (!reason) return { ok: false, error: 'need_sale_reason' };
    return { ok: true, command: { kind: 'saleVoid', saleNo: saleRefOf(args[0])!, reason } };
  }
  if (BILL_WORDS.includes(first)) {
    if (args.length === 0) return { ok: true, command: { kind: 'buyerBill', buyerCode: null } };
    const code = buyerCodeOf(args[0]!);
    if (!code || args.length > 1) return { ok: false, error: 'bad_buyer', word: args[0] };
    return { ok: true, command: { kind: 'buyerBill', buyerCode: code } };
  }
  if ((keyword === 'balance' || keyword === 'statement') && args.length === 1) {
    const code = buyerCodeOf(args[0]!);
    if (!code) return null;
    return { ok: true, command: keyword === 'balance' ? { kind: 'buyerBalance', buyerCode: code } : { kind: 'buyerStatement', buyerCode: code } };
  }
  return null;
}
