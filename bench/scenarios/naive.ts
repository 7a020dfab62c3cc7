// naive: the reference design of issue 20 (bench/naive/server.ts, one transaction per message) under the same
// load, sizes and checks as ingest, so the report can put the two side by side.
import { spawn } from 'node:child_process';
import type { Figure } from '../lib/report.js';
import { createScratch } from '../lib/scratch.js';
import { seedFarmers, seedStaff } from '../lib/seed.js';
import { APP_SECRET, freePort, ROOT } from '../lib/service.js';
import { exactness, FARMERS, runStages, STAFF, STAGES } from './ingest.js';

export async function naive(o: { quick: boolean; log: (s: string) => void }): Promise<{ figures: Figure[]; details: unknown }> {
  const scratch = await createScratch('naive');
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/naive/server.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATABASE_URL: scratch.url, PORT: String(port), APP_SECRET },
  });
  try {
    await seedStaff(scratch.pool, STAFF);
    await seedFarmers(scratch.pool, FARMERS);
    await scratch.pool.query('analyze');
    const url = `http://127.0.0.1:${port}`;
    for (let ready = false, deadline = Date.now() + 60_000; !ready;) {
      if (child.exitCode !== null) throw new Error('the naive server exited during start');
      if (Date.now() > deadline) throw new Error('the naive server was not ready after 60 s');
      ready = await fetch(`${url}/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    const results = await runStages({ scratch, url, pid: child.pid!, stages: STAGES(o.quick), log: o.log, label: 'naive' });
    const c = await exactness(scratch);
    o.log(`  naive check: ${JSON.stringify(c.counts)} → ${c.exact ? 'exactly one entry, reply and receipt per message' : 'MISMATCH'}`);
    const figures: Figure[] = results.flatMap((r) => [
      {
        scenario: 'naive',
        figure: `sustained, fully processed c=${r.connections}`,
        value: r.sustained,
        unit: 'msg/s',
        target: null,
        better: 'higher' as const,
        note: `acks ${r.load.requestsPerSec.toFixed(0)}/s`,
      },
      { scenario: 'naive', figure: `ack p99 c=${r.connections}`, value: r.load.latency.p99, unit: 'ms', target: null, better: 'lower' as const },
      {
        scenario: 'naive',
        figure: `server CPU per message c=${r.connections}`,
        value: r.cpuMsPerMessage,
        unit: 'ms',
        target: null,
        better: 'lower' as const,
      },
    ]);
    figures.push({ scenario: 'naive', figure: 'one entry per message', value: c.exact ? 1 : 0, unit: 'ok', target: 1, better: 'higher' });
    return { figures, details: { stages: results, check: c.counts } };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    if (child.exitCode === null) child.kill('SIGKILL');
    await scratch.drop();
  }
}
