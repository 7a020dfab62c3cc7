// The PostgreSQL client programs (pg_dump, pg_restore) for a database on a server.
import { execFile, spawn } from 'node:child_process';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { AppError } from '../../errors.js';
import type { BackupScope } from './files.js';

const run = promisify(execFile);

export async function tool(name: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(name, args, { maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { code?: string | number; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new AppError('PG_TOOLS_MISSING', `${name} is not installed: install the PostgreSQL client tools (apt-get install postgresql-client).`);
    }
    const detail = (e.stderr ?? String(err)).trim().split('\n').slice(-3).join(' | ');
    throw new AppError('PG_TOOL_FAILED', `${name} failed: ${detail}`);
  }
}

/** Major version of a client program, e.g. 15. */
export async function toolMajorVersion(name: 'pg_dump' | 'pg_restore'): Promise<number> {
  const out = await tool(name, ['--version']);
  const m = /(\d+)(?:\.\d+)?/.exec(out);
  return m ? Number(m[1]) : 0;
}

/** pg_dump refuses a server newer than itself; say so before trying, with the fix. */
export async function assertDumpable(serverVersionNum: number): Promise<void> {
  const client = await toolMajorVersion('pg_dump');
  const server = Math.floor(serverVersionNum / 10000);
  if (client < server) {
    throw new AppError('PG_TOOLS_TOO_OLD', `pg_dump ${client} cannot dump a PostgreSQL ${server} server: install postgresql-client-${server}.`);
  }
}

/** pg_dump -Fc; `scope` picks --schema-only, --data-only or --table=… (each table with its schema and data). */
export async function pgDump(url: string, file: string, scope: BackupScope = { kind: 'full' }): Promise<void> {
  const only =
    scope.kind === 'schema'
      ? ['--schema-only']
      : scope.kind === 'data'
        ? ['--data-only']
        : scope.kind === 'tables'
          ? scope.tables.map((t) => `--table=public."${t}"`)
          : [];
  await tool('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', ...only, `--file=${file}`, `--dbname=${url}`]);
}

/** pg_restore --list: the archive's table of contents; fails on a file that is not a readable archive. */
export async function pgRestoreList(file: string): Promise<string[]> {
  const out = await tool('pg_restore', ['--list', file]);
  return out.split('\n').filter((l) => l && !l.startsWith(';'));
}

export async function pgRestore(url: string, file: string, options: { clean: boolean }): Promise<void> {
  await tool('pg_restore', [
    '--no-owner',
    '--no-privileges',
    '--exit-on-error',
    '--single-transaction',
    ...(options.clean ? ['--clean', '--if-exists'] : []),
    `--dbname=${url}`,
    file,
  ]);
}

/**
 * Rows per table in the dump, counted from its COPY blocks (one line per row in COPY's text format).
 * A damaged data section makes pg_restore fail, which is reported as such.
 */
export async function dumpRowCounts(file: string): Promise<Record<string, number>> {
  const child = spawn('pg_restore', ['--data-only', '--file=-', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const counts: Record<string, number> = {};
  let current: string | null = null;
  const lines = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const line of lines) {
    if (current === null) {
      const m = /^COPY (?:[\w"]+\.)?"?([\w]+)"? \(/.exec(line);
      if (m) {
        current = m[1]!;
        counts[current] ??= 0;
      }
    } else if (line === '\\.') {
      current = null;
    } else {
      counts[current]! += 1;
    }
  }
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (code !== 0)
    throw new AppError('BACKUP_UNREADABLE', `pg_restore could not read the data in ${file}: ${stderr.trim().split('\n').slice(-2).join(' | ')}`);
  return counts;
}
