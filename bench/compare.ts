// npm run bench:compare -- <base commit> [--rounds 2] [--quick] [scenario ...]
// Benches an earlier commit against this working tree back to back, interleaved (base, this, base, this …),
// with THIS tree's harness for both: the earlier commit's src/ under today's bench/, so both do the same work
// and are measured the same way. The base checkout is a detached worktree in $BENCH_TREES (default the temp
// directory) named after the commit (npm ci once). Prints each figure's median per side and this ÷ base (> 1 is better, whichever way the figure goes),
// and writes bench/compare.json. See bench/README.md.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Figure } from './lib/report.js';
import { ROOT } from './lib/service.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '2' }, quick: { type: 'boolean' } },
});
const [base, ...scenarios] = positionals;
if (!base) {
  console.error('usage: npm run bench:compare -- <base commit> [--rounds N] [--quick] [scenario ...]');
  process.exit(2);
}
const rounds = Math.max(1, Number(values.rounds) || 2);
const sha = execFileSync('git', ['rev-parse', '--verify', `${base}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
// Outside this tree, so lint, tests and the formatter never walk it.
const tree = path.join(process.env.BENCH_TREES ?? os.tmpdir(), `malar-bench-${sha.slice(0, 12)}`);
if (!fs.existsSync(tree)) {
  execFileSync('git', ['worktree', 'add', '--detach', tree, sha], { cwd: ROOT, stdio: 'inherit' });
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: tree, stdio: 'inherit' });
}
// Today's harness over the earlier source, with today's build (both sides run built JavaScript).
fs.mkdirSync(path.join(tree, 'scripts'), { recursive: true });
for (const f of ['build.mjs', 'build.d.mts']) fs.copyFileSync(path.join(ROOT, 'scripts', f), path.join(tree, 'scripts', f));
fs.rmSync(path.join(tree, 'bench'), { recursive: true, force: true });
fs.cpSync(path.join(ROOT, 'bench'), path.join(tree, 'bench'), {
  recursive: true,
  filter: (src) => !/[/\\]bench[/\\](\.data|profiles|results\.json|compare\.json)/.test(src),
});

type Run = { side: 'base' | 'this'; figures: (Figure & { ratio: number | null })[] };
const runs: Run[] = [];
for (let r = 0; r < rounds; r++) {
  for (const [side, cwd] of [
    ['base', tree],
    ['this', ROOT],
  ] as const) {
    console.log(`\n=== round ${r + 1}/${rounds}: ${side} (${side === 'base' ? sha.slice(0, 12) : 'working tree'})`);
    const args = ['--import', 'tsx', 'bench/run.ts', ...(values.quick ? ['--quick'] : []), ...scenarios];
    const res = spawnSync(process.execPath, args, { cwd, stdio: 'inherit' });
    if (res.status !== 0) console.error(`(${side} exited ${res.status})`);
    const file = path.join(cwd, 'bench', 'results.json');
    if (fs.existsSync(file)) runs.push({ side, figures: JSON.parse(fs.readFileSync(file, 'utf8')).figures });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const keys = [...new Set(runs.flatMap((r) => r.figures.map((f) => `${f.scenario}\t${f.figure}`)))];
const rows = keys.map((key) => {
  const pick = (side: Run['side']) =>
    runs.filter((r) => r.side === side).flatMap((r) => r.figures.filter((f) => `${f.scenario}\t${f.figure}` === key));
  const b = pick('base');
  const t = pick('this');
  const f = (t[0] ?? b[0])!;
  const bm = b.length ? median(b.map((x) => x.value)) : NaN;
  const tm = t.length ? median(t.map((x) => x.value)) : NaN;
  const ratio = f.better === 'higher' ? tm / bm : bm / tm;
  return { scenario: f.scenario, figure: f.figure, unit: f.unit, better: f.better, base: bm, this: tm, ratio, samples: [b.length, t.length] };
});
const fmt = (n: number) => (!Number.isFinite(n) ? '—' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));
console.log(`\nmedians of ${rounds} interleaved round(s); ratio = this ÷ base, > 1 is better\n`);
console.log('| scenario | figure | base | this | ratio |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.scenario} | ${r.figure} | ${fmt(r.base)} ${r.unit} | ${fmt(r.this)} ${r.unit} | ${fmt(r.ratio)} |`);
fs.writeFileSync(
  path.join(ROOT, 'bench', 'compare.json'),
  JSON.stringify({ date: new Date().toISOString(), base: sha, rounds, rows, runs }, null, 2),
);
