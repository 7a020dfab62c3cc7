// db:backup and the daily backup job: dump, verify, checksum, then prune by the retention setting.
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../db/orm.js';
import { AppError } from '../../errors.js';
import { getNumberSetting } from '../../domain/settings/settings.service.js';
import { listTables } from '../tables.js';
import { ormSql } from '../validation/validate.js';
import { backupFileName, pruneBackups, sha256File, writeChecksum, type BackupFormat, type BackupScope } from './files.js';
import { assertDumpable, pgDump, pgRestoreList } from './pg-tools.js';

export interface BackupResult {
  file: string;
  format: BackupFormat;
  scope: BackupScope;
  bytes: number;
  sha256: string;
  /** What the verification read back: archive entries (pg_dump) or tables (embedded). */
  verified: string;
  removed: string[];
  retentionDays: number;
}

/** What the embedded database cannot back up partially, and why: said instead of writing a full backup. */
export const EMBEDDED_PARTIAL_REFUSED =
  "the embedded database (PGlite) can only be backed up whole: it has no pg_dump of its own, and the machine's pg_dump cannot read PGlite's PostgreSQL 17. " +
  'Take a full backup (npm run db:backup) — it holds the schema and every table — and restore one table from it with npm run db:restore -- FILE --table NAME.';

/** Table data entries in a pg_restore --list, by table name ("… TABLE DATA public farmers postgres"). */
function dataTables(entries: string[]): string[] {
  return entries.map((e) => / TABLE DATA \S+ (\S+) /.exec(e)?.[1]).filter((t): t is string => Boolean(t));
}

/** Reads the new archive back and checks it holds what its name says. */
function verifyArchive(entries: string[], scope: BackupScope): string {
  const data = dataTables(entries);
  const tableDefs = entries.filter((e) => / TABLE \S+ \S+ /.test(e) && !e.includes(' TABLE DATA ')).length;
  if (scope.kind === 'schema') {
    if (data.length) throw new AppError('BACKUP_VERIFY_FAILED', 'the schema-only dump holds table data');
    if (!tableDefs) throw new AppError('BACKUP_EMPTY', 'pg_restore --list found no table definitions in the schema-only dump');
    return `pg_restore --list read ${entries.length} entries (${tableDefs} table definitions, no data)`;
  }
  if (scope.kind === 'tables') {
    const missing = scope.tables.filter((t) => !data.includes(t));
    if (missing.length) throw new AppError('BACKUP_VERIFY_FAILED', `the dump holds no data for ${missing.join(', ')}`);
    return `pg_restore --list read ${entries.length} entries (data of ${scope.tables.join(', ')})`;
  }
  if (data.length === 0) throw new AppError('BACKUP_EMPTY', 'pg_restore --list found no table data in the new dump');
  if (scope.kind === 'data' && tableDefs) throw new AppError('BACKUP_VERIFY_FAILED', 'the data-only dump holds table definitions');
  return `pg_restore --list read ${entries.length} entries (${data.length} tables of data)`;
}

export async function backupDatabase(
  db: Database,
  backupDir: string,
  now = new Date(),
  scope: BackupScope = { kind: 'full' },
): Promise<BackupResult> {
  const format: BackupFormat = db.kind === 'embedded' ? 'pglite' : 'pg_dump';
  if (format === 'pglite' && scope.kind !== 'full') throw new AppError('BACKUP_PARTIAL_EMBEDDED', EMBEDDED_PARTIAL_REFUSED);
  if (scope.kind === 'tables') {
    const known = new Set(await listTables(ormSql(db.orm)));
    const unknown = scope.tables.filter((t) => !known.has(t));
    if (unknown.length) throw new AppError('BACKUP_UNKNOWN_TABLE', `no table named ${unknown.join(', ')} (tables: ${[...known].join(', ')})`);
  }
  try {
    fs.mkdirSync(backupDir, { recursive: true });
    fs.accessSync(backupDir, fs.constants.W_OK);
  } catch (err) {
    throw new AppError('BACKUP_DIR_UNUSABLE', `cannot write backups into ${backupDir} (BACKUP_DIR): ${(err as Error).message}`);
  }
  const file = path.join(backupDir, backupFileName(format, now, scope));
  if (fs.existsSync(file)) throw new AppError('BACKUP_EXISTS', `${file} already exists: one backup per second at most.`);
  // Written under a temporary name and renamed once verified: a file named like a backup is a good one.
  const partial = `${file}.partial`;
  let verified: string;
  try {
    if (format === 'pg_dump') {
      const conn = db.orm.em.getConnection();
      const [v] = await conn.execute<{ n: string }[]>(`select current_setting('server_version_num') as n`);
      await assertDumpable(Number(v!.n));
      await pgDump(db.url, partial, scope);
      verified = verifyArchive(await pgRestoreList(partial), scope);
    } else {
      if (!db.embedded) throw new AppError('BACKUP_NO_EMBEDDED', 'the embedded database handle is not available');
      // PGlite's tools are loaded only for an embedded database (the service's backup job imports this file).
      const { dumpEmbedded, inspectEmbeddedDump } = await import('./pglite-tools.js');
      await dumpEmbedded(db.embedded.db, partial);
      const counts = await inspectEmbeddedDump(partial);
      verified = `opened in memory: ${Object.keys(counts).length} tables, ${Object.values(counts).reduce((a, b) => a + b, 0)} rows`;
    }
    fs.renameSync(partial, file);
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  }
  const sha256 = await sha256File(file);
  writeChecksum(file, sha256);
  const retentionDays = await getNumberSetting(db.orm.em.fork(), 'backup_retention_days');
  const removed = pruneBackups(backupDir, retentionDays, now, file);
  return { file, format, scope, bytes: fs.statSync(file).size, sha256, verified, removed, retentionDays };
}
