// Backups you can trust without looking: a second copy (BACKUP_COPY_DIR, BACKUP_COPY_COMMAND) and the age of
// the newest verified backup. Each returns facts; the daily job records them and words the admins' notice.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';
import type { Database } from '../../db/orm.js';
import { backupDatabase, type BackupResult } from './backup.js';
import { checksumFile, parseBackupName, sha256File } from './files.js';

export interface CopyOutcome {
  ok: boolean;
  /** The copy's path when ok. */
  path?: string;
  error?: string;
}

export interface CommandOutcome {
  ok: boolean;
  exitCode: number | null;
  /** The last lines the command wrote to stderr (its own words for what went wrong). */
  stderr: string;
  error?: string;
}

export interface BackupRunResult {
  backup: BackupResult;
  /** null when BACKUP_COPY_DIR is not set. */
  copy: CopyOutcome | null;
  /** null when BACKUP_COPY_COMMAND is not set. */
  command: CommandOutcome | null;
  /** true when the backup and every configured copy succeeded. */
  ok: boolean;
}

/**
 * Copies a backup and its .sha256 into `dir`, then reads the copy back and compares its checksum: a copy that
 * does not match is removed and reported, never left looking like a good one.
 */
export async function copyBackup(file: string, dir: string): Promise<CopyOutcome> {
  const target = path.join(dir, path.basename(file));
  const partial = `${target}.partial`;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(file, partial);
    const [original, copied] = await Promise.all([sha256File(file), sha256File(partial)]);
    if (original !== copied) throw new Error(`the copy's sha256 ${copied} differs from the backup's ${original}`);
    fs.renameSync(partial, target);
    if (fs.existsSync(checksumFile(file))) fs.copyFileSync(checksumFile(file), checksumFile(target));
    return { ok: true, path: target };
  } catch (err) {
    try {
      fs.rmSync(partial, { force: true });
    } catch {
      // the folder itself is what failed
    }
    return { ok: false, error: (err as Error).message };
  }
}

/** Runs BACKUP_COPY_COMMAND through /bin/sh with the file as $1 and $BACKUP_FILE; exit 0 means copied. */
export function runCopyCommand(command: string, file: string, timeoutMs = 30 * 60_000): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command, 'backup-copy', file], {
      env: { ...process.env, BACKUP_FILE: file },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: timeoutMs,
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', (err) => resolve({ ok: false, exitCode: null, stderr, error: err.message }));
    child.on('close', (code, signal) => {
      const tail = stderr.trim().split('\n').slice(-5).join('\n');
      if (code === 0) resolve({ ok: true, exitCode: 0, stderr: tail });
      else resolve({ ok: false, exitCode: code, stderr: tail, error: signal ? `killed by ${signal}` : `exited with ${code}` });
    });
  });
}

/** The daily backup: a verified full backup, then its copies as configured. A failed copy does not undo the backup. */
export async function backupWithCopies(
  db: Database,
  config: Pick<Config, 'backupDir' | 'backupCopyDir' | 'backupCopyCommand'>,
  now = new Date(),
): Promise<BackupRunResult> {
  const backup = await backupDatabase(db, config.backupDir, now);
  const copy = config.backupCopyDir ? await copyBackup(backup.file, config.backupCopyDir) : null;
  const command = config.backupCopyCommand ? await runCopyCommand(config.backupCopyCommand, backup.file) : null;
  return { backup, copy, command, ok: (copy?.ok ?? true) && (command?.ok ?? true) };
}

export interface NewestBackup {
  file: string;
  /** The time in its name (when it was taken). */
  takenAt: Date;
  ageHours: number;
}

/**
 * The newest full backup in `dir` whose contents still match the .sha256 written when it was verified; null when
 * there is none. Partial backups (schema-only, one table) do not count: they cannot bring the ledger back.
 */
export async function newestVerifiedBackup(dir: string, now = new Date()): Promise<NewestBackup | null> {
  if (!fs.existsSync(dir)) return null;
  const full = fs
    .readdirSync(dir)
    .map((name) => ({ name, parsed: parseBackupName(name) }))
    .filter((b) => b.parsed && b.parsed.suffix === null)
    .sort((a, b) => b.parsed!.at.getTime() - a.parsed!.at.getTime());
  for (const b of full) {
    const file = path.join(dir, b.name);
    const sidecar = checksumFile(file);
    if (!fs.existsSync(sidecar)) continue;
    const expected = fs.readFileSync(sidecar, 'utf8').trim().split(/\s+/)[0];
    if ((await sha256File(file)) !== expected) continue;
    const takenAt = b.parsed!.at;
    return { file, takenAt, ageHours: (now.getTime() - takenAt.getTime()) / 3_600_000 };
  }
  return null;
}
