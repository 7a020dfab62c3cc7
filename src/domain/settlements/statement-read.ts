// Reading settled statements' figures in bulk: one query for any number of settlements (the settlement, its
// farmer, the market's settings, its lines and adjustments as JSON), and the SQL fragments statements share.
// The main thread runs the read through kysely; a statement render worker runs the same SQL, compiled here
// (settlementStatementsSql), with pg alone, and turns the rows into statements with statement-rows.ts.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { StatementData } from './statement-data.js';
import { LINE_NAMES, MARKET_KEYS, statementsFromRows, type SettlementRow } from './statement-rows.js';

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

export const LINE_COLUMNS = sql.join(LINE_FIELDS.map((f, i) => sql`${f} as ${sql.raw(LINE_NAMES[i]!)}`));
export const LINE_JOINS = sql`join flower_types ft on ft.id = de.flower_type_id left join time_slots ts on ts.id = de.time_slot_id`;
export const LINE_ORDER = sql`de.entry_date, de.entry_time, de.entry_no`;

// Any Kysely: the ORM's (em.getKysely()), or one built only to compile (settlementStatementsSql).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKysely = Kysely<any>;

const statementsQuery = (settlementIds: string[]) => {
  const bounds = {
    id: sql.ref('s.id'),
    farmer_id: sql.ref('s.farmer_id'),
    p_end: sql.ref('s.period_end'),
    first_entry_date: sql.ref('s.first_entry_date'),
  };
  return sql<SettlementRow>`
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
    where s.id = any(${settlementIds}::uuid[])`;
};

/**
 * The figures of each given settlement, from its immutable rows, in the order asked; undefined where there is
 * no such settlement. One round trip however many (a run renders hundreds).
 */
export async function readSettlementStatements(k: AnyKysely, settlementIds: string[]): Promise<(StatementData | undefined)[]> {
  if (!settlementIds.length) return [];
  const { rows } = await statementsQuery(settlementIds).execute(k);
  return statementsFromRows(settlementIds, rows);
}

/**
 * The same read as SQL text whose one parameter ($1) is the array of settlement ids: what a render worker runs
 * with pg alone (kysely is ~12 MB of memory in each worker that loads it).
 */
export function settlementStatementsSql(k: AnyKysely): string {
  const compiled = statementsQuery([]).compile(k);
  if (compiled.parameters.length !== 1) throw new Error(`the statements read has ${compiled.parameters.length} parameters, not 1`);
  return compiled.sql;
}
