// The real service in a child process on a loopback port, talking to a local fake Graph API: built to JavaScript
// and run by node, as `npm start` runs it (scripts/build.mjs). Peak RSS is the kernel's high-water mark (VmHWM).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildService } from '../../scripts/build.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const APP_SECRET = 'bench-app-secret-0123456789abcdef';
export const PHONE_NUMBER_ID = '106540352242922';

let built: Promise<string> | undefined;
/**
 * This tree built once per bench run into bench/.data/dist (not dist/: an `npm start` of the same checkout keeps
 * its own), with the settle scenario's timed script beside the service's code.
 */
export function builtTree(): Promise<string> {
  return (built ??= buildService({ out: path.join(ROOT, 'bench', '.data', 'dist'), extra: [path.join(ROOT, 'bench', 'load', 'settle-run.ts')] }));
}

export interface BenchService {
  url: string;
  pid: number;
  peakRssMb(): number;
  /** --cpu-prof writes here when profiling was asked for. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function readHwmMb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** What `npm start` and `npm run settle` add to a process's environment (package.json; docs/production.md). */
export const NPM_SCRIPT_ENV = { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };

export async function startBenchService(opts: {
  databaseUrl: string;
  graphUrl: string;
  env?: Record<string, string>;
  cpuProf?: string;
}): Promise<BenchService> {
  const port = await freePort();
  // Experiments only: BENCH_NODE_ARGS adds flags for the service's node.
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const main = path.join(await builtTree(), 'src', 'main.js');
  const args = [...extra, ...(opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] : []), main];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: opts.databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: path.join(ROOT, 'bench', '.data'),
      WHATSAPP_TRANSPORT: 'cloud',
      WHATSAPP_VERIFY_TOKEN: 'bench-verify',
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_ACCESS_TOKEN: 'bench-token',
      WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      WHATSAPP_API_BASE_URL: opts.graphUrl,
      // The fake Graph API enforces no pair limit, and a scheduled job's catch-up must not land inside a stage.
      OUTBOX_PAIR_GAP_MS: '0',
      JOBS_ENABLED: 'false',
      // Comparing the designs of issue 20: PIPELINE_THREAD=main|worker passes through (unset: the default).
      ...(process.env.PIPELINE_THREAD ? { PIPELINE_THREAD: process.env.PIPELINE_THREAD } : {}),
      // And PIPELINE_NICE (unset: the default, 5 steps below the HTTP thread).
      ...(process.env.PIPELINE_NICE ? { PIPELINE_NICE: process.env.PIPELINE_NICE } : {}),
      ...NPM_SCRIPT_ENV,
      ...opts.env,
    },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let peak = 0;
  const trace = process.env.BENCH_MEM_TRACE;
  const sampler = setInterval(() => {
    peak = Math.max(peak, readHwmMb(child.pid!));
    if (trace) {
      try {
        const st = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const f = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0) >> 10;
        fs.appendFileSync(trace, `${Date.now()} rss=${f('VmRSS')} hwm=${f('VmHWM')} anon=${f('RssAnon')} file=${f('RssFile')}\n`);
      } catch {}
    }
  }, 250);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited during start:\n${stderr}`);
    const ok = await fetch(`${url}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`service not ready after 60 s:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid!,
    peakRssMb: () => (peak = Math.max(peak, readHwmMb(child.pid!))),
    async stop() {
      peak = Math.max(peak, readHwmMb(child.pid!));
      clearInterval(sampler);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      if (stderr.trim()) process.stderr.write(`[service stderr tail]\n${stderr.slice(-1500)}\n`);
    },
  };
}
