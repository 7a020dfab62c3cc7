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

export interface MigrateUpOptions {
  /**
   * SET LOCAL lock_timeout for the migration transaction: a migration waiting for a lock held by a long
   * transaction fails after this long (and rolls back) instead of queueing every query behind it.
   */
  lockTimeoutMs?: number;
}

/** Applies every pending migration in one transaction; returns their names. */
export async function migrateUp(orm: MikroORM, options: MigrateUpOptions = {}): Promise<string[]> {
  if (!options.lockTimeoutMs) return (await orm.migrator.up()).map((m) => m.name);
  const ms = Math.floor(options.lockTimeoutMs);
  const conn = orm.em.getConnection();
  const done = await conn.transactional(async (trx) => {
    await conn.execute(`set local lock_timeout = '${ms}ms'`, [], 'run', trx);
    return orm.migrator.up({ transaction: trx });
  });
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

/** Reverts every migration applied after `name` (newest first), in one transaction; `name` itself stays. */
export async function migrateDownTo(orm: MikroORM, name: string): Promise<string[]> {
  const executed = (await orm.migrator.getExecuted()).map((m) => m.name);
  const at = executed.indexOf(name);
  if (at < 0) throw new Error(`no applied migration is named ${name}`);
  const revert = executed.slice(at + 1).reverse();
  if (!revert.length) return [];
  await orm.migrator.down({ migrations: revert });
  return revert;
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
