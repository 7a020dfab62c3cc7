import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { migrateDown, migrateUp, migrationStatus, schemaDrift } from '../../src/db/schema.js';

const OUR_TABLES = [
  'adjustments',
  'buyers',
  'cash_advances',
  'chat_menus',
  'collection_allocations',
  'collections',
  'daily_entries',
  'daily_entries_archive',
  'data_migration_undo',
  'farmer_broadcast_preferences',
  'farmers',
  'flower_types',
  'inbound_messages',
  'job_runs',
  'market_rates',
  'notifications',
  'outbox_send_slots',
  'pending_confirmations',
  'sale_rates',
  'sales',
  'security_logs',
  'settlement_items',
  'settlement_items_archive',
  'settlements',
  'system_settings',
  'time_slots',
  'user_sessions',
  'users',
];

/** Everything about the schema a migration could change: columns, constraints, indexes. */
async function schemaFingerprint(t: TestDatabase) {
  const columns = await sql(
    t.db,
    `select table_name, column_name, data_type, is_nullable, column_default, numeric_precision, numeric_scale, character_maximum_length
       from information_schema.columns where table_schema = current_schema() order by table_name, column_name`,
  );
  const constraints = await sql(
    t.db,
    `select cls.relname as table_name, con.conname, pg_get_constraintdef(con.oid) as def
       from pg_constraint con join pg_class cls on cls.oid = con.conrelid join pg_namespace n on n.oid = cls.relnamespace
      where n.nspname = current_schema() order by 1, 2`,
  );
  const indexes = await sql(t.db, `select tablename, indexname, indexdef from pg_indexes where schemaname = current_schema() order by 1, 2`);
  return { columns, constraints, indexes };
}

async function tables(t: TestDatabase) {
  const rows = await sql<{ table_name: string }>(
    t.db,
    `select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`,
  );
  return rows.map((r) => r.table_name);
}

describe('migrations on an empty database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ prepared: false });
  });
  afterAll(() => t?.close());

  it('go up, down and up again to the same schema, with nothing left for a diff', async () => {
    expect(await tables(t)).toEqual([]);

    const applied = await migrateUp(t.db.orm);
    expect(applied.length).toBeGreaterThan(0);
    expect(await tables(t)).toEqual([...OUR_TABLES, 'mikro_orm_migrations'].sort());
    const first = await schemaFingerprint(t);

    const reverted = await migrateDown(t.db.orm, applied.length);
    expect(reverted).toEqual([...applied].reverse());
    // down drops everything up made; only the migrator's own bookkeeping table stays.
    expect(await tables(t)).toEqual(['mikro_orm_migrations']);

    await migrateUp(t.db.orm);
    expect(await schemaFingerprint(t)).toEqual(first);
    expect((await migrationStatus(t.db.orm)).pending).toEqual([]);
    expect(await schemaDrift(t.db.orm)).toBe('');
  });

  it('stores money, quantities, rates and percentages as exact numerics', async () => {
    await migrateUp(t.db.orm);
    const rows = await sql<{ table_name: string; column_name: string; numeric_precision: number; numeric_scale: number }>(
      t.db,
      `select table_name, column_name, numeric_precision, numeric_scale from information_schema.columns
        where table_schema = current_schema() and data_type in ('numeric', 'real', 'double precision')`,
    );
    const shape = Object.fromEntries(rows.map((r) => [`${r.table_name}.${r.column_name}`, `${r.numeric_precision},${r.numeric_scale}`]));
    expect(shape['daily_entries.quantity']).toBe('10,3');
    expect(shape['daily_entries.rate_per_unit']).toBe('10,2');
    expect(shape['daily_entries.total_amount']).toBe('14,2');
    expect(shape['daily_entries.commission_rate']).toBe('5,2');
    expect(shape['settlements.net_payable']).toBe('14,2');
    expect(shape['farmers.current_balance']).toBe('14,2');
    expect(shape['cash_advances.amount']).toBe('14,2');
    // No float columns anywhere.
    const floats = await sql(
      t.db,
      `select 1 from information_schema.columns where table_schema = current_schema() and data_type in ('real','double precision')`,
    );
    expect(floats).toEqual([]);
  });
});

describe('the archive tables', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.close());

  it('keep every column of the live tables, with the same types', async () => {
    for (const [live, archive] of [
      ['daily_entries', 'daily_entries_archive'],
      ['settlement_items', 'settlement_items_archive'],
    ]) {
      const columns = async (table: string) =>
        sql<{ column_name: string; type: string }>(
          t.db,
          `select column_name, format_type(atttypid, atttypmod) as type from information_schema.columns c
             join pg_attribute a on a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass and a.attname = c.column_name
            where c.table_schema = current_schema() and c.table_name = ? order by column_name`,
          [table],
        );
      const archived = new Map((await columns(archive!)).map((c) => [c.column_name, c.type]));
      for (const c of await columns(live!)) expect([live, c.column_name, archived.get(c.column_name)]).toEqual([live, c.column_name, c.type]);
      expect(archived.get('archived_at')).toBe('timestamp with time zone');
    }
  });
});
