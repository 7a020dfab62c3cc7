// Migrations own the schema. These are the operations the service, the db:* commands and the tests share.
import type { MikroORM } from '@mikro-orm/postgresql';

export interface MigrationStatus {
  executed: string[];
  pending: string[];
}

export async function migrationStatus(orm: MikroORM): Promise<MigrationStatus> {
  const executed = await orm.migrator.getExecuted();
  const pending = await orm.migrator.getPending();
  return { executed: executed.map((m) => m.name), pending: pending.map((m) => m.name) };
}

/** Applies every pending migration in one transaction; returns their names. */
export async function migrateUp(orm: MikroORM): Promise<string[]> {
  const done = await orm.migrator.up();
  return done.map((m) => m.name);
}

/** Reverts the last `steps` migrations (one by default); returns their names. */
export async function migrateDown(orm: MikroORM, steps = 1): Promise<string[]> {
  const reverted: string[] = [];
  for (let i = 0; i < steps; i++) {
    const executed = await orm.migrator.getExecuted();
    const last = executed.at(-1);
    if (!last) break;
    await orm.migrator.down({ migrations: [last.name] });
    reverted.push(last.name);
  }
  return reverted;
}

/** SQL the entities would still need on top of the migrated schema: empty when migrations and entities agree. */
export async function schemaDrift(orm: MikroORM): Promise<string> {
  const sql = await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
  return sql.trim();
}

/** True when the database has no tables of ours yet (a first start). */
export async function isEmptyDatabase(orm: MikroORM): Promise<boolean> {
  const rows = await orm.em
    .getConnection()
    .execute<{ n: string }[]>(
      "select count(*)::text as n from information_schema.tables where table_schema = current_schema() and table_name in ('users','farmers','flower_types')",
    );
  return rows[0]?.n === '0';
}
