// Rolling restarts depend on SIGTERM: a service whose log reader has gone (a crashed `tee`, a restarted log
// collector) must keep serving and still stop within its grace period, not hang in a write to stdout.
import { spawn } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { emptyServerDatabase } from '../support/service-process.js';

const GRACE_MS = 3_000;

describe('stopping with a dead stdout', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('keeps serving, then exits within the grace period after SIGTERM, when the reader of its stdout was killed', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-stdout-'));
    cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const serverUrl = inject('serverUrl');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
      // Every request is logged at debug: plenty of lines to fill the pipe.
      LOG_LEVEL: 'debug',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      NODE_ENV: 'test',
    };
    if (serverUrl) {
      const scratch = await emptyServerDatabase(serverUrl);
      cleanup.push(() => scratch.drop());
      env.DATABASE_URL = scratch.url;
    }
    // `service | tee`: when the reader dies, the pipe's read end can stay open in a process that never reads
    // (here a `sleep` it started, as a log collector's helper might): the pipe fills, writes get EAGAIN.
    const sh = spawn('sh', ['-c', `"${process.execPath}" --import tsx src/main.ts | { exec 3<&0; sleep 300 <&3 3<&- & exec cat >/dev/null; }`], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const kids = await children(sh.pid!, 3);
    const command = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const service = kids.find((p) => command(p).includes('src/main.ts'))!;
    const reader = kids.find((p) => command(p).startsWith('cat'))!;
    const holder = kids.find((p) => command(p).startsWith('sleep'))!;
    cleanup.push(() => {
      for (const pid of [service, holder]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    });
    const port = Number(env.PORT);
    // Start-up goes on after listening (the inbox sweep, the scheduler): let it finish first.
    for (let i = 0; i < 1500 && (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null))?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }

    process.kill(reader, 'SIGKILL');
    // Far more log lines than a pipe holds; each request must still be answered.
    let answered = 0;
    for (let i = 0; i < 1200; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(30_000) });
      if (res.ok) answered++;
    }
    expect(answered).toBe(1200);

    process.kill(service, 'SIGTERM');
    let alive = true;
    for (let waited = 0; alive && waited < GRACE_MS + 7_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      alive = isAlive(service);
    }
    expect(alive).toBe(false);
    // A first start on an empty embedded database (migrations in WebAssembly) is slow on a busy box.
  }, 180_000);
});

function isAlive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function children(pid: number, count: number): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    const direct = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    const all = [...direct];
    for (const c of direct) {
      try {
        all.push(...fs.readFileSync(`/proc/${c}/task/${c}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
      } catch {
        // exited
      }
    }
    if (all.length >= count) return all;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the pipeline did not start');
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
