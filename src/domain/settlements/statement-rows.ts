// A settled statement's rows as the bulk read returns them (statement-read.ts), and how they become StatementData.
// No kysely, no ORM: a statement render worker imports this with pg alone and runs the read's SQL, compiled by
// the thread that built the pool (src/pdf/render-pool.ts), over its own connection.
import type { Language } from '../columns.js';
import { dec, rupees } from '../money.js';
import { settingDefault } from '../settings/catalog.js';
import type { StatementAdjustment, StatementData, StatementLine } from './statement-data.js';

export type AdjustmentRow = { no: string; reason: string; amount: string };
export const toAdjustments = (rows: AdjustmentRow[]): StatementAdjustment[] =>
  rows.map((r) => ({ ref: `J${r.no}`, reason: r.reason, amount: rupees(r.amount) }));

export const MARKET_KEYS = ['market_name', 'market_name_ta', 'market_address', 'market_address_ta'] as const;

/** The market's name and address as a statement prints them, from the stored settings (or their defaults). */
export function marketFrom(stored: Record<string, string> | null) {
  const get = (key: (typeof MARKET_KEYS)[number]) => stored?.[key] ?? settingDefault(key);
  return { name: get('market_name'), nameTa: get('market_name_ta'), address: get('market_address'), addressTa: get('market_address_ta') };
}

// A line's columns, in this order both as a row (provisional statements) and as a JSON array (settled ones).
export const LINE_NAMES = ['date', 'slot', 'slot_ta', 'flower', 'flower_ta', 'quantity', 'unit', 'rate', 'amount', 'commission_rate'] as const;

export type LineRow = {
  date: string;
  slot: string | null;
  slot_ta: string | null;
  flower: string;
  flower_ta: string | null;
  quantity: string;
  unit: 'kg' | 'piece';
  rate: string;
  amount: string;
  commission_rate: string;
};

export const toLines = (rows: LineRow[]): StatementLine[] =>
  rows.map((r) => ({
    date: r.date,
    slot: r.slot,
    slotTa: r.slot_ta,
    flower: r.flower,
    flowerTa: r.flower_ta,
    quantity: r.quantity,
    unit: r.unit,
    rate: r.rate,
    amount: r.amount,
  }));

/** One commission percentage for the statement heading, when every line shares it ('7.5', not '7.50'). */
export const sharedRate = (rows: LineRow[]) => {
  const rates = new Set(rows.map((r) => dec(r.commission_rate).toString()));
  return rates.size === 1 ? [...rates][0]! : null;
};

const lineRow = (a: (string | null)[]) => Object.fromEntries(LINE_NAMES.map((name, i) => [name, a[i]])) as LineRow;

export type SettlementRow = {
  id: string;
  settlement_number: string;
  status: string;
  generated_at: Date | string;
  paid_at: Date | string | null;
  payment_reference: string | null;
  gross: string;
  commission: string;
  fees: string;
  advances: string;
  net: string;
  outstanding: string;
  p_start: string;
  p_end: string;
  f_code: string;
  f_name: string;
  f_village: string | null;
  f_language: Language;
  market: Record<string, string> | null;
  lines: (string | null)[][] | null;
  adjustments: AdjustmentRow[] | null;
};

/** Each asked settlement's statement, in the order asked; undefined where the read found no such settlement. */
export function statementsFromRows(ids: string[], rows: SettlementRow[]): (StatementData | undefined)[] {
  const byId = new Map(rows.map((s) => [s.id, s]));
  return ids.map((id) => {
    const s = byId.get(id.toLowerCase());
    if (!s) return undefined;
    const lineRows = (s.lines ?? []).map(lineRow);
    return {
      language: s.f_language,
      kind: 'settlement',
      market: marketFrom(s.market),
      farmer: { code: s.f_code, name: s.f_name, village: s.f_village ?? null },
      settlementNumber: s.settlement_number,
      periodStart: s.p_start,
      periodEnd: s.p_end,
      generatedAt: new Date(s.generated_at).toISOString(),
      lines: toLines(lineRows),
      commissionRate: sharedRate(lineRows),
      grossAmount: s.gross,
      totalCommission: s.commission,
      totalFees: s.fees,
      totalAdvances: s.advances,
      adjustments: toAdjustments(s.adjustments ?? []),
      advancesOutstanding: s.outstanding,
      netPayable: s.net,
      status: s.status === 'paid' ? 'paid' : s.status === 'reopened' ? 'reopened' : 'finalized',
      paidAt: s.paid_at ? new Date(s.paid_at).toISOString() : null,
      paymentReference: s.payment_reference ?? null,
    };
  });
}
