// db:restore -- FILE --table NAME: one table from a backup, into a scratch schema of the live database, compared
// with the live rows by primary key; with --apply, the live rows replaced in one transaction (foreign keys checked),
// an audit row with it, then the ledger validated. Every other table is left as it is.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Database } from '../../db/orm.js';
import { recordSecurityEvent } from '../../domain/audit/audit.service.js';
import { AppError } from '../../errors.js';
import { expectedForeignKeys, ormSql, validateLedger, type RunSql, type ValidationReport } from '../validation/validate.js';
import { formatOf, verifyChecksum } from './files.js';
import { pgRestoreList } from './pg-tools.js';

/** Sessions of these application names are operator commands, not the service. */
export const OPS_APPLICATION_NAME = 'malar-ops';

/** The URL with application_name set, so a restore can tell its own sessions from the service's. */
export function opsUrl(url: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', OPS_APPLICATION_NAME);
  return u.toString();
}

export interface TableRestoreOptions {
  file: string;
  table: string;
  apply?: boolean;
  /**
   * Only these columns are compared and put back, and no row is added or removed: the repair of a bad UPDATE of
   * one column while other columns (a farmer's balance) moved on since the backup.
   */
  columns?: string[];
  /** Apply even though other sessions are connected to the database. */
  force?: boolean;
  now?: Date;
}

export interface ChangedRow {
  key: string;
  columns: { column: string; live: unknown; backup: unknown }[];
}

export interface TableDiff {
  table: string;
  key: string[];
  liveRows: number;
  backupRows: number;
  added: number;
  removed: number;
  changed: number;
  examples: { added: string[]; removed: string[]; changed: ChangedRow[] };
}

export interface OtherSession {
  pid: number;
  applicationName: string;
  clientAddr: string | null;
  state: string | null;
}

export interface TableRestoreResult {
  checksum: 'match' | 'absent';
  diff: TableDiff;
  applied: boolean;
  /** Present after --apply. */
  validation?: ValidationReport;
}

const EXAMPLES = 5;
const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
const LABEL_COLUMNS = ['farmer_code', 'entry_number', 'settlement_number', 'code', 'key', 'email', 'phone', 'name'];

/** Sessions on this database other than ours and other operator commands: a running service shows here. */
export async function otherSessions(run: RunSql): Promise<OtherSession[]> {
  const rows = await run(
    `select pid, application_name, client_addr::text as client_addr, state from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
        and application_name <> ? order by pid`,
    [OPS_APPLICATION_NAME],
  );
  return rows.map((r) => ({
    pid: Number(r.pid),
    applicationName: String(r.application_name ?? ''),
    clientAddr: (r.client_addr as string) ?? null,
    state: (r.state as string) ?? null,
  }));
}

async function columnsOf(run: RunSql, schema: string, table: string): Promise<string[]> {
  const rows = await run(
    `select column_name from information_schema.columns where table_schema = ? and table_name = ? and is_generated = 'NEVER' order by ordinal_position`,
    [schema, table],
  );
  return rows.map((r) => String(r.column_name));
}

async function primaryKey(run: RunSql, table: string): Promise<string[]> {
  const rows = await run(
    `select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = ('public.' || quote_ident(?))::regclass and i.indisprimary order by array_position(i.indkey, a.attnum)`,
    [table],
  );
  return rows.map((r) => String(r.attname));
}

/** Loads the table's rows from a pg_dump archive into scratch.table: pg_restore's COPY, re-aimed, fed to psql. */
async function loadFromArchive(url: string, file: string, table: string, scratch: string): Promise<void> {
  const list = await pgRestoreList(file);
  const data = list.map((e) => / TABLE DATA \S+ (\S+) /.exec(e)?.[1]).filter(Boolean);
  if (!data.includes(table))
    throw new AppError('RESTORE_NO_TABLE', `${file} holds no data for ${table} (it has: ${data.join(', ') || 'no table data'})`);
  const restore = spawn('pg_restore', ['--data-only', `--table=${table}`, '--file=-', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const psql = spawn('psql', ['--no-psqlrc', '--quiet', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-d', url], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let errors = '';
  restore.stderr.on('data', (d: Buffer) => (errors += d.toString()));
  psql.stderr.on('data', (d: Buffer) => (errors += d.toString()));
  const closed = (c: { on(e: 'close', f: (code: number | null) => void): unknown }) =>
    new Promise<number>((resolve) => c.on('close', (code) => resolve(code ?? 1)));
  const [restoreDone, psqlDone] = [closed(restore), closed(psql)];
  psql.stdin.on('error', () => {}); // psql stopping early is reported by its exit code
  for await (const line of readline.createInterface({ input: restore.stdout, crlfDelay: Infinity })) {
    const out = line.replace(/^COPY (?:public\.)?("?[\w]+"?) \(/, `COPY ${q(scratch)}.$1 (`);
    if (!psql.stdin.write(`${out}\n`)) await once(psql.stdin, 'drain');
  }
  psql.stdin.end();
  const [a, b] = await Promise.all([restoreDone, psqlDone]);
  if (a !== 0 || b !== 0)
    throw new AppError('RESTORE_LOAD_FAILED', `loading ${table} from ${file} failed: ${errors.trim().split('\n').slice(-3).join(' | ')}`);
}

/** Loads the table's rows from an embedded backup: the archive opened in memory, its rows carried over as JSON. */
async function loadFromEmbedded(run: RunSql, file: string, table: string, scratch: string): Promise<void> {
  const bytes = fs.readFileSync(file);
  try {
    gunzipSync(bytes);
  } catch (err) {
    throw new AppError('BACKUP_UNREADABLE', `${file} is not a complete gzip archive (${(err as Error).message}): the file is damaged or incomplete.`);
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const backup = await PGlite.create({ loadDataDir: new Blob([bytes]) });
  try {
    const exists = await backup.query(`select 1 from information_schema.tables where table_schema = 'public' and table_name = $1`, [table]);
    if (!exists.rows.length) throw new AppError('RESTORE_NO_TABLE', `${file} holds no table ${table}`);
    const res = await backup.query<{ rows: string }>(`select coalesce(json_agg(t), '[]')::text as rows from ${q(table)} t`);
    await run(`insert into ${q(scratch)}.${q(table)} select * from jsonb_populate_recordset(null::${q(scratch)}.${q(table)}, ?::jsonb)`, [
      res.rows[0]!.rows,
    ]);
  } finally {
    await backup.close();
  }
}

async function diffTables(
  run: RunSql,
  table: string,
  scratch: string,
  key: string[],
  columns: string[],
  rowsToo: boolean,
  label: string | undefined,
): Promise<TableDiff> {
  const live = `public.${q(table)}`;
  const saved = `${q(scratch)}.${q(table)}`;
  const on = key.map((k) => `l.${q(k)} = s.${q(k)}`).join(' and ');
  const differs = `(${columns.map((c) => `l.${q(c)}`).join(', ')}) is distinct from (${columns.map((c) => `s.${q(c)}`).join(', ')})`;
  const keyText = (alias: string) =>
    `concat_ws(' ', ${key.map((k) => `'${k}=' || ${alias}.${q(k)}::text`).join(', ')}${label ? `, '(' || coalesce(${alias}.${q(label)}::text, '') || ')'` : ''})`;
  const [counts] = await run(`select
      (select count(*) from ${live})::int as live_rows, (select count(*) from ${saved})::int as backup_rows,
      ${rowsToo ? '' : '0 * '}(select count(*) from ${saved} s where not exists (select 1 from ${live} l where ${on}))::int as added,
      ${rowsToo ? '' : '0 * '}(select count(*) from ${live} l where not exists (select 1 from ${saved} s where ${on}))::int as removed,
      (select count(*) from ${live} l join ${saved} s on ${on} where ${differs})::int as changed`);
  const order = key.map((k) => q(k)).join(', ');
  const limit = rowsToo ? EXAMPLES : 0;
  const added = await run(
    `select ${keyText('s')} as k from ${saved} s where not exists (select 1 from ${live} l where ${on}) order by ${order} limit ${limit}`,
  );
  const removed = await run(
    `select ${keyText('l')} as k from ${live} l where not exists (select 1 from ${saved} s where ${on}) order by ${order} limit ${limit}`,
  );
  const changedRows = await run(
    `select ${keyText('s')} as k, to_jsonb(l) as live, to_jsonb(s) as backup from ${live} l join ${saved} s on ${on} where ${differs} order by ${key.map((k) => `s.${q(k)}`).join(', ')} limit ${EXAMPLES}`,
  );
  const changed = changedRows.map((r) => {
    const l = r.live as Record<string, unknown>;
    const b = r.backup as Record<string, unknown>;
    return {
      key: String(r.k),
      columns: columns.filter((c) => JSON.stringify(l[c]) !== JSON.stringify(b[c])).map((c) => ({ column: c, live: l[c], backup: b[c] })),
    };
  });
  return {
    table,
    key,
    liveRows: Number(counts!.live_rows),
    backupRows: Number(counts!.backup_rows),
    added: Number(counts!.added),
    removed: Number(counts!.removed),
    changed: Number(counts!.changed),
    examples: { added: added.map((r) => String(r.k)), removed: removed.map((r) => String(r.k)), changed },
  };
}

/** Rows of other tables pointing at the rows a restore would remove: their foreign keys would break (or cascade). */
async function referencesToRemoved(run: RunSql, table: string, scratch: string, key: string[]): Promise<string[]> {
  const fks = await run(
    `select c.conrelid::regclass::text as child, array_agg(a.attname order by k.n)::text[] as cols, array_agg(pa.attname order by k.n)::text[] as parent_cols
       from pg_constraint c
       cross join lateral unnest(c.conkey, c.confkey) with ordinality as k(child_att, parent_att, n)
       join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.child_att
       join pg_attribute pa on pa.attrelid = c.confrelid and pa.attnum = k.parent_att
      where c.contype = 'f' and c.confrelid = ('public.' || quote_ident(?))::regclass
      group by c.oid, c.conrelid`,
    [table],
  );
  const on = key.map((k) => `l.${q(k)} = s.${q(k)}`).join(' and ');
  const problems: string[] = [];
  for (const fk of fks) {
    const cols = fk.cols as string[];
    const parentCols = fk.parent_cols as string[];
    const match = cols.map((c, i) => `r.${q(c)} = l.${q(parentCols[i]!)}`).join(' and ');
    const [row] = await run(
      `select count(*)::int as n from ${fk.child as string} r where exists (select 1 from public.${q(table)} l where ${match}
         and not exists (select 1 from ${q(scratch)}.${q(table)} s where ${on}))`,
    );
    if (Number(row!.n) > 0) problems.push(`${row!.n} row(s) of ${fk.child as string}`);
  }
  return problems;
}

async function applyRestore(
  em: EntityManager,
  table: string,
  scratch: string,
  key: string[],
  columns: string[],
  rowsToo: boolean,
  audit: Record<string, unknown>,
) {
  const live = `public.${q(table)}`;
  const saved = `${q(scratch)}.${q(table)}`;
  const on = key.map((k) => `l.${q(k)} = s.${q(k)}`).join(' and ');
  const values = columns.filter((c) => !key.includes(c));
  const differs = `(${columns.map((c) => `l.${q(c)}`).join(', ')}) is distinct from (${columns.map((c) => `s.${q(c)}`).join(', ')})`;
  await em.transactional(async (tx) => {
    const exec = (sql: string) => tx.getConnection().execute(sql, [], 'run', tx.getTransactionContext());
    // Foreign keys are checked as the rows change; deferred ones at the commit below, which fails as a whole.
    if (rowsToo) await exec(`delete from ${live} l where not exists (select 1 from ${saved} s where ${on})`);
    if (values.length)
      await exec(`update ${live} l set ${values.map((c) => `${q(c)} = s.${q(c)}`).join(', ')} from ${saved} s where ${on} and ${differs}`);
    const cols = columns.map(q).join(', ');
    if (rowsToo)
      await exec(
        `insert into ${live} (${cols}) overriding system value select ${columns.map((c) => `s.${q(c)}`).join(', ')} from ${saved} s where not exists (select 1 from ${live} l where ${on})`,
      );
    recordSecurityEvent(tx, { action: 'db.table_restored', entity: table, details: audit });
  });
}

export async function restoreTable(db: Database, options: TableRestoreOptions): Promise<TableRestoreResult> {
  if (!fs.existsSync(options.file)) throw new AppError('BACKUP_NOT_FOUND', `${options.file}: no such file`);
  const format = formatOf(options.file);
  if (format === 'pg_dump' && db.kind === 'embedded')
    throw new AppError('BACKUP_FORMAT', 'this is a pg_dump archive; restore it with DATABASE_URL set to the server');
  if (format === 'pglite' && db.kind === 'server')
    throw new AppError('BACKUP_FORMAT', 'this is a backup of the embedded database; restore it with DATABASE_URL unset');
  const checksum = await verifyChecksum(options.file);
  const run = ormSql(db.orm);
  const table = options.table;
  const key = await primaryKey(run, table).catch(() => [] as string[]);
  if (!key.length) throw new AppError('RESTORE_NO_TABLE', `the live database has no table ${table} with a primary key`);
  if (options.apply && !options.force && db.kind === 'server') {
    const others = await otherSessions(run);
    if (others.length) {
      const who = others
        .slice(0, 5)
        .map((s) => `pid ${s.pid} ${s.applicationName || '(no name)'}${s.clientAddr ? ` from ${s.clientAddr}` : ''}`)
        .join(', ');
      throw new AppError(
        'RESTORE_SERVICE_RUNNING',
        `${others.length} other session(s) are connected to this database (${who}): the service may be writing. Stop it and run again, or add --force.`,
      );
    }
  }
  const scratch = `malar_restore_${(options.now ?? new Date()).toISOString().replace(/\D/g, '').slice(0, 14)}`;
  await run(`create schema ${q(scratch)}`);
  try {
    await run(`create table ${q(scratch)}.${q(table)} (like public.${q(table)} including defaults)`);
    if (format === 'pg_dump') await loadFromArchive(db.url, options.file, table, scratch);
    else await loadFromEmbedded(run, options.file, table, scratch);
    const all = await columnsOf(run, 'public', table);
    const rowsToo = !options.columns?.length;
    const unknown = (options.columns ?? []).filter((c) => !all.includes(c) || key.includes(c));
    if (unknown.length)
      throw new AppError(
        'RESTORE_BAD_COLUMN',
        `${table} has no column ${unknown.join(', ')} to restore (columns: ${all.filter((c) => !key.includes(c)).join(', ')})`,
      );
    const columns = rowsToo ? all : [...key, ...options.columns!];
    const label = LABEL_COLUMNS.find((c) => all.includes(c) && !key.includes(c));
    const diff = await diffTables(run, table, scratch, key, columns, rowsToo, label);
    if (!options.apply) return { checksum, diff, applied: false };
    if (diff.removed) {
      const refs = await referencesToRemoved(run, table, scratch, key);
      if (refs.length) {
        throw new AppError(
          'RESTORE_WOULD_ORPHAN',
          `${diff.removed} live row(s) of ${table} are not in the backup and ${refs.join(', ')} refer to them: nothing was changed.`,
        );
      }
    }
    const audit = { file: options.file, columns: rowsToo ? 'all' : options.columns, added: diff.added, removed: diff.removed, changed: diff.changed };
    try {
      await applyRestore(db.orm.em.fork(), table, scratch, key, columns, rowsToo, audit);
    } catch (err) {
      throw new AppError('RESTORE_APPLY_FAILED', `replacing ${table} failed and was rolled back, nothing changed: ${(err as Error).message}`);
    }
    const validation = await validateLedger(run, expectedForeignKeys(db.orm));
    return { checksum, diff, applied: true, validation };
  } finally {
    await run(`drop schema if exists ${q(scratch)} cascade`);
  }
}
