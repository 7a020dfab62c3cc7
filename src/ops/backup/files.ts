// Backup files: timestamped names, checksums beside them, and retention by the time in the name.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../errors.js';

export type BackupFormat = 'pg_dump' | 'pglite';

const EXTENSION: Record<BackupFormat, string> = { pg_dump: '.dump', pglite: '.tar.gz' };
/** malar-<UTC time>[-<what it holds>].<ext>: no suffix is a full backup. */
const NAME = /^malar-(\d{8}T\d{6}Z)(?:-([a-z0-9_+-]+))?\.(dump|tar\.gz)$/;

/** What a backup holds; a partial one is named for it. */
export type BackupScope = { kind: 'full' } | { kind: 'schema' } | { kind: 'data' } | { kind: 'tables'; tables: string[] };

export function scopeSuffix(scope: BackupScope): string {
  if (scope.kind === 'full') return '';
  if (scope.kind === 'tables') return `-table-${scope.tables.join('+')}`;
  return `-${scope.kind}-only`;
}

/**
 * malar-20261125T020000Z.dump (UTC, so names sort by time and never repeat across a DST change);
 * partial ones say what they hold: malar-…Z-schema-only.dump, -data-only, -table-farmers+users.
 */
export function backupFileName(format: BackupFormat, at: Date, scope: BackupScope = { kind: 'full' }): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `malar-${stamp}${scopeSuffix(scope)}${EXTENSION[format]}`;
}

/** The time and scope suffix in one of our backup names; null for any other file. */
export function parseBackupName(name: string): { at: Date; suffix: string | null } | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const s = m[1]!;
  const at = new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
  return { at, suffix: m[2] ?? null };
}

export function formatOf(file: string): BackupFormat {
  if (file.endsWith('.dump')) return 'pg_dump';
  if (file.endsWith('.tar.gz') || file.endsWith('.tgz')) return 'pglite';
  throw new AppError('BACKUP_FORMAT', `${file}: not a backup of ours (expected a .dump from pg_dump or a .tar.gz of the embedded database)`);
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

export const checksumFile = (file: string) => `${file}.sha256`;

/** Writes `<hex>  <name>` beside the backup, the format `sha256sum -c` reads. */
export function writeChecksum(file: string, sha256: string): void {
  fs.writeFileSync(checksumFile(file), `${sha256}  ${path.basename(file)}\n`);
}

/** Compares the file with the checksum written beside it at backup time; no checksum file, nothing to compare. */
export async function verifyChecksum(file: string): Promise<'match' | 'absent'> {
  const sidecar = checksumFile(file);
  if (!fs.existsSync(sidecar)) return 'absent';
  const expected = fs.readFileSync(sidecar, 'utf8').trim().split(/\s+/)[0];
  const actual = await sha256File(file);
  if (expected !== actual) {
    throw new AppError(
      'BACKUP_DAMAGED',
      `${file} does not match its checksum (${path.basename(sidecar)}): the file is damaged or incomplete. Nothing was restored.`,
    );
  }
  return 'match';
}

export function humanSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}

/** Deletes our backups (and their checksum files) older than `days`, judged by the time in the name. */
export function pruneBackups(dir: string, days: number, now: Date, keep: string): string[] {
  if (!Number.isFinite(days) || days < 1) return [];
  const cutoff = now.getTime() - days * 86_400_000;
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const parsed = parseBackupName(name);
    if (!parsed || path.join(dir, name) === keep) continue;
    if (parsed.at.getTime() < cutoff) {
      fs.rmSync(path.join(dir, name), { force: true });
      fs.rmSync(checksumFile(path.join(dir, name)), { force: true });
      removed.push(name);
    }
  }
  return removed.sort();
}
