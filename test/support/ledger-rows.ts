// Plain rows for schema-level tests: one of each kind, inserted with SQL so the tests exercise the
// schema itself rather than any service.
import type { Database } from '../../src/db/orm.js';
import { sql } from './sql.js';

export interface LedgerRows {
  userId: string;
  farmerId: string;
  flowerId: string;
  slotId: string;
  entryId: string;
  advanceId: string;
  settlementId: string;
}

let counter = 0;

/** A small, arithmetically correct ledger: one entry, one advance, one settlement with items. */
export async function insertLedgerRows(db: Database, tag = `${process.pid}${++counter}`): Promise<LedgerRows> {
  const one = async (q: string, p: unknown[] = []) => (await sql<{ id: string }>(db, q, p))[0]!.id;
  const userId = await one(
    `insert into users (email, full_name, phone, role, language_preference) values (?, 'Row Staff', ?, 'staff', 'ta') returning id`,
    [`rows${tag}@malar.test`, `+9170000${tag.padStart(5, '0').slice(-5)}`],
  );
  const farmerId = await one(`insert into farmers (farmer_code, name, whatsapp_number) values (?, 'Row Farmer', ?) returning id`, [
    `T${tag}`.slice(0, 20),
    `+9180000${tag.padStart(5, '0').slice(-5)}`,
  ]);
  const flowerId = await one(`select id from flower_types where code = 'FLW002'`);
  const slotId = await one(`select id from time_slots where name = 'Morning Peak'`);
  // 12.345 kg × ₹450.50 = 5561.4225 → ₹5,561.42; 5% commission = 278.071 → ₹278.07; net 5283.35;
  // less the ₹500 advance: 4783.35 payable, paid.
  const settlementId = await one(
    `insert into settlements (settlement_number, farmer_id, period_start, period_end, gross_amount, total_commission, total_fees, total_advances, net_payable, status, paid_at, paid_by_id, payment_reference)
     values (?, ?, '2026-11-16', '2026-11-22', 5561.42, 278.07, 0, 500, 4783.35, 'paid', now(), ?, 'UPI-1') returning id`,
    [`S-T${tag}`, farmerId, userId],
  );
  const entryId = await one(
    `insert into daily_entries (farmer_id, flower_type_id, time_slot_id, entry_date, entry_time, quantity, unit, rate_per_unit,
       total_amount, commission_rate, commission_amount, fee_amount, net_amount, recorded_by_id, source_message_id, settlement_id)
     values (?, ?, ?, '2026-11-18', '2026-11-18T01:30:00Z', 12.345, 'kg', 450.50, 5561.42, 5, 278.07, 0, 5283.35, ?, ?, ?) returning id`,
    [farmerId, flowerId, slotId, userId, `wamid.rows${tag}`, settlementId],
  );
  // A voided entry: 2 kg × ₹180.00 = 360.00; 5% = 18.00; net 342.00.
  await sql(
    db,
    `insert into daily_entries (farmer_id, flower_type_id, time_slot_id, entry_date, entry_time, quantity, unit, rate_per_unit,
       total_amount, commission_rate, commission_amount, fee_amount, net_amount, recorded_by_id, status, voided_by_id, voided_at, void_reason)
     values (?, ?, ?, '2026-11-18', '2026-11-18T01:35:00Z', 2, 'kg', 180, 360, 5, 18, 0, 342, ?, 'voided', ?, now(), 'wrong farmer')`,
    [farmerId, flowerId, slotId, userId, userId],
  );
  const advanceId = await one(
    `insert into cash_advances (farmer_id, amount, status, recorded_by_id, approved_by_id, approved_at, amount_recovered, source_message_id)
     values (?, 500, 'approved', ?, ?, now(), 500, ?) returning id`,
    [farmerId, userId, userId, `wamid.adv${tag}`],
  );
  await sql(
    db,
    `insert into settlement_items (settlement_id, item_type, cash_advance_id, description, amount) values (?, 'advance', ?, 'Advance', -500)`,
    [settlementId, advanceId],
  );
  await sql(
    db,
    `insert into market_rates (flower_type_id, time_slot_id, rate_per_unit, effective_date, created_by_id) values (?, ?, 450.50, date '2020-01-01' + ?::int, ?)`,
    [flowerId, slotId, counter, userId],
  );
  await sql(db, `insert into security_logs (actor_user_id, action, entity, entity_id) values (?, 'entry.created', 'daily_entry', ?)`, [
    userId,
    entryId,
  ]);
  await sql(
    db,
    `insert into notifications (recipient_phone, farmer_id, user_id, type, language, payload) values ('+919876543211', ?, ?, 'receipt', 'ta', '{"text":"x"}')`,
    [farmerId, userId],
  );
  await sql(db, `insert into inbound_messages (channel, provider_message_id, sender, received_at) values ('console', ?, '+919876543211', now())`, [
    `in${tag}`,
  ]);
  return { userId, farmerId, flowerId, slotId, entryId, advanceId, settlementId };
}

let buyerCounter = 0;

/** The buyers' book, one of each kind (a sale, a voided sale and its fix, a collection applied, a sale rate). */
export async function insertBuyerRows(db: Database, tag = `${process.pid % 1000}${++buyerCounter}`): Promise<void> {
  const one = async (q: string, p: unknown[] = []) => (await sql<{ id: string }>(db, q, p))[0]!.id;
  const userId = await one(`select id from users where email = 'admin@malar.com'`);
  const flowerId = await one(`select id from flower_types where code = 'FLW002'`);
  // 2 kg × 100.00 = 200.00 (paid 50.00); 1 kg × 300.00 voided and fixed as 1 kg × 250.00: owes 200 + 250 − 50 = 400.00.
  const buyerId = await one(`insert into buyers (buyer_code, name, phone, current_balance) values (?, 'Row Buyer', ?, 400.00) returning id`, [
    `B9${tag}`.slice(0, 20),
    `+9160000${tag.padStart(5, '0').slice(-5)}`,
  ]);
  const sale = (q: number, rate: number, extra: string, values: unknown[]) =>
    one(
      `insert into sales (buyer_id, flower_type_id, sale_date, sale_time, quantity, unit, rate_per_unit, gross_amount, total_amount, recorded_by_id,
                          source_message_id${extra ? `, ${extra}` : ''})
       values (?, ?, '2026-11-18', '2026-11-18T01:30:00Z', ?, 'kg', ?, ?, ?, ?, ?${values.map(() => ', ?').join('')}) returning id`,
      [buyerId, flowerId, q, rate, q * rate, q * rate, userId, `wamid.sale${tag}-${q}-${rate}`, ...values],
    );
  const paid = await sale(2, 100, '', []);
  const voided = await sale(1, 300, 'status, voided_by_id, voided_at, void_reason', ['voided', userId, new Date(), 'fix']);
  await sale(1, 250, 'corrects_sale_id', [voided]);
  const collectionId = await one(
    `insert into collections (buyer_id, amount, mode, collection_date, collected_at, recorded_by_id, source_message_id)
     values (?, 50, 'cash', '2026-11-18', now(), ?, ?) returning id`,
    [buyerId, userId, `wamid.coll${tag}`],
  );
  await sql(db, `insert into collection_allocations (collection_id, sale_id, amount) values (?, ?, 50)`, [collectionId, paid]);
  await sql(db, `insert into sale_rates (flower_type_id, rate_date, rate_per_unit, created_by_id) values (?, date '2020-01-01' + ?::int, 460, ?)`, [
    flowerId,
    buyerCounter,
    userId,
  ]);
}
