// The daily backup as a job with a record: the operations code takes, verifies and copies the backup and tells
// the newest verified backup's age; this turns its facts into the job's record and the admins' notice.
import type { Config } from '../config.js';
import type { Database } from '../db/orm.js';
import { backupWithCopies, newestVerifiedBackup } from '../ops/backup/copies.js';

/** What a day's backup came to. */
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

export async function runDailyBackup(
  db: Database,
  config: Pick<Config, 'backupDir' | 'backupCopyDir' | 'backupCopyCommand'>,
  now: Date,
): Promise<DailyBackupFacts> {
  try {
    const r = await backupWithCopies(db, config, now);
    const b = r.backup;
    const failed = [r.copy, r.command].filter((c) => c && !c.ok);
    const copy =
      r.copy || r.command
        ? {
            ok: failed.length === 0,
            target:
              [r.copy?.path, r.command ? `BACKUP_COPY_COMMAND (exit ${r.command.exitCode})` : undefined].filter(Boolean).join(', ') || undefined,
            error: failed.map((c) => [c!.error, 'stderr' in c! ? c.stderr : ''].filter(Boolean).join(': ')).join('; ') || undefined,
          }
        : undefined;
    return { ok: true, file: b.file, bytes: b.bytes, sha256: b.sha256, verified: b.verified, removed: b.removed, copy, newestVerifiedAgeHours: 0 };
  } catch (err) {
    // The backup itself failed: how old is the newest one that is still good?
    const newest = await newestVerifiedBackup(config.backupDir, now).catch(() => null);
    return { ok: false, error: (err as Error).message ?? String(err), ...(newest ? { newestVerifiedAgeHours: newest.ageHours } : {}) };
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
