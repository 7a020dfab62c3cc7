import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { expectedForeignKeys, ormSql, validateLedger, type RunSql, type ValidationReport } from '../../src/ops/validation/validate.js';
import { ledgerChecks } from '../../src/ops/validation/checks.js';
import { buildLedger, ENTRY_COLUMNS, IDS } from './ledger-fixture.js';

const copyOfE106 = (entryNo: number, messageId: string, later: string) =>
  `insert into daily_entries (${ENTRY_COLUMNS})
   select gen_random_uuid(), ${entryNo}, farmer_id, flower_type_id, time_slot_id, entry_date, entry_time + interval '${later}', quantity, unit,
          rate_per_unit, total_amount, commission_rate, commission_amount, fee_amount, net_amount, recorded_by_id, source, ${messageId},
          source_line, status, voided_by_id, voided_at, void_reason, settlement_id
     from daily_entries where entry_no = 106`;
// The copy counts in FAR002's balance, so the stored figure follows: only the duplicate itself is the fault.
const creditFar002 = `update farmers set current_balance = current_balance + 313.50 where farmer_code = 'FAR002'`;
// The replica role skips foreign-key checks and triggers (the settled-ledger immutability triggers) for the plant.
const withoutFkChecks = `set local session_replication_role = replica`;

/** One planted fault per check: [check, SQL that plants it, the example ids it must report]. */
const FAULTS: [string, string[], string[]][] = [
  ['foreign_keys_present', ['alter table daily_entries drop constraint daily_entries_farmer_id_foreign'], ['daily_entries.farmer_id -> farmers']],
  ['orphan_entries', [withoutFkChecks, 'update daily_entries set flower_type_id = gen_random_uuid() where entry_no = 106'], ['106']],
  ['orphan_advances', [withoutFkChecks, `update cash_advances set approved_by_id = gen_random_uuid() where id = '${IDS.a1}'`], [IDS.a1]],
  ['orphan_settlements', [withoutFkChecks, `update settlements set paid_by_id = gen_random_uuid() where id = '${IDS.s1}'`], ['S-2025W23-FAR001']],
  [
    'orphan_settlement_items',
    [withoutFkChecks, `update settlement_items set cash_advance_id = gen_random_uuid() where id = '${IDS.itemA1}'`],
    [IDS.itemA1],
  ],
  [
    'orphan_rates',
    [
      withoutFkChecks,
      `update market_rates set time_slot_id = '00000000-0000-4000-8000-00000000beef' where id = (select min(id::text)::uuid from market_rates)`,
    ],
    ['<first rate>'],
  ],
  [
    'null_required_fields',
    ['alter table daily_entries alter column entry_date drop not null', 'update daily_entries set entry_date = null where entry_no = 106'],
    ['entry 106'],
  ],
  // On the voided entry, so no balance moves: fee −1.00 and net 100 − 5 − (−1) = 96.00 still add up.
  [
    'negative_entry_values',
    [
      'alter table daily_entries drop constraint daily_entries_amounts_check',
      'update daily_entries set fee_amount = -1.00, net_amount = 96.00 where entry_no = 104',
    ],
    ['104'],
  ],
  [
    'negative_advances',
    [
      'alter table cash_advances drop constraint cash_advances_amount_check',
      'alter table cash_advances drop constraint cash_advances_recovered_check',
      `update cash_advances set amount = -50.00 where id = '${IDS.a2}'`,
    ],
    [IDS.a2],
  ],
  // S2 is not paid, so no balance moves; 1024.88 − 51.24 − (−1.00) − 0 = 974.64 keeps the arithmetic right.
  [
    'negative_settlements',
    [withoutFkChecks, `update settlements set total_fees = -1.00, net_payable = 974.64 where id = '${IDS.s2}'`],
    ['S-2026W47-FAR002'],
  ],
  ['entry_total_amount', ['update daily_entries set quantity = 41 where entry_no = 106'], ['106']],
  ['entry_commission', ['update daily_entries set commission_rate = 6.00 where entry_no = 106'], ['106']],
  ['entry_net', ['update daily_entries set fee_amount = 1.00 where entry_no = 104'], ['104']],
  ['settlement_arithmetic', [withoutFkChecks, `update settlements set total_advances = 10.00 where id = '${IDS.s2}'`], ['S-2026W47-FAR002']],
  // Gross and commission both one rupee high: their difference, and so net_payable, still add up.
  [
    'settlement_totals',
    [withoutFkChecks, `update settlements set gross_amount = 1025.88, total_commission = 52.24 where id = '${IDS.s2}'`],
    ['S-2026W47-FAR002'],
  ],
  ['farmer_figures', [`update farmers set current_balance = 1288.14 where farmer_code = 'FAR002'`], ['FAR002']],
  [
    'negative_balance',
    [
      `insert into cash_advances (farmer_id, amount, status, approved_at) select id, 500.00, 'approved', now() from farmers where farmer_code = 'FAR003'`,
      `update farmers set current_balance = -500.00, total_advances = 500.00 where farmer_code = 'FAR003'`,
    ],
    ['FAR003'],
  ],
  // Dated after S2's period: its statement (which reads up to period_end) would leave the line out.
  ['settled_entries_match', [withoutFkChecks, `update daily_entries set entry_date = '2026-11-25' where entry_no = 105`], ['105']],
  [
    'advance_over_recovered',
    [
      'alter table cash_advances drop constraint cash_advances_recovered_check',
      `update cash_advances set amount_recovered = 150.00 where id = '${IDS.a1}'`,
    ],
    [IDS.a1],
  ],
  // E106 claims to correct E103, which is still active: a fix always voids what it corrects.
  [
    'fix_corrects_voided_entry',
    [`update daily_entries set corrects_entry_id = (select id from daily_entries where entry_no = 103) where entry_no = 106`],
    ['106'],
  ],
  [
    'duplicate_message_lines',
    [
      'alter table daily_entries drop constraint daily_entries_source_message_line_unique',
      copyOfE106(107, 'source_message_id', '5 minutes'),
      creditFar002,
    ],
    ['106', '107'],
  ],
  ['possible_duplicate_entries', [copyOfE106(107, `'wamid.other'`, '30 seconds'), creditFar002], ['107']],
  ['entries_without_slot', ['update daily_entries set time_slot_id = null where entry_no = 106'], ['106']],
  // Corrections. The stored figures follow each plant, so only the broken correction is the fault.
  [
    'adjustments_settled_once',
    [
      `insert into adjustments (adjustment_no, farmer_id, amount, reason, settlement_id)
       select 7, id, 10.00, 'short paid', '${IDS.s2}' from farmers where farmer_code = 'FAR002'`,
      `update farmers set current_balance = current_balance + 10.00 where farmer_code = 'FAR002'`,
    ],
    ['J7'],
  ],
  [
    'reversed_advances_recover_nothing',
    [
      withoutFkChecks,
      `update cash_advances set status = 'reversed', reversed_at = now(), reversal_reason = 'x' where id = '${IDS.a1}'`,
      `update farmers set total_advances = total_advances - 100.00, current_balance = current_balance + 100.00 where farmer_code = 'FAR001'`,
    ],
    [IDS.a1],
  ],
  [
    'unpaid_settlements_no_payment',
    [
      withoutFkChecks,
      `update settlements set status = 'finalized', paid_at = null where id = '${IDS.s1}'`,
      `update farmers set total_settlements = total_settlements - 5623.30, current_balance = current_balance + 5623.30 where farmer_code = 'FAR001'`,
    ],
    ['S-2025W23-FAR001'],
  ],
];

class Rollback extends Error {}

describe('db:validate on a ledger with one planted fault', () => {
  let t: TestDatabase;
  let firstRateId: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    await buildLedger(ormSql(t.db.orm));
    const [r] = await ormSql(t.db.orm)('select min(id::text) as id from market_rates');
    firstRateId = String(r!.id);
  });
  afterAll(() => t?.close());

  /** Plants the fault inside a transaction, validates there, then rolls everything back. */
  async function validateWith(plant: string[]): Promise<ValidationReport> {
    let report: ValidationReport | undefined;
    await t.db.orm.em
      .fork()
      .transactional(async (tx) => {
        const run: RunSql = (sql, params = []) => tx.execute(sql, params);
        for (const statement of plant) await run(statement);
        report = await validateLedger(run, expectedForeignKeys(t.db.orm));
        throw new Rollback();
      })
      .catch((err) => {
        if (!(err instanceof Rollback)) throw err;
      });
    return report!;
  }

  it('finds nothing wrong in the clean ledger', async () => {
    const report = await validateWith([]);
    expect(report.checks.filter((c) => c.count > 0)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('has a planted fault for every check', () => {
    expect(FAULTS.map(([id]) => id).sort()).toEqual(
      ledgerChecks([])
        .map((c) => c.id)
        .sort(),
    );
  });

  it.each(FAULTS)('%s reports its fault, and no other check does', async (check, plant, examples) => {
    const report = await validateWith(plant);
    const expected = examples.map((e) => (e === '<first rate>' ? firstRateId : e));
    expect(report.checks.filter((c) => c.count > 0).map((c) => ({ id: c.id, count: c.count, examples: c.examples }))).toEqual([
      { id: check, count: expected.length, examples: expected },
    ]);
    const severity = report.checks.find((c) => c.id === check)!.severity;
    expect(report.ok).toBe(severity === 'warning');
  });

  it('calls a negative balance and duplicates warnings, the rest errors', () => {
    const warnings = ledgerChecks([])
      .filter((c) => c.severity === 'warning')
      .map((c) => c.id);
    expect(warnings.sort()).toEqual(['duplicate_message_lines', 'entries_without_slot', 'negative_balance', 'possible_duplicate_entries']);
  });
});
