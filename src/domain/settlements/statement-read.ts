// Reading settled statements' figures in bulk: one query for any number of settlements (the settlement, its
// farmer, the market's settings, its lines and adjustments as JSON). Light on purpose (kysely, money, the
// settings catalog; no entities, no ORM): a statement render worker imports it and reads its own statements
// over its own connection (src/pdf/statement-worker.ts), and the main thread reads through it too.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Language } from '../columns.js';
import { dec, rupees } from '../money.js';
import { settingDefault } from '../settings/catalog.js';
import type { StatementAdjustment, StatementData, StatementLine } from './statement-data.js';

/** Where a settlement's entries are; values, or columns of a settlements row (`sql.ref('s.id')` …). */
export interface SettlementBounds {
  id: string | RawBuilder<unknown>;
  farmer_id: string | RawBuilder<unknown>;
  p_end: string | RawBuilder<unknown>;
  first_entry_date: string | null | RawBuilder<unknown>;
}

/**
 * The entries of a settlement (alias `de`): its farmer's, dated from its first entry to its period's end, linked
 * to it. daily_entries.settlement_id has no index (settling stays a HOT update), so the dates bound the
 * (farmer, date) index range; a settlement without first_entry_date (written by hand) reads the farmer's history.
 */
export const settledEntriesOf = (s: SettlementBounds) =>
  sql`de.farmer_id = ${s.farmer_id}::uuid and de.entry_date <= ${s.p_end}::date
      and de.entry_date >= coalesce(${s.first_entry_date}::date, '-infinity'::date) and de.settlement_id = ${s.id}::uuid`;

export type AdjustmentRow = { no: string; reason: string; amount: string };
export const toAdjustments = (rows: AdjustmentRow[]): StatementAdjustment[] =>
  rows.map((r) => ({ ref: `J${r.no}`, reason: r.reason, amount: rupees(r.amount) }));

const MARKET_KEYS = ['market_name', 'market_name_ta', 'market_address', 'market_address_ta'] as const;

/** The market's name and address as a statement prints them, from the stored settings (or their defaults). */
export function marketFrom(stored: Record<string, string> | null) {
  const get = (key: (typeof MARKET_KEYS)[number]) => stored?.[key] ?? settingDefault(key);
  return { name: get('market_name'), nameTa: get('market_name_ta'), address: get('market_address'), addressTa: get('market_address_ta') };
}

/** The four market settings as one JSON object, to read within another query (one round trip, no entities). */
export const MARKET_JSON = sql<Record<string, string> | null>`(select json_object_agg(ss.key, ss.value) from system_settings ss
  where ss.key in (${sql.join(MARKET_KEYS.map((k) => sql.lit(k)))}))`;

// A line's columns, in this order both as a row (provisional statements) and as a JSON array (settled ones).
const LINE_FIELDS = [
  sql`de.entry_date::text`,
  sql`ts.name`,
  sql`ts.name_ta`,
  sql`ft.name`,
  sql`ft.name_ta`,
  sql`de.quantity::text`,
  sql`de.unit`,
  sql`de.rate_per_unit::text`,
  sql`de.total_amount::text`,
  sql`de.commission_rate::text`,
];
const LINE_NAMES = ['date', 'slot', 'slot_ta', 'flower', 'flower_ta', 'quantity', 'unit', 'rate', 'amount', 'commission_rate'] as const;

export const LINE_COLUMNS = sql.join(LINE_FIELDS.map((f, i) => sql`${f} as ${sql.raw(LINE_NAMES[i]!)}`));
export const LINE_JOINS = sql`join flower_types ft on ft.id = de.flower_type_id left join time_slots ts on ts.id = de.time_slot_id`;
export const LINE_ORDER = sql`de.entry_date, de.entry_time, de.entry_no`;

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

type SettlementRow = {
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

// Any Kysely: the ORM's (em.getKysely()) or a worker's own over a pg pool.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKysely = Kysely<any>;

/**
 * The figures of each given settlement, from its immutable rows, in the order asked; undefined where there is
 * no such settlement. One round trip however many (a run renders hundreds).
 */
export async function readSettlementStatements(k: AnyKysely, settlementIds: string[]): Promise<(StatementData | undefined)[]> {
  if (!settlementIds.length) return [];
  const bounds = {
    id: sql.ref('s.id'),
    farmer_id: sql.ref('s.farmer_id'),
    p_end: sql.ref('s.period_end'),
    first_entry_date: sql.ref('s.first_entry_date'),
  };
  const { rows } = await sql<SettlementRow>`
    select s.id::text as id, s.settlement_number, s.status, s.generated_at, s.paid_at, s.payment_reference,
           s.gross_amount::text as gross, s.total_commission::text as commission, s.total_fees::text as fees,
           s.total_advances::text as advances, s.net_payable::text as net, s.advances_outstanding::text as outstanding,
           s.period_start::text as p_start, s.period_end::text as p_end,
           f.farmer_code as f_code, f.name as f_name, f.village as f_village, f.language_preference as f_language,
           m.market,
           (select json_agg(json_build_array(${sql.join(LINE_FIELDS)}) order by ${LINE_ORDER})
              from daily_entries de ${LINE_JOINS} where ${settledEntriesOf(bounds)}) as lines,
           -- A settlement's adjustment lines are its items; a reopened settlement's adjustments went back, its items stay.
           (select json_agg(json_build_object('no', a.adjustment_no::text, 'reason', i.description, 'amount', i.amount::text)
                            order by a.adjustment_no)
              from settlement_items i join adjustments a on a.id = i.adjustment_id
             where i.settlement_id = s.id and i.item_type = 'adjustment') as adjustments
    from settlements s join farmers f on f.id = s.farmer_id cross join (select ${MARKET_JSON} as market) m
    where s.id = any(${settlementIds}::uuid[])`.execute(k);
  const byId = new Map(rows.map((s) => [s.id, s]));
  return settlementIds.map((id) => {
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
