// The ledger's validation checks, each one SQL query returning the offending rows' readable ids in a column `id`.
// They follow the ledger rules (docs/ledger.md):
// a negative balance and a possible duplicate are warnings; everything that breaks the ledger is an error.
// Archived entries (daily_entries_archive, settlement_items_archive) still belong to the ledger's sums.
import { FARMER_LEDGER_SQL, LEDGER_BALANCE } from '../../domain/balances/balances.service.js';

export type Severity = 'error' | 'warning';

export interface Check {
  id: string;
  severity: Severity;
  title: string;
  sql: string;
}

/** Every entry of the ledger, live or archived, with the columns the sums need. */
const LEDGER_ENTRIES = `(select id, entry_no, farmer_id, entry_date, status, total_amount, commission_amount, net_amount, settlement_id from daily_entries
   union all
   select id, entry_no, farmer_id, entry_date, status, total_amount, commission_amount, net_amount, settlement_id from daily_entries_archive)`;

const missing = (column: string, table: string) => `(${column} is not null and not exists (select 1 from ${table} r where r.id = ${column}))`;

export interface ForeignKey {
  table: string;
  column: string;
  references: string;
}

function foreignKeysCheck(expected: ForeignKey[]): Check {
  const values = expected.map((fk) => `('${fk.table}', '${fk.column}', '${fk.references}')`).join(', ');
  return {
    id: 'foreign_keys_present',
    severity: 'error',
    title: 'Every relation has its foreign key, validated',
    sql: `select e.tbl || '.' || e.col || ' -> ' || e.ref as id
            from (values ${values}) as e(tbl, col, ref)
           where not exists (
             select 1 from pg_constraint c
               join pg_class t on t.oid = c.conrelid
               join pg_namespace n on n.oid = t.relnamespace
               join pg_class r on r.oid = c.confrelid
               join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
              where c.contype = 'f' and c.convalidated and n.nspname = current_schema()
                and t.relname = e.tbl and a.attname = e.col and r.relname = e.ref and cardinality(c.conkey) = 1)`,
  };
}

export function ledgerChecks(expectedForeignKeys: ForeignKey[]): Check[] {
  return [
    foreignKeysCheck(expectedForeignKeys),
    {
      id: 'orphan_entries',
      severity: 'error',
      title: 'Entries whose farmer, flower, slot, settlement or user is missing',
      sql: `select d.entry_no as id from daily_entries d
             where ${missing('d.farmer_id', 'farmers')} or ${missing('d.flower_type_id', 'flower_types')}
                or ${missing('d.time_slot_id', 'time_slots')} or ${missing('d.settlement_id', 'settlements')}
                or ${missing('d.recorded_by_id', 'users')} or ${missing('d.voided_by_id', 'users')}
            union all
            select a.entry_no from daily_entries_archive a
             where ${missing('a.farmer_id', 'farmers')} or ${missing('a.settlement_id', 'settlements')}`,
    },
    {
      id: 'orphan_advances',
      severity: 'error',
      title: 'Advances whose farmer or user is missing',
      sql: `select a.id from cash_advances a
             where ${missing('a.farmer_id', 'farmers')} or ${missing('a.recorded_by_id', 'users')} or ${missing('a.approved_by_id', 'users')}`,
    },
    {
      id: 'orphan_settlements',
      severity: 'error',
      title: 'Settlements whose farmer or payer is missing',
      sql: `select s.settlement_number as id from settlements s where ${missing('s.farmer_id', 'farmers')} or ${missing('s.paid_by_id', 'users')}`,
    },
    {
      id: 'orphan_settlement_items',
      severity: 'error',
      title: 'Settlement lines whose settlement or advance is missing',
      sql: `select i.id from settlement_items i
             where ${missing('i.settlement_id', 'settlements')} or ${missing('i.cash_advance_id', 'cash_advances')}
            union all
            select i.id from settlement_items_archive i
             where ${missing('i.settlement_id', 'settlements')} or ${missing('i.cash_advance_id', 'cash_advances')}`,
    },
    {
      id: 'orphan_rates',
      severity: 'error',
      title: 'Market rates whose flower or slot is missing',
      sql: `select m.id from market_rates m where ${missing('m.flower_type_id', 'flower_types')} or ${missing('m.time_slot_id', 'time_slots')}`,
    },
    {
      id: 'null_required_fields',
      severity: 'error',
      title: 'Required fields left empty',
      sql: `select 'entry ' || entry_no as id from daily_entries
             where num_nulls(farmer_id, flower_type_id, entry_date, entry_time, quantity, unit, rate_per_unit, total_amount,
                             commission_rate, commission_amount, fee_amount, net_amount, status) > 0
            union all
            select 'advance ' || id from cash_advances where num_nulls(farmer_id, amount, status, amount_recovered) > 0
            union all
            select 'settlement ' || settlement_number from settlements
             where num_nulls(farmer_id, period_start, period_end, gross_amount, total_commission, total_fees, total_advances, net_payable, status) > 0
            union all
            select 'farmer ' || coalesce(farmer_code, id::text) from farmers
             where num_nulls(farmer_code, name, current_balance, total_settlements, total_advances) > 0`,
    },
    {
      id: 'negative_entry_values',
      severity: 'error',
      title: 'Entries with a quantity or rate not above zero, or a negative amount',
      sql: `select entry_no as id from daily_entries
             where quantity <= 0 or rate_per_unit <= 0 or total_amount < 0 or commission_amount < 0 or fee_amount < 0`,
    },
    {
      id: 'negative_advances',
      severity: 'error',
      title: 'Advances not above zero, or with a negative amount recovered',
      sql: `select id from cash_advances where amount <= 0 or amount_recovered < 0`,
    },
    {
      id: 'negative_settlements',
      severity: 'error',
      title: 'Settlements with a negative amount (net payable included)',
      sql: `select settlement_number as id from settlements
             where gross_amount < 0 or total_commission < 0 or total_fees < 0 or total_advances < 0 or net_payable < 0`,
    },
    {
      id: 'entry_total_amount',
      severity: 'error',
      title: 'total_amount = round(quantity × rate_per_unit, 2)',
      // numeric round() is half away from zero: half-up for these positive amounts.
      sql: `select entry_no as id from daily_entries where total_amount <> round(quantity * rate_per_unit, 2)`,
    },
    {
      id: 'entry_commission',
      severity: 'error',
      title: 'commission_amount = round(total_amount × commission_rate / 100, 2)',
      sql: `select entry_no as id from daily_entries where commission_amount <> round(total_amount * commission_rate / 100, 2)`,
    },
    {
      id: 'entry_net',
      severity: 'error',
      title: 'net_amount = total_amount − commission_amount − fee_amount',
      sql: `select entry_no as id from daily_entries where net_amount <> total_amount - commission_amount - fee_amount`,
    },
    {
      id: 'settlement_arithmetic',
      severity: 'error',
      title: 'net_payable = gross − commission − fees + adjustments − advances; advances and adjustments = Σ their lines',
      sql: `select settlement_number as id from settlements s
             where net_payable <> gross_amount - total_commission - total_fees + total_adjustments - total_advances
                or total_adjustments <> coalesce((select sum(i.amount) from settlement_items i
                                                   where i.settlement_id = s.id and i.item_type = 'adjustment'), 0)
                or total_advances <> coalesce((select sum(i.amount) from (select settlement_id, item_type, amount from settlement_items
                                                                      union all
                                                                      select settlement_id, item_type, amount from settlement_items_archive) i
                                                where i.settlement_id = s.id and i.item_type = 'advance'), 0)`,
    },
    {
      id: 'settlement_totals',
      severity: 'error',
      title: "Settlement gross and commission = sums of its entries'",
      sql: `select s.settlement_number as id
              from settlements s
              left join (select settlement_id, sum(total_amount) as gross, sum(commission_amount) as commission
                           from ${LEDGER_ENTRIES} e where settlement_id is not null group by settlement_id) e
                on e.settlement_id = s.id
             where s.status <> 'reopened' and (s.gross_amount <> coalesce(e.gross, 0) or s.total_commission <> coalesce(e.commission, 0))`,
    },
    {
      id: 'farmer_figures',
      severity: 'error',
      title: 'Stored farmer balance, settlements and advances = recomputed from the rows',
      // The balance rule's one SQL copy (domain/balances), archived entries included.
      sql: `select f.farmer_code as id
              from farmers f left join ${FARMER_LEDGER_SQL} l on l.farmer_id = f.id
             where f.current_balance is distinct from ${LEDGER_BALANCE('l')}
                or f.total_settlements is distinct from coalesce(l.settled, 0)
                or f.total_advances is distinct from coalesce(l.advances, 0)`,
    },
    {
      id: 'negative_balance',
      severity: 'warning',
      title: 'Farmers who owe the agent (legitimate after an advance; worth a look)',
      sql: `select farmer_code as id from farmers where current_balance < 0`,
    },
    {
      // An entry's settlement_id is its line in that settlement (no copy in settlement_items), and one column
      // cannot hold two settlements. What can still go wrong: a link to the wrong farmer's settlement, a voided
      // entry left in one, or an entry outside the dates the statement reads (first_entry_date .. period_end).
      id: 'settled_entries_match',
      severity: 'error',
      title: "Every settled entry is active, the settlement's farmer's, dated within what its statement reads, and not in a reopened one",
      sql: `select e.entry_no as id from ${LEDGER_ENTRIES} e join settlements s on s.id = e.settlement_id
             where e.farmer_id <> s.farmer_id or e.status <> 'active' or e.entry_date > s.period_end
                or e.entry_date < s.first_entry_date or s.status = 'reopened'`,
    },
    {
      // An adjustment's settlement_id and the settlement's adjustment line say the same thing; a reopened
      // settlement keeps its lines for the history, and its adjustments went back to unsettled.
      id: 'adjustments_settled_once',
      severity: 'error',
      title: 'A settled adjustment is the line of exactly one settlement (its farmer\u2019s, not reopened), and no line points elsewhere',
      sql: `select 'J' || a.adjustment_no as id from adjustments a left join settlements s on s.id = a.settlement_id
             where (a.settlement_id is not null and (s.farmer_id <> a.farmer_id or s.status = 'reopened'
                    or (select count(*) from settlement_items i join settlements si on si.id = i.settlement_id
                         where i.adjustment_id = a.id and si.status <> 'reopened') <> 1
                    or not exists (select 1 from settlement_items i where i.adjustment_id = a.id and i.settlement_id = a.settlement_id
                                     and i.amount = a.amount)))
                or (a.settlement_id is null and exists (select 1 from settlement_items i join settlements si on si.id = i.settlement_id
                                                          where i.adjustment_id = a.id and si.status <> 'reopened'))`,
    },
    {
      id: 'reversed_advances_recover_nothing',
      severity: 'error',
      title: 'A reversed advance has recovered nothing (a recovered part is corrected by an adjustment)',
      sql: `select id from cash_advances where status = 'reversed' and amount_recovered <> 0`,
    },
    {
      id: 'unpaid_settlements_no_payment',
      severity: 'error',
      title: 'A settlement that is not paid has no paid_at, payer or payment reference',
      sql: `select settlement_number as id from settlements
             where status <> 'paid' and (paid_at is not null or paid_by_id is not null or payment_reference is not null)`,
    },
    {
      id: 'advance_over_recovered',
      severity: 'error',
      title: 'No advance recovered above its amount',
      sql: `select id from cash_advances where amount > 0 and amount_recovered > amount`,
    },
    {
      id: 'fix_corrects_voided_entry',
      severity: 'error',
      title: 'A fix\u2019s replacement points at an entry that is voided (the fix voided it in the same transaction)',
      sql: `select d.entry_no as id
              from (select entry_no, corrects_entry_id from daily_entries where corrects_entry_id is not null
                    union all
                    select entry_no, corrects_entry_id from daily_entries_archive where corrects_entry_id is not null) d
             where not exists (select 1 from daily_entries o where o.id = d.corrects_entry_id and o.status = 'voided')
               and not exists (select 1 from daily_entries_archive o where o.id = d.corrects_entry_id and o.status = 'voided')`,
    },
    {
      id: 'duplicate_message_lines',
      severity: 'warning',
      title: 'Entries sharing one message id and line',
      sql: `select entry_no as id from (
              select entry_no, count(*) over (partition by source_message_id, source_line) as n
                from daily_entries where source_message_id is not null) d
             where n > 1`,
    },
    {
      id: 'possible_duplicate_entries',
      severity: 'warning',
      title: 'Same farmer, flower, slot, quantity and recorder within a minute',
      sql: `select entry_no as id from (
              select entry_no, entry_time,
                     lag(entry_time) over (partition by farmer_id, flower_type_id, time_slot_id, quantity, recorded_by_id
                                           order by entry_time, entry_no) as previous
                from daily_entries where status = 'active') d
             where previous is not null and entry_time - previous < interval '1 minute'`,
    },
    {
      id: 'entries_without_slot',
      severity: 'warning',
      title: 'Active entries with no time slot (the slot data migration fills them)',
      sql: `select entry_no as id from daily_entries where time_slot_id is null and status = 'active'`,
    },
  ];
}
