// Point-in-time recovery on a PostgreSQL server: WAL archived to BACKUP_DIR/wal, base backups in BACKUP_DIR/base,
// and a recovered cluster built from the newest base backup before the target time plus the archived WAL.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { AppError } from '../errors.js';

const exec = promisify(execFile);

export const PITR_NEEDS_SERVER =
  'point-in-time recovery needs a PostgreSQL server: the embedded database (PGlite) keeps no write-ahead log archive. ' +
  'Its backups are the daily full ones (npm run db:backup); set DATABASE_URL to a server for recovery to a minute.';

export interface Setting {
  name: string;
  current: string;
  wanted: string;
  ok: boolean;
}

export interface PitrStatus {
  settings: Setting[];
  /** ALTER SYSTEM statements that would make it right (empty when it is). */
  statements: string[];
  superuser: boolean;
}

const sq = (s: string) => `'${s.replace(/'/g, "''")}'`;
const stampOf = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

export const walDir = (backupDir: string) => path.join(backupDir, 'wal');
export const baseDir = (backupDir: string) => path.join(backupDir, 'base');

/** cp into the archive, never over a file already there (PostgreSQL's documented archive_command). */
export function archiveCommand(backupDir: string): string {
  const wal = walDir(backupDir).replace(/'/g, '');
  return `test ! -f '${wal}/%f' && cp %p '${wal}/%f'`;
}

/** Root runs the PostgreSQL programs as the postgres user, who owns the clusters on Debian. */
export async function asPostgres(program: string, args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const root = process.getuid?.() === 0;
  const [cmd, argv] = root ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
  try {
    const { stdout } = await exec(cmd, argv, { maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 600_000 });
    return stdout;
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new AppError('PG_TOOLS_MISSING', `${program} is not installed (apt-get install postgresql).`);
    throw new AppError('PG_TOOL_FAILED', `${path.basename(program)} failed: ${(e.stderr ?? String(err)).trim().split('\n').slice(-4).join(' | ')}`);
  }
}

/** A folder the postgres user may write (archive_command and the recovered cluster run as it). */
export async function givePostgres(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  if (process.getuid?.() === 0) await exec('chown', ['-R', 'postgres:postgres', dir]);
}

/** The server programs of a major version: Debian keeps them out of PATH. */
export function serverBin(major: string, program: string): string {
  const debian = `/usr/lib/postgresql/${major}/bin/${program}`;
  return fs.existsSync(debian) ? debian : program;
}

export async function pitrStatus(url: string, backupDir: string): Promise<PitrStatus> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // pg_settings gives archive_timeout in its unit (seconds), where current_setting says "5min".
    const get = async (name: string) => String((await client.query(`select setting as v from pg_settings where name = $1`, [name])).rows[0].v);
    const superuser = String((await client.query(`select current_setting('is_superuser') as v`)).rows[0].v) === 'on';
    const wanted: [string, string, (v: string) => boolean][] = [
      ['wal_level', 'replica', (v) => v === 'replica' || v === 'logical'],
      ['archive_mode', 'on', (v) => v === 'on' || v === 'always'],
      ['archive_command', archiveCommand(backupDir), (v) => v === archiveCommand(backupDir)],
      // At most this much of the last writes is lost with the disk: the current WAL file is archived when full or this old.
      ['archive_timeout', '300', (v) => Number(v) > 0 && Number(v) <= 300],
    ];
    const settings: Setting[] = [];
    for (const [name, want, ok] of wanted) {
      const current = await get(name);
      settings.push({ name, current, wanted: want, ok: ok(current) });
    }
    const statements = settings.filter((s) => !s.ok).map((s) => `alter system set ${s.name} = ${sq(s.wanted)};`);
    return { settings, statements, superuser };
  } finally {
    await client.end();
  }
}

/** ALTER SYSTEM for what is missing; wal_level and archive_mode take effect at the next restart. */
export async function applyPitrSettings(url: string, status: PitrStatus, backupDir: string): Promise<void> {
  if (!status.superuser)
    throw new AppError('PITR_NOT_SUPERUSER', 'ALTER SYSTEM needs a superuser: run the statements above as one, or connect as postgres.');
  await givePostgres(walDir(backupDir));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of status.statements) await client.query(s);
    await client.query('select pg_reload_conf()');
  } finally {
    await client.end();
  }
}

export interface BaseBackup {
  dir: string;
  /** When it finished: the earliest time it can recover to. */
  finishedAt: Date;
}

/** pg_basebackup of the whole cluster into BACKUP_DIR/base/base-<finish time>, with the WAL it needs. */
export async function takeBaseBackup(url: string, backupDir: string, now: () => Date = () => new Date()): Promise<BaseBackup> {
  await givePostgres(walDir(backupDir));
  await givePostgres(baseDir(backupDir));
  const partial = path.join(baseDir(backupDir), `partial-${stampOf(now())}`);
  try {
    await asPostgres('pg_basebackup', ['--pgdata', partial, '--wal-method=stream', '--checkpoint=fast', '--no-password', `--dbname=${url}`]);
    // Named when done, after its end: a recovery target before that could not reach a consistent state.
    const finishedAt = new Date(Math.ceil((now().getTime() + 1) / 1000) * 1000);
    const dir = path.join(baseDir(backupDir), `base-${stampOf(finishedAt)}`);
    fs.renameSync(partial, dir);
    return { dir, finishedAt };
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}

export function baseBackups(backupDir: string): BaseBackup[] {
  const dir = baseDir(backupDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => ({ name, m: /^base-(\d{8}T\d{6}Z)$/.exec(name) }))
    .filter((b) => b.m)
    .map((b) => {
      const s = b.m![1]!;
      return {
        dir: path.join(dir, b.name),
        finishedAt: new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`),
      };
    })
    .sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime());
}

/** "2026-12-02 10:39:00+05:30", an ISO time, or "latest" (every archived WAL record). */
export function parseTarget(text: string): Date | 'latest' {
  if (text === 'latest') return 'latest';
  const at = new Date(text.trim().replace(' ', 'T'));
  if (Number.isNaN(at.getTime()) || !/([+-]\d{2}:?\d{2}|Z)$/.test(text.trim())) {
    throw new AppError('PITR_BAD_TIME', `--to ${text}: write a time with its zone, e.g. "2026-12-02 10:39:00+05:30", or latest`);
  }
  return at;
}

export async function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface RecoveredCluster {
  dir: string;
  port: number;
  base: BaseBackup;
  /** The URL of the same database on the recovered cluster. */
  url: string;
  pgCtl: string;
}

export interface RecoverOptions {
  backupDir: string;
  /** The live URL: its database name, user and password are those of the recovered cluster too. */
  liveUrl: string;
  target: Date | 'latest';
  /** A folder for the cluster (default BACKUP_DIR/pitr-<time>) and/or a port (default a spare one). */
  dir?: string;
  port?: number;
  /** Copied into the recovered cluster when the base backup has none (Debian keeps them in /etc). */
  hbaFile?: string;
  now?: Date;
}

/** Builds the recovered cluster, starts it, and waits until it has replayed to the target and accepts writes. */
export async function recoverToTime(options: RecoverOptions): Promise<RecoveredCluster> {
  const bases = baseBackups(options.backupDir);
  const base = options.target === 'latest' ? bases.at(-1) : bases.filter((b) => b.finishedAt.getTime() <= (options.target as Date).getTime()).at(-1);
  if (!base) {
    const have = bases.map((b) => b.finishedAt.toISOString()).join(', ') || 'none';
    throw new AppError(
      'PITR_NO_BASE',
      `no base backup in ${baseDir(options.backupDir)} finished before ${options.target === 'latest' ? 'now' : (options.target as Date).toISOString()} (have: ${have}). Take one with npm run db:pitr -- base-backup.`,
    );
  }
  const dir = path.resolve(options.dir ?? path.join(options.backupDir, `pitr-${stampOf(options.now ?? new Date())}`));
  if (fs.existsSync(dir) && fs.readdirSync(dir).length) throw new AppError('PITR_DIR_EXISTS', `${dir} is not empty: choose another --into folder`);
  const port = options.port ?? (await sparePort());
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(base.dir, dir, { recursive: true });
  for (const f of ['postmaster.pid', 'postmaster.opts', 'standby.signal']) fs.rmSync(path.join(dir, f), { force: true });
  if (!fs.existsSync(path.join(dir, 'postgresql.conf'))) fs.writeFileSync(path.join(dir, 'postgresql.conf'), '# written by db:pitr restore\n');
  if (!fs.existsSync(path.join(dir, 'pg_hba.conf'))) {
    if (options.hbaFile && fs.existsSync(options.hbaFile)) fs.copyFileSync(options.hbaFile, path.join(dir, 'pg_hba.conf'));
    else fs.writeFileSync(path.join(dir, 'pg_hba.conf'), 'local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n');
  }
  const wal = walDir(options.backupDir).replace(/'/g, '');
  const conf = [
    '',
    '# db:pitr restore: recovery from the WAL archive, then promoted to a writable server.',
    `restore_command = 'cp ''${wal}/%f'' %p'`,
    ...(options.target === 'latest'
      ? []
      : [`recovery_target_time = '${options.target.toISOString().replace('T', ' ').replace('Z', '+00')}'`, `recovery_target_action = 'promote'`]),
    // Never archive into the live server's archive, nor listen beyond this machine.
    `archive_mode = off`,
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${dir.replace(/'/g, '')}'`,
    // Debian's settings live in /etc; these would otherwise point at the live cluster's files.
    `data_directory = '${dir.replace(/'/g, '')}'`,
    `hba_file = '${path.join(dir, 'pg_hba.conf').replace(/'/g, '')}'`,
    `ident_file = '${path.join(dir, 'pg_ident.conf').replace(/'/g, '')}'`,
    `external_pid_file = ''`,
    `ssl = off`,
    '',
  ].join('\n');
  fs.appendFileSync(path.join(dir, 'postgresql.auto.conf'), conf);
  if (!fs.existsSync(path.join(dir, 'pg_ident.conf'))) fs.writeFileSync(path.join(dir, 'pg_ident.conf'), '');
  fs.writeFileSync(path.join(dir, 'recovery.signal'), '');
  fs.chmodSync(dir, 0o700);
  await givePostgres(dir);
  const major = fs.readFileSync(path.join(dir, 'PG_VERSION'), 'utf8').trim();
  const pgCtl = serverBin(major, 'pg_ctl');
  try {
    await asPostgres(pgCtl, ['-D', dir, '-l', path.join(dir, 'recovery.log'), '-w', '-t', '600', 'start']);
  } catch (err) {
    throw new AppError('PITR_START_FAILED', `the recovered cluster did not start: ${(err as Error).message}. ${logTail(dir)}`);
  }
  const u = new URL(options.liveUrl);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  const url = u.toString();
  // Replay continues after the server opens; promoted means it reached the target and accepts writes.
  for (let i = 0; ; i++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      const inRecovery = (await client.query('select pg_is_in_recovery() as r')).rows[0].r as boolean;
      if (!inRecovery) break;
    } catch {
      // not accepting connections yet
    } finally {
      await client.end().catch(() => {});
    }
    if (i > 600)
      throw new AppError('PITR_NOT_PROMOTED', `the recovered cluster is still replaying after 10 minutes; see ${path.join(dir, 'recovery.log')}`);
    if (!fs.existsSync(path.join(dir, 'postmaster.pid')))
      throw new AppError('PITR_STOPPED', `the recovered cluster stopped during recovery. ${logTail(dir)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { dir, port, base, url, pgCtl };
}

function logTail(dir: string): string {
  const file = path.join(dir, 'recovery.log');
  if (!fs.existsSync(file)) return '';
  return `Its log (${file}) ends: ${fs.readFileSync(file, 'utf8').trim().split('\n').slice(-4).join(' | ')}`;
}

export async function stopCluster(pgCtl: string, dir: string): Promise<void> {
  await asPostgres(pgCtl, ['-D', dir, '-m', 'fast', '-w', 'stop']);
}
