// Every unique constraint and foreign key rejects a bad row. The lists are read from the catalog, and
// compared with the expected ones, so a new constraint without a test here fails this file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql, sqlErrorCode } from '../support/sql.js';
import { insertBuyerRows, insertLedgerRows } from '../support/ledger-rows.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  // These tests probe constraints by rewriting settled rows; the triggers that forbid that have their own tests.
  await sql(t.db, 'alter table daily_entries disable trigger user');
  await sql(t.db, 'alter table settlements disable trigger user');
  await sql(t.db, 'alter table adjustments disable trigger user');
  // Two of everything, so a unique column of one row can be copied onto another.
  for (const rows of [await insertLedgerRows(t.db), await insertLedgerRows(t.db)]) await correctionRows(rows);
  await insertBuyerRows(t.db);
  await insertBuyerRows(t.db);
});

/** The corrections' rows, so their keys and links are probed too: an adjustment carried by a settlement, a
 * reversed advance, a reopened settlement. */
async function correctionRows(r: Awaited<ReturnType<typeof insertLedgerRows>>) {
  const [s] = await sql<{ id: string }>(
    t.db,
    `insert into settlements (settlement_number, farmer_id, period_start, period_end, gross_amount, total_commission, total_fees,
                              total_advances, total_adjustments, net_payable, status, reopened_at, reopened_by_id)
     values (?, ?, '2026-11-23', '2026-11-29', 0, 0, 0, 0, 10, 10, 'reopened', now(), ?) returning id`,
    [`S-R${r.settlementId.slice(0, 8)}`, r.farmerId, r.userId],
  );
  const [a] = await sql<{ id: string }>(
    t.db,
    `insert into adjustments (farmer_id, amount, reason, created_by_id, source_message_id, settlement_id) values (?, 10, 'short paid', ?, ?, ?) returning id`,
    [r.farmerId, r.userId, `wamid.adj${r.settlementId}`, s!.id],
  );
  await sql(
    t.db,
    `insert into settlement_items (settlement_id, item_type, adjustment_id, description, amount) values (?, 'adjustment', ?, 'short paid', 10)`,
    [s!.id, a!.id],
  );
  await sql(
    t.db,
    `insert into cash_advances (farmer_id, amount, status, recorded_by_id, approved_by_id, approved_at, reversed_by_id, reversed_at, reversal_reason)
     values (?, 50, 'reversed', ?, ?, now(), ?, now(), 'given twice')`,
    [r.farmerId, r.userId, r.userId, r.userId],
  );
}
afterAll(() => t?.close());

interface UniqueRow {
  table_name: string;
  name: string;
  columns: string[];
}

async function uniqueConstraints(): Promise<UniqueRow[]> {
  // Unique constraints and unique indexes, primary keys excluded.
  return sql<UniqueRow>(
    t.db,
    `select c.relname as table_name, i.relname as name,
            array(select a.attname from unnest(x.indkey) with ordinality k(attnum, n)
                  join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.attnum order by k.n)::text[] as columns
       from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class c on c.oid = x.indrelid
       join pg_namespace ns on ns.oid = c.relnamespace
      where ns.nspname = current_schema() and x.indisunique and not x.indisprimary and c.relname <> 'mikro_orm_migrations'
      order by 1, 2`,
  );
}

const EXPECTED_UNIQUES = [
  'adjustments(adjustment_no)',
  'adjustments(source_message_id)',
  'cash_advances(advance_no)',
  'buyers(buyer_code)',
  'buyers(phone)',
  'cash_advances(source_message_id)',
  'collections(collection_no)',
  'collections(source_message_id,source_line)',
  'daily_entries(entry_no)',
  'daily_entries(source_message_id,source_line)',
  'farmers(farmer_code)',
  'farmers(whatsapp_number)',
  'flower_types(code)',
  'flower_types(name)',
  'flower_types(name_ta)',
  'inbound_messages(provider_message_id)',
  'market_rates(flower_type_id,time_slot_id,effective_date)',
  'sale_rates(flower_type_id,rate_date)',
  'sales(sale_no)',
  'sales(source_message_id,source_line)',
  'settlements(farmer_id,period_start,period_end,revision)',
  'settlements(settlement_number)',
  'system_settings(key)',
  'time_slots(name)',
  'time_slots(name_ta)',
  'users(email)',
  'users(phone)',
];

describe('unique constraints', () => {
  it('are the ones the ledger needs', async () => {
    const found = (await uniqueConstraints()).map((u) => `${u.table_name}(${u.columns.join(',')})`);
    expect(found.sort()).toEqual([...EXPECTED_UNIQUES].sort());
  });

  it('each rejects a second row with the same key', async () => {
    for (const u of await uniqueConstraints()) {
      const cols = u.columns.map((c) => `"${c}"`).join(', ');
      // Copy the key of one row onto another row of the same table.
      const rows = await sql<{ id: string }>(t.db, `select id::text as id from "${u.table_name}" where (${cols}) is not null order by id limit 2`);
      expect(rows.length, `${u.name} needs two rows to test`).toBe(2);
      const code = await sqlErrorCode(
        t.db,
        `update "${u.table_name}" set (${cols}) = (select ${cols} from "${u.table_name}" where id::text = ?) where id::text = ?`,
        [rows[0]!.id, rows[1]!.id],
      );
      expect(code, u.name).toBe('23505');
    }
  });
});

describe('foreign keys', () => {
  it('each rejects a row pointing at nothing', async () => {
    const fks = await sql<{ table_name: string; column_name: string; foreign_table: string; delete_rule: string }>(
      t.db,
      `select cls.relname as table_name, a.attname as column_name, fcls.relname as foreign_table,
              case con.confdeltype when 'a' then 'no action' when 'r' then 'restrict' when 'c' then 'cascade' when 'n' then 'set null' else 'other' end as delete_rule
         from pg_constraint con join pg_class cls on cls.oid = con.conrelid join pg_class fcls on fcls.oid = con.confrelid
         join pg_namespace ns on ns.oid = cls.relnamespace
         join pg_attribute a on a.attrelid = con.conrelid and a.attnum = con.conkey[1]
        where con.contype = 'f' and ns.nspname = current_schema() order by 1, 2`,
    );
    // 20 before settlement_items.daily_entry_id went (an entry is its own settlement line); 20 again with
    // user_sessions.user_id, 21 with farmer_broadcast_preferences.farmer_id, 23 with daily_entries.corrects_entry_id
    // and pending_confirmations.actor_user_id; 34 with the buyers' book (sales: buyer, flower, recorded_by, voided_by,
    // corrects_sale; collections: buyer, recorded_by; allocations: collection, sale; sale_rates: flower, created_by);
    // 40 with the corrections (adjustments' farmer, creator and settlement; settlement_items.adjustment_id; who
    // reversed an advance, who reopened a settlement).
    expect(fks.length).toBe(40);
    await sql(t.db, `insert into user_sessions (user_id, expires_at) select id, now() + interval '1 hour' from users order by email limit 1`);
    await sql(
      t.db,
      `insert into farmer_broadcast_preferences (farmer_id, rate_card_opt_out) select id, true from farmers limit 1 on conflict do nothing`,
    );
    await sql(
      t.db,
      `insert into pending_confirmations (sender_phone, actor_user_id, kind, payload, guard, created_at, expires_at)
       select coalesce(phone, ''), id, 'entry', '{}', '{}', now(), now() from users order by email limit 1`,
    );
    await sql(
      t.db,
      `update daily_entries set corrects_entry_id = id where id = (select id from daily_entries where settlement_id is null order by entry_no limit 1)`,
    );
    for (const fk of fks) {
      // ctid: every table has one, also those whose key is not called id.
      const row = await sql<{ id: string }>(t.db, `select ctid::text as id from "${fk.table_name}" where "${fk.column_name}" is not null limit 1`);
      expect(row.length, `${fk.table_name}.${fk.column_name} needs a row`).toBe(1);
      const code = await sqlErrorCode(t.db, `update "${fk.table_name}" set "${fk.column_name}" = gen_random_uuid() where ctid::text = ?`, [
        row[0]!.id,
      ]);
      expect(code, `${fk.table_name}.${fk.column_name}`).toBe('23503');
      // Ledger history is never silently unlinked: only the outbox may lose its farmer/user link.
      if (fk.table_name !== 'notifications') expect(fk.delete_rule, `${fk.table_name}.${fk.column_name}`).toMatch(/restrict|no action/);
    }
  });

  it('keep a farmer with history from being deleted', async () => {
    const farmer = await sql<{ id: string }>(t.db, `select farmer_id::text as id from daily_entries limit 1`);
    expect(await sqlErrorCode(t.db, `delete from farmers where id::text = ?`, [farmer[0]!.id])).toBe('23503');
  });
});

describe('checks', () => {
  const entryUpdate = (set: string) => `update daily_entries set ${set} where id = (select id from daily_entries limit 1)`;
  it('refuse impossible ledger values', async () => {
    expect(await sqlErrorCode(t.db, entryUpdate('quantity = 0'))).toBe('23514');
    expect(await sqlErrorCode(t.db, entryUpdate('quantity = -1'))).toBe('23514');
    expect(await sqlErrorCode(t.db, entryUpdate('rate_per_unit = 0'))).toBe('23514');
    expect(await sqlErrorCode(t.db, entryUpdate('commission_rate = 101'))).toBe('23514');
    expect(await sqlErrorCode(t.db, entryUpdate("status = 'voided'"))).toBe('23514'); // voided needs voided_at
    expect(await sqlErrorCode(t.db, entryUpdate("status = 'deleted'"))).toBe('23514');
    expect(await sqlErrorCode(t.db, `update cash_advances set amount_recovered = amount + 1`)).toBe('23514');
    expect(await sqlErrorCode(t.db, `update cash_advances set amount = 0`)).toBe('23514');
    expect(await sqlErrorCode(t.db, `update settlements set net_payable = -0.01`)).toBe('23514');
    expect(await sqlErrorCode(t.db, `update settlements set paid_at = null`)).toBe('23514'); // paid needs paid_at
    expect(await sqlErrorCode(t.db, `update market_rates set rate_per_unit = 0`)).toBe('23514');
    expect(await sqlErrorCode(t.db, `update farmers set language_preference = 'hi'`)).toBe('23514');
    expect(await sqlErrorCode(t.db, `update adjustments set amount = 0`)).toBe('23514');
    expect(await sqlErrorCode(t.db, `update cash_advances set reversed_at = null where status = 'reversed'`)).toBe('23514'); // reversed needs reversed_at
    expect(await sqlErrorCode(t.db, `update settlements set reopened_at = null where status = 'reopened'`)).toBe('23514');
  });

  it('refuse overlapping active time slots, but allow an inactive one', async () => {
    const insert = (name: string, active: boolean) =>
      sqlErrorCode(t.db, `insert into time_slots (name, name_ta, start_time, end_time, is_active) values (?, ?, '05:30', '06:30', ?)`, [
        name,
        `${name}-ta`,
        active,
      ]);
    expect(await insert('Overlapping', true)).toBe('23P01');
    expect(await insert('Old slot', false)).toBeNull();
    expect(await sqlErrorCode(t.db, `insert into time_slots (name, name_ta, start_time, end_time) values ('Backwards', 'b', '12:00', '11:00')`)).toBe(
      '23514',
    );
    // Half-open: a slot may start exactly where another ends.
    expect(await sqlErrorCode(t.db, `update time_slots set is_active = false where name = 'Evening'`)).toBeNull();
    expect(
      await sqlErrorCode(t.db, `insert into time_slots (name, name_ta, start_time, end_time) values ('Late', 'late-ta', '18:00', '20:00')`),
    ).toBeNull();
  });
});
