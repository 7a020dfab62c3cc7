// db:restore: into a new database by default (never over the live one without --force), then validation and
// row counts per table beside the dump's. Nothing is touched until the whole file has been read back.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import lockfile from 'proper-lockfile';
import type { Config } from '../../config.js';
import { startEmbeddedDatabase } from '../../db/embedded.js';
import { EMBEDDED_RESERVED_CONNECTIONS, openDatabase, type Database } from '../../db/orm.js';
import { AppError } from '../../errors.js';
import { rowCounts } from '../tables.js';
import { expectedForeignKeys, ormSql, validateLedger, type ValidationReport } from '../validation/validate.js';
import { formatOf, verifyChecksum } from './files.js';
import { dumpRowCounts, pgRestore, pgRestoreList } from './pg-tools.js';
import { inspectEmbeddedDump } from './pglite-tools.js';

export interface RestoreOptions {
  file: string;
  /** Database name (server) or folder name under DATA_DIR (embedded); default a new, timestamped one. */
  into?: string;
  /** Allows restoring over an existing database, the live one included. */
  force?: boolean;
  /** The live database's URL on a server; unset means the embedded database in DATA_DIR/db. */
  liveUrl?: string;
  now?: Date;
}

export interface TableCount {
  table: string;
  dump: number | null;
  restored: number | null;
}

export interface RestoreResult {
  target: string;
  checksum: 'match' | 'absent';
  counts: TableCount[];
  countsMatch: boolean;
  validation: ValidationReport;
}

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .toLowerCase();
const NAME = /^[a-z_][a-z0-9_-]{0,62}$/i;

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

async function inspect(db: Database) {
  const run = ormSql(db.orm);
  return { counts: await rowCounts(run), validation: await validateLedger(run, expectedForeignKeys(db.orm)) };
}

function compare(dump: Record<string, number>, restored: Record<string, number>): { counts: TableCount[]; countsMatch: boolean } {
  const tables = [...new Set([...Object.keys(dump), ...Object.keys(restored)])].sort();
  const counts = tables.map((table) => ({ table, dump: dump[table] ?? null, restored: restored[table] ?? null }));
  return { counts, countsMatch: counts.every((c) => c.dump === c.restored) };
}

export async function restoreBackup(config: Config, options: RestoreOptions): Promise<RestoreResult> {
  if (!fs.existsSync(options.file)) throw new AppError('BACKUP_NOT_FOUND', `${options.file}: no such file`);
  if (options.into !== undefined && !NAME.test(options.into)) {
    throw new AppError('RESTORE_BAD_NAME', `--into ${options.into}: use letters, digits, _ and - only`);
  }
  const format = formatOf(options.file);
  const checksum = await verifyChecksum(options.file);
  const now = options.now ?? new Date();
  if (options.liveUrl) {
    if (format !== 'pg_dump') throw new AppError('BACKUP_FORMAT', 'this is a backup of the embedded database; restore it with DATABASE_URL unset');
    return { checksum, ...(await restoreOnServer(config, options.liveUrl, options, now)) };
  }
  if (format !== 'pglite') throw new AppError('BACKUP_FORMAT', 'this is a pg_dump archive; restore it with DATABASE_URL set to the server');
  return { checksum, ...(await restoreEmbedded(config, options, now)) };
}

async function restoreOnServer(config: Config, liveUrl: string, options: RestoreOptions, now: Date) {
  const live = databaseName(liveUrl);
  const target = options.into ?? `${live}_restore_${stamp(now)}`;
  // Read the whole archive first: a truncated or damaged file stops here, before any database is touched.
  try {
    await pgRestoreList(options.file);
  } catch (err) {
    throw new AppError('BACKUP_UNREADABLE', `${options.file} is not a readable pg_dump archive: ${(err as Error).message}`);
  }
  const dumpCounts = await dumpRowCounts(options.file);
  if (target === live && !options.force) {
    throw new AppError('RESTORE_LIVE_REFUSED', `${target} is the live database: restoring over it needs --force (stop the service first).`);
  }
  const admin = new pg.Client({ connectionString: liveUrl });
  await admin.connect();
  let created = false;
  try {
    const exists = (await admin.query('select 1 from pg_database where datname = $1', [target])).rowCount! > 0;
    if (exists && !options.force)
      throw new AppError('RESTORE_TARGET_EXISTS', `database ${target} already exists: choose another --into, or --force to replace its contents`);
    if (!exists) {
      await admin.query(`create database "${target}"`);
      created = true;
    }
    // One transaction: a restore that fails part-way leaves the target as it was.
    await pgRestore(withDatabase(liveUrl, target), options.file, { clean: exists });
  } catch (err) {
    if (created) await admin.query(`drop database if exists "${target}" with (force)`).catch(() => {});
    throw err;
  } finally {
    await admin.end();
  }
  const db = await openDatabase(config, { url: withDatabase(liveUrl, target) });
  try {
    const { counts, validation } = await inspect(db);
    return { target, validation, ...compare(dumpCounts, counts) };
  } finally {
    await db.close();
  }
}

async function restoreEmbedded(config: Config, options: RestoreOptions, now: Date) {
  const name = options.into ?? `db-restore-${stamp(now)}`;
  const dir = path.join(config.dataDir, name);
  const dumpCounts = await inspectEmbeddedDump(options.file);
  const occupied = fs.existsSync(dir) && fs.readdirSync(dir).length > 0;
  if (name === 'db' && !options.force) {
    throw new AppError('RESTORE_LIVE_REFUSED', `${dir} is the live embedded database: restoring over it needs --force (stop the service first).`);
  }
  if (occupied && !options.force) throw new AppError('RESTORE_TARGET_EXISTS', `${dir} already holds a database: choose another --into, or --force`);
  if (occupied) {
    if (await lockfile.check(dir, { lockfilePath: path.join(dir, '..', `${path.basename(dir)}.lock`), stale: 15_000 })) {
      throw new AppError('EMBEDDED_DB_LOCKED', `${dir} is open in another process (the service?): stop it before restoring over it.`);
    }
    // Never deleted: the replaced database is moved aside.
    fs.renameSync(dir, `${dir}.before-restore-${stamp(now)}`);
  }
  const embedded = await startEmbeddedDatabase({
    dataDir: dir,
    maxConnections: 1 + EMBEDDED_RESERVED_CONNECTIONS,
    loadDataDir: new Blob([fs.readFileSync(options.file)]),
  });
  try {
    const db = await openDatabase({ ...config, dbPoolSize: 1 }, { embedded });
    try {
      const { counts, validation } = await inspect(db);
      return { target: dir, validation, ...compare(dumpCounts, counts) };
    } finally {
      await db.close();
    }
  } finally {
    await embedded.stop();
  }
}
