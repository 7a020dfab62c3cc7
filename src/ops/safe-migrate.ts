// Migrating a live database safely: the plan with the rows it touches, a verified backup first (production),
// a lock timeout so it never queues the service behind a long transaction, and one transaction for all of it.
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config.js';
import type { Database } from '../db/orm.js';
import { migrateUp } from '../db/schema.js';
import { AppError } from '../errors.js';
import { backupDatabase, type BackupResult } from './backup/backup.js';
import { pendingMigrationSql } from './migrate-dry-run.js';
import { ormSql } from './validation/validate.js';

export interface MigrationPlan {
  migrations: { name: string; statements: number; tables: string[] }[];
  /** Tables the pending migrations touch, with an estimate of their rows (pg_class.reltuples, else a count). */
  tables: { table: string; rows: number; exact: boolean }[];
}

const TOUCH =
  /\b(?:alter table(?: if exists)?(?: only)?|update|insert into|delete from|drop table(?: if exists)?|truncate(?: table)?|create (?:unique )?index(?: concurrently)?(?: if not exists)?(?: "?\w+"?)? on)\s+(?:"?public"?\.)?"?(\w+)"?/gi;

// "before update on settlements" in a trigger reads like an UPDATE of a table named "on", and a foreign key's
// "on update cascade" like an UPDATE of "cascade".
const NOT_TABLES = new Set(['on', 'of', 'or', 'set', 'cascade', 'restrict', 'no']);

export function tablesTouched(sql: string[]): string[] {
  const out = new Set<string>();
  for (const s of sql) for (const m of s.matchAll(TOUCH)) if (!NOT_TABLES.has(m[1]!.toLowerCase())) out.add(m[1]!);
  return [...out];
}

export async function migrationPlan(orm: MikroORM): Promise<MigrationPlan> {
  const pending = await pendingMigrationSql(orm);
  const migrations = pending.map((m) => ({ name: m.name, statements: m.sql.length, tables: tablesTouched(m.sql) }));
  const names = [...new Set(migrations.flatMap((m) => m.tables))].sort();
  const run = ormSql(orm);
  const tables: MigrationPlan['tables'] = [];
  for (const table of names) {
    const [est] = await run(`select c.reltuples::bigint as n from pg_class c where c.oid = to_regclass(?)`, [`public."${table}"`]);
    if (!est) continue; // created by the migration itself
    const n = Number(est.n);
    if (n >= 0) tables.push({ table, rows: n, exact: false });
    else tables.push({ table, rows: Number((await run(`select count(*)::bigint as n from "${table}"`))[0]!.n), exact: true });
  }
  return { migrations, tables };
}

export function formatPlan(plan: MigrationPlan): string {
  if (!plan.migrations.length) return 'Nothing to migrate: the schema is current.';
  const lines = [`Plan: ${plan.migrations.length} migration(s), in one transaction:`];
  for (const m of plan.migrations) lines.push(`  ${m.name}  (${m.statements} statement(s)${m.tables.length ? `; ${m.tables.join(', ')}` : ''})`);
  if (plan.tables.length) {
    lines.push('Rows in the tables it touches (locked while it runs):');
    for (const t of plan.tables) lines.push(`  ${t.table.padEnd(26)} ${t.exact ? '' : '~'}${t.rows}`);
  }
  return lines.join('\n');
}

export interface SafeMigrateOptions {
  /** false skips the pre-migration backup (db:migrate --no-backup, MIGRATE_BACKUP=false). */
  backup?: boolean;
  print?: (line: string) => void;
}

export interface SafeMigrateResult {
  plan: MigrationPlan;
  backup: BackupResult | null;
  applied: string[];
}

/** Whether this migration takes a backup first: production, an existing ledger, and not turned off. */
export function backupBeforeMigrating(config: Pick<Config, 'nodeEnv' | 'migrateBackup'>, hasLedger: boolean, flag = true): boolean {
  return config.nodeEnv === 'production' && config.migrateBackup && flag && hasLedger;
}

export async function migrateSafely(
  db: Database,
  config: Pick<Config, 'nodeEnv' | 'migrateBackup' | 'migrateLockTimeoutMs' | 'backupDir'>,
  options: SafeMigrateOptions = {},
): Promise<SafeMigrateResult> {
  const print = options.print ?? (() => {});
  const plan = await migrationPlan(db.orm);
  if (!plan.migrations.length) return { plan, backup: null, applied: [] };
  print(formatPlan(plan));
  const executed = await db.orm.migrator.getExecuted();
  let backup: BackupResult | null = null;
  if (backupBeforeMigrating(config, executed.length > 0, options.backup ?? true)) {
    print('Taking a verified backup first (MIGRATE_BACKUP=false or --no-backup skips this)…');
    backup = await backupDatabase(db, config.backupDir);
    print(`Backup written: ${backup.file} (${backup.verified})`);
  }
  try {
    // PGlite serves every connection from one backend: no other session's lock to wait for, and a transaction
    // held open around the migrator would make its own bookkeeping queries wait behind it.
    const applied = await migrateUp(db.orm, { lockTimeoutMs: db.kind === 'server' ? config.migrateLockTimeoutMs : undefined });
    return { plan, backup, applied };
  } catch (err) {
    const cause = (err as Error).message.split('\n')[0];
    const lock = /lock timeout/i.test(cause ?? '')
      ? ` It waited ${config.migrateLockTimeoutMs / 1000} s for a lock another transaction holds; find it with db:maintenance and run again at a quiet moment.`
      : '';
    throw new AppError(
      'MIGRATION_FAILED',
      `the migration failed and was rolled back; the database is as it was before: ${cause}.${lock}${backup ? ` A backup from just before is ${backup.file}.` : ''}`,
    );
  }
}
