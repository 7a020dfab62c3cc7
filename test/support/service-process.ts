// Runs the service as an operator would (`npm start`: built to JavaScript by scripts/build.mjs, then node) in a
// child process, for the tests that need real processes: replicas starting together, the pipeline worker.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { adminUrl, withDatabaseName } from './urls.js';

export interface ServiceProcess {
  child: ChildProcess;
  /** Log lines seen so far (parsed JSON). */
  lines: Record<string, unknown>[];
  /** Resolves with the port once the service logs "listening"; rejects if it exits first. */
  listening: Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let built: string | undefined;
/** This checkout built once per test file, into a directory of its own (test files run side by side). */
function builtMain(): string {
  if (!built) {
    built = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-built-'));
    execFileSync(process.execPath, ['scripts/build.mjs', '--out', built], { cwd: process.cwd(), stdio: 'inherit' });
    process.once('exit', () => fs.rmSync(built!, { recursive: true, force: true }));
  }
  return path.join(built, 'src', 'main.js');
}

export function spawnService(env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [builtMain()], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const listening = new Promise<number>((resolve, reject) => {
    exited.then(({ code }) => reject(new Error(`service exited (${code}) before listening: ${stderr}\n${JSON.stringify(lines.slice(-5))}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (entry.msg === 'listening') resolve(Number(entry.port));
      } catch {
        // not a log line
      }
    });
  });
  listening.catch(() => {});
  return { child, lines, listening, exited };
}

/** A brand-new empty database on the test server (no tables at all); drop() removes it. */
export async function emptyServerDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `malar_r_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl(serverUrl) });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  return {
    url: withDatabaseName(serverUrl, name),
    async drop() {
      const a = new pg.Client({ connectionString: adminUrl(serverUrl) });
      await a.connect();
      await a.query(`drop database if exists "${name}" with (force)`);
      await a.end();
    },
  };
}
