// db:backup and the daily backup job: dump, verify, checksum, then prune by the retention setting.
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../db/orm.js';
import { AppError } from '../../errors.js';
import { getNumberSetting } from '../../domain/settings/settings.service.js';
import { backupFileName, pruneBackups, sha256File, writeChecksum, type BackupFormat } from './files.js';
import { assertDumpable, pgDump, pgRestoreList } from './pg-tools.js';

export interface BackupResult {
  file: string;
  format: BackupFormat;
  bytes: number;
  sha256: string;
  /** What the verification read back: archive entries (pg_dump) or tables (embedded). */
  verified: string;
  removed: string[];
  retentionDays: number;
}

export async function backupDatabase(db: Database, backupDir: string, now = new Date()): Promise<BackupResult> {
  fs.mkdirSync(backupDir, { recursive: true });
  const format: BackupFormat = db.kind === 'embedded' ? 'pglite' : 'pg_dump';
  const file = path.join(backupDir, backupFileName(format, now));
  if (fs.existsSync(file)) throw new AppError('BACKUP_EXISTS', `${file} already exists: one backup per second at most.`);
  // Written under a temporary name and renamed once verified: a file named like a backup is a good one.
  const partial = `${file}.partial`;
  let verified: string;
  try {
    if (format === 'pg_dump') {
      const conn = db.orm.em.getConnection();
      const [v] = await conn.execute<{ n: string }[]>(`select current_setting('server_version_num') as n`);
      await assertDumpable(Number(v!.n));
      await pgDump(db.url, partial);
      const entries = await pgRestoreList(partial);
      const data = entries.filter((e) => e.includes(' TABLE DATA ')).length;
      if (data === 0) throw new AppError('BACKUP_EMPTY', 'pg_restore --list found no table data in the new dump');
      verified = `pg_restore --list read ${entries.length} entries (${data} tables of data)`;
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
  return { file, format, bytes: fs.statSync(file).size, sha256, verified, removed, retentionDays };
}
