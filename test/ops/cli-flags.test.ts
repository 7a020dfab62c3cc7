// Every operator command refuses an unknown flag or a flag missing its value: usage line, exit 2, nothing done.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function runCommand(file: string, args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    // DATABASE_URL points nowhere: a command that got past its flags would fail with 1, not 2.
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', DATA_DIR: '/nonexistent/malar' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const DB = 'src/ops/db-cli.ts';
const OPS = 'src/ops/ops-cli.ts';
const cases: { name: string; file: string; args: string[]; usage: string; says: string }[] = [
  ...['migrate', 'rollback', 'status', 'create', 'check', 'seed', 'reset', 'init'].map((c) => ({
    name: `db ${c} --bogus`,
    file: DB,
    args: c === 'create' ? [c, 'name', '--bogus'] : [c, '--bogus'],
    usage: 'Usage: npm run db:',
    says: "Unknown option '--bogus'",
  })),
  ...['validate', 'backup', 'restore', 'maintenance'].map((c) => ({
    name: `ops ${c} --bogus`,
    file: OPS,
    args: c === 'restore' ? [c, 'file.dump', '--bogus'] : [c, '--bogus'],
    usage: `Usage: npm run db:${c}`,
    says: "Unknown option '--bogus'",
  })),
  { name: 'settle --bogus', file: 'src/ops/settle-cli.ts', args: ['--bogus'], usage: 'Usage: npm run settle', says: "Unknown option '--bogus'" },
  { name: 'setup --bogus', file: 'src/ops/setup-cli.ts', args: ['--bogus'], usage: 'Usage: npm run setup', says: "Unknown option '--bogus'" },
  {
    name: 'chat --bogus',
    file: 'src/ops/chat-cli.ts',
    args: ['--from', '+919876543211', '--bogus'],
    usage: 'Usage: npm run chat',
    says: "Unknown option '--bogus'",
  },
  // Missing values and missing arguments.
  {
    name: 'db:backup --table (no name)',
    file: OPS,
    args: ['backup', '--table'],
    usage: 'Usage: npm run db:backup',
    says: "'--table <value>' argument missing",
  },
  { name: 'db:restore (no file)', file: OPS, args: ['restore'], usage: 'Usage: npm run db:restore', says: 'missing argument' },
  {
    name: 'db:rollback --to (no name)',
    file: DB,
    args: ['rollback', '--to'],
    usage: 'Usage: npm run db:rollback',
    says: "'--to <value>' argument missing",
  },
  {
    name: 'settle --period (no value)',
    file: 'src/ops/settle-cli.ts',
    args: ['--period'],
    usage: 'Usage: npm run settle',
    says: "'--period <value>' argument missing",
  },
  { name: 'chat (no --from)', file: 'src/ops/chat-cli.ts', args: [], usage: 'Usage: npm run chat', says: '--from is required' },
];

describe('operator command lines', () => {
  it('refuse an unknown flag, a missing value or a missing argument with the usage line and exit 2', async () => {
    const results: { name: string; code: number | null; stderr: string }[] = [];
    // Four at a time: each is a node process compiling TypeScript.
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4);
      results.push(...(await Promise.all(batch.map(async (c) => ({ name: c.name, ...(await runCommand(c.file, c.args)) })))));
    }
    for (const [i, c] of cases.entries()) {
      const r = results[i]!;
      expect({ name: c.name, code: r.code }).toEqual({ name: c.name, code: 2 });
      expect(r.stderr, c.name).toContain(c.says);
      expect(r.stderr, c.name).toContain(c.usage);
    }
  }, 600_000);
});
