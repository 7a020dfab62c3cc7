// A small, consistent ledger on top of the seeded reference data, every figure worked out by hand:
//   E101 FAR001 Jasmine 12.5 kg × 450.00 = 5625.00, commission 5% 281.25, fee 0, net 5343.75   (S1, 2025)
//   E102 FAR001 Rose 3.333 kg × 120.50 = 401.6265 → 401.63, commission 20.0815 → 20.08, fee 2.00, net 379.55 (S1)
//   E103 FAR001 Marigold 10 kg × 60.00 = 600.00, commission 30.00, net 570.00 (unsettled)
//   E104 FAR001 Rose 1 kg × 100.00 = 100.00, commission 5.00, net 95.00 (voided)
//   E105 FAR002 Jasmine 2.25 kg × 455.50 = 1024.875 → 1024.88, commission 51.244 → 51.24, net 973.64 (S2)
//   E106 FAR002 Lotus 40 pieces × 8.25 = 330.00, commission 16.50, net 313.50 (unsettled)
//   A1 FAR001 advance 100.00 approved, recovered by S1; A2 FAR002 advance 50.00 pending
//   S1 FAR001 paid: gross 6026.63, commission 301.33, fees 2.00, advances 100.00, net 6026.63−301.33−2−100 = 5623.30
//   S2 FAR002 finalized: gross 1024.88, commission 51.24, fees 0, advances 0, net 973.64
//   FAR001: balance (5343.75+379.55+570.00) − 100.00 − 5623.30 = 570.00; settlements 5623.30; advances 100.00
//   FAR002: balance 973.64 + 313.50 = 1287.14 (S2 not paid; A2 not approved); FAR003: nothing, 0.
import type { RunSql } from '../../src/ops/validation/validate.js';

export const IDS = {
  s1: '5e000000-0000-4000-8000-000000000001',
  s2: '5e000000-0000-4000-8000-000000000002',
  a1: 'ad000000-0000-4000-8000-000000000001',
  a2: 'ad000000-0000-4000-8000-000000000002',
  itemA1: '1e000000-0000-4000-8000-0000000000a1',
  entry: (no: number) => `e0000000-0000-4000-8000-000000000${no}`,
};

const farmer = (code: string) => `(select id from farmers where farmer_code = '${code}')`;
const flower = (code: string) => `(select id from flower_types where code = '${code}')`;
const slot = `(select id from time_slots order by start_time limit 1)`;
const staff = `(select id from users where email = 'staff1@malar.com')`;
const admin = `(select id from users where email = 'admin@malar.com')`;

export const ENTRY_COLUMNS =
  'id, entry_no, farmer_id, flower_type_id, time_slot_id, entry_date, entry_time, quantity, unit, rate_per_unit, total_amount, commission_rate, commission_amount, fee_amount, net_amount, recorded_by_id, source, source_message_id, source_line, status, voided_by_id, voided_at, void_reason, settlement_id';

function entry(
  no: number,
  f: string,
  fl: string,
  date: string,
  time: string,
  q: string,
  unit: string,
  r: string,
  total: string,
  comm: string,
  fee: string,
  net: string,
  extra: { settlement?: string; voided?: boolean } = {},
) {
  return `('${IDS.entry(no)}', ${no}, ${farmer(f)}, ${flower(fl)}, ${slot}, '${date}', '${date} ${time}+05:30', ${q}, '${unit}', ${r}, ${total}, 5.00, ${comm}, ${fee}, ${net}, ${staff}, 'whatsapp', 'wamid.${no}', 0,
    '${extra.voided ? 'voided' : 'active'}', ${extra.voided ? staff : 'null'}, ${extra.voided ? `'${date} ${time}+05:30'` : 'null'}, ${extra.voided ? "'wrong flower'" : 'null'}, ${extra.settlement ? `'${extra.settlement}'` : 'null'})`;
}

export async function buildLedger(run: RunSql): Promise<void> {
  await run(`insert into settlements (id, settlement_number, farmer_id, period_start, period_end, gross_amount, total_commission, total_fees, total_advances, net_payable, status, paid_at, paid_by_id, payment_reference)
    values ('${IDS.s1}', 'S-2025W23-FAR001', ${farmer('FAR001')}, '2025-06-02', '2025-06-08', 6026.63, 301.33, 2.00, 100.00, 5623.30, 'paid', '2025-06-09 10:00+05:30', ${admin}, 'UPI-1'),
           ('${IDS.s2}', 'S-2026W47-FAR002', ${farmer('FAR002')}, '2026-11-16', '2026-11-22', 1024.88, 51.24, 0.00, 0.00, 973.64, 'finalized', null, null, null)`);
  await run(`insert into daily_entries (${ENTRY_COLUMNS}) values
    ${entry(101, 'FAR001', 'FLW002', '2025-06-03', '05:10', '12.5', 'kg', '450.00', '5625.00', '281.25', '0.00', '5343.75', { settlement: IDS.s1 })},
    ${entry(102, 'FAR001', 'FLW001', '2025-06-04', '06:20', '3.333', 'kg', '120.50', '401.63', '20.08', '2.00', '379.55', { settlement: IDS.s1 })},
    ${entry(103, 'FAR001', 'FLW003', '2026-11-20', '05:30', '10', 'kg', '60.00', '600.00', '30.00', '0.00', '570.00')},
    ${entry(104, 'FAR001', 'FLW001', '2026-11-20', '05:45', '1', 'kg', '100.00', '100.00', '5.00', '0.00', '95.00', { voided: true })},
    ${entry(105, 'FAR002', 'FLW002', '2026-11-16', '07:00', '2.25', 'kg', '455.50', '1024.88', '51.24', '0.00', '973.64', { settlement: IDS.s2 })},
    ${entry(106, 'FAR002', 'FLW004', '2026-11-24', '05:00', '40', 'piece', '8.25', '330.00', '16.50', '0.00', '313.50')}`);
  await run(`insert into cash_advances (id, farmer_id, amount, reason, status, recorded_by_id, approved_by_id, approved_at, amount_recovered)
    values ('${IDS.a1}', ${farmer('FAR001')}, 100.00, 'seeds', 'approved', ${staff}, ${admin}, '2025-06-03 09:00+05:30', 100.00),
           ('${IDS.a2}', ${farmer('FAR002')}, 50.00, 'bus fare', 'pending', ${staff}, null, null, 0.00)`);
  // Entries 101, 102 and 105 are their settlements' entry lines (settlement_id); only the advance has a stored line.
  await run(`insert into settlement_items (id, settlement_id, item_type, cash_advance_id, description, quantity, rate, amount) values
    ('${IDS.itemA1}', '${IDS.s1}', 'advance', '${IDS.a1}', 'Advance: seeds', null, null, 100.00)`);
  await run(`update farmers set current_balance = 570.00, total_settlements = 5623.30, total_advances = 100.00 where farmer_code = 'FAR001'`);
  await run(`update farmers set current_balance = 1287.14, total_settlements = 0, total_advances = 0 where farmer_code = 'FAR002'`);
}
