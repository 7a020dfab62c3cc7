// The daily backup as a job with a record. runDailyBackup is the seam for the operations work (i19): their
// verify-copy-age functions replace the body below and return the same facts; the job, its job_runs row and the
// admins' notice stay as they are.
import type { Config } from '../config.js';
import type { Database } from '../db/orm.js';
import { backupDatabase } from '../ops/backup/backup.js';

/** What a day's backup came to. A copy or an age the operations code does not report yet stays undefined. */
export interface DailyBackupFacts {
  ok: boolean;
  file?: string;
  bytes?: number;
  sha256?: string;
  verified?: string;
  removed?: string[];
  error?: string;
  /** The off-box copy (BACKUP_COPY_DIR / BACKUP_COPY_COMMAND): ok false when it failed. */
  copy?: { ok: boolean; target?: string; error?: string };
  /** Hours since the newest verified backup was taken. */
  newestVerifiedAgeHours?: number;
}

/** Hours after which the newest verified backup is too old and the admins are told. */
export const BACKUP_MAX_AGE_HOURS = 26;

export async function runDailyBackup(db: Database, config: Pick<Config, 'backupDir'>, now: Date): Promise<DailyBackupFacts> {
  try {
    const r = await backupDatabase(db, config.backupDir, now);
    return { ok: true, file: r.file, bytes: r.bytes, sha256: r.sha256, verified: r.verified, removed: r.removed, newestVerifiedAgeHours: 0 };
  } catch (err) {
    return { ok: false, error: (err as Error).message ?? String(err) };
  }
}

/** What is wrong with a backup's facts, in short English for job_runs (the notice translates the kind). */
export function backupProblems(f: DailyBackupFacts): { kind: 'backup_failed' | 'copy_failed' | 'too_old'; text: string }[] {
  const out: { kind: 'backup_failed' | 'copy_failed' | 'too_old'; text: string }[] = [];
  if (!f.ok) out.push({ kind: 'backup_failed', text: `backup failed: ${f.error ?? 'unknown error'}` });
  if (f.copy && !f.copy.ok) out.push({ kind: 'copy_failed', text: `copy failed: ${f.copy.error ?? 'unknown error'}` });
  if (f.newestVerifiedAgeHours !== undefined && f.newestVerifiedAgeHours > BACKUP_MAX_AGE_HOURS) {
    out.push({ kind: 'too_old', text: `newest verified backup is ${Math.floor(f.newestVerifiedAgeHours)} h old` });
  }
  return out;
}
