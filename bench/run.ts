// npm run bench [-- ingest|balance|settle|pdf ...] [--quick] [--cpu-prof]
// Seeds scratch databases (malar_bench_*) on the local PostgreSQL server, runs the scenarios, prints a table
// and writes bench/results.json. See bench/README.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { table, ratio, type Figure } from './lib/report.js';
import { dropStaleScratch } from './lib/scratch.js';
import { ROOT } from './lib/service.js';
import { ingest } from './scenarios/ingest.js';
import { balance } from './scenarios/balance.js';
import { settle } from './scenarios/settle.js';
import { pdf } from './scenarios/pdf.js';
import { naive } from './scenarios/naive.js';
import { sideBySide } from './lib/side-by-side.js';

// naive right after ingest: the two are compared within one run, on the same box at nearly the same time.
const SCENARIOS = { ingest, naive, balance, settle, pdf } as const;
type Name = keyof typeof SCENARIOS;

const { values, positionals } = parseArgs({ allowPositionals: true, options: { quick: { type: 'boolean' }, 'cpu-prof': { type: 'boolean' } } });
const unknown = positionals.filter((p) => !(p in SCENARIOS));
if (unknown.length) {
  console.error(`Unknown scenario ${unknown.join(', ')}; choose from ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const names = (positionals.length ? positionals : Object.keys(SCENARIOS)) as Name[];
const log = (s: string) => console.log(s);
const started = Date.now();
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadAtStart = load();
const stale = await dropStaleScratch();
if (stale.length) log(`dropped leftover scratch databases: ${stale.join(', ')}`);
log(`bench: ${names.join(', ')} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; load average ${load()}`);

const figures: Figure[] = [];
const details: Record<string, unknown> = {};
const cpuProf = values['cpu-prof'] ? path.join(ROOT, 'bench', 'profiles') : undefined;
for (const name of names) {
  const t0 = Date.now();
  log(`▶ ${name} (load average ${load()})`);
  try {
    const r = await SCENARIOS[name]({ quick: values.quick ?? false, log, cpuProf });
    figures.push(...r.figures);
    details[name] = { ...(r.details as object), seconds: (Date.now() - t0) / 1000, loadAfter: os.loadavg() };
  } catch (err) {
    console.error(`✗ ${name} failed:`, err);
    details[name] = { error: String(err instanceof Error ? err.stack : err) };
    process.exitCode = 1;
  }
  log(`  ${name} took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

const versus = sideBySide(details);
figures.push(...versus.figures);
log('');
log(table(figures));
if (versus.lines.length) log(['', ...versus.lines].join('\n'));
const total = (Date.now() - started) / 1000;
log(`\ntotal ${total.toFixed(0)} s; load average now ${load()}`);
const result = {
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    loadAverageAtStart: loadAtStart,
  },
  seconds: total,
  figures: figures.map((f) => ({ ...f, ratio: ratio(f) })),
  details,
};
fs.writeFileSync(path.join(ROOT, 'bench', 'results.json'), JSON.stringify(result, null, 2));
log('wrote bench/results.json');
