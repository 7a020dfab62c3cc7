// settle: 10 k farmers × 3 weeks of entries with advances, one weekly settlement run, then statements per second.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { lastCompletePeriod, addDays } from '../../src/domain/settlements/period.js';
import type { Figure } from '../lib/report.js';
import { createScratch } from '../lib/scratch.js';
import { withoutEntryIndexes, bulkEntries, recomputeFarmerFigures, seedAdvances, seedFarmers, seedStaff } from '../lib/seed.js';
import { builtTree, NPM_SCRIPT_ENV, ROOT } from '../lib/service.js';

const FARMERS = 10_000;
const PER_FARMER = 60; // 20 a week for 3 weeks: 600,000 entries

async function child(spec: object): Promise<Record<string, number>> {
  // Built, as `npm run settle` runs: node on JavaScript, no tsx loader in the measured process.
  const script = path.join(await builtTree(), 'bench', 'load', 'settle-run.js');
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [script, JSON.stringify(spec)], {
      cwd: ROOT,
      env: { ...process.env, ...NPM_SCRIPT_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Record<string, number>) : reject(new Error(`settle run failed: ${err.slice(-2000)}`)),
    );
  });
}

export async function settle(o: { quick: boolean; log: (s: string) => void }): Promise<{ figures: Figure[]; details: unknown }> {
  const farmers = o.quick ? 1_000 : FARMERS;
  const scratch = await createScratch('settle');
  try {
    const period = lastCompletePeriod('weekly', new Date(), 'Asia/Kolkata');
    await seedStaff(scratch.pool, 5);
    await seedFarmers(scratch.pool, farmers);
    const t0 = Date.now();
    await withoutEntryIndexes(scratch.pool, () =>
      bulkEntries(scratch.pool, { farmers, perFarmer: PER_FARMER, days: 21, lastDay: period.end, chunkFarmers: 1_000 }),
    );
    await seedAdvances(scratch.pool, { every: 3, day: addDays(period.end, -3) });
    await recomputeFarmerFigures(scratch.pool);
    await scratch.pool.query('analyze');
    o.log(`  settle: loaded ${farmers * PER_FARMER} entries in ${((Date.now() - t0) / 1000).toFixed(0)} s; settling ${period.label}`);
    const r = await child({ url: scratch.url, period: period.label, statements: o.quick ? 100 : 600 });
    o.log(
      `  settle: ${r.farmers} settlements, ${r.entries} entries in ${(r.settleMs! / 1000).toFixed(1)} s; ${r.statements} statements at ${r.statementsPerSec!.toFixed(0)}/s on ${r.workers} workers, CPU ${r.cpuMsPerStatement?.toFixed(1)} ms per statement; peak RSS ${r.settleRunPeakRssMb?.toFixed(0)} MB after the run, ${r.peakRssMb?.toFixed(0)} MB in all`,
    );
    const note = `${r.farmers} farmers, ${r.entries} entries`;
    return {
      figures: [
        { scenario: 'settle', figure: 'weekly settlement run', value: r.settleMs! / 1000, unit: 's', target: 10, better: 'lower', note },
        {
          scenario: 'settle',
          figure: 'statements rendered',
          value: r.statementsPerSec!,
          unit: 'PDF/s',
          target: 100,
          better: 'higher',
          note: `${r.statements} statements of ~60 lines, ${r.workers} workers`,
        },
        {
          scenario: 'settle',
          figure: 'CPU per statement',
          value: r.cpuMsPerStatement!,
          unit: 'ms',
          target: null,
          better: 'lower',
          note: 'reading and drawing, every thread of the process',
        },
        {
          scenario: 'settle',
          figure: 'settle process peak RSS',
          value: r.peakRssMb!,
          unit: 'MB',
          target: 300,
          better: 'lower',
          note: 'the run and the render pool, one process',
        },
      ],
      details: r,
    };
  } finally {
    await scratch.drop();
  }
}
