// node scripts/build.mjs [--out DIR] [extra entry .ts ...]
// Transpiles the service's TypeScript to plain JavaScript (esbuild, type-only syntax removed, no bundling: the
// same files and relative paths), so `npm start` runs node on JavaScript without tsx's loader. tsx costs the
// service memory in each of its threads (its hooks, esbuild's worker, source maps held in memory);
// bench/HISTORY.md has the measurement. Types are checked by `npm run typecheck`, not here.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every .ts of the service (src, migrations, seeds, the ORM config) plus `extra`, into `out`, same layout. */
export async function buildService({ out = path.join(root, 'dist'), extra = [] } = {}) {
  const sources = ['src', 'migrations', 'seeds'].flatMap((dir) => walk(path.join(root, dir)));
  const entryPoints = [...sources.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), path.join(root, 'mikro-orm.config.ts'), ...extra];
  // Built beside, then swapped in: a replica starting from the same checkout meanwhile never sees half a tree.
  const next = `${out}.next-${process.pid}`;
  fs.rmSync(next, { recursive: true, force: true });
  await build({ entryPoints, outdir: next, outbase: root, format: 'esm', platform: 'node', target: 'node22', logLevel: 'warning' });
  // Files the code reads next to itself (the try page's script, the console's assets).
  for (const f of sources.filter((f) => !f.endsWith('.ts'))) {
    const to = path.join(next, path.relative(root, f));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(f, to);
  }
  // Read relative to the code (src/i18n.ts, src/pdf/fonts.ts: `../templates`) and resolved from it.
  fs.symlinkSync(path.join(root, 'templates'), path.join(next, 'templates'));
  // A tree outside the checkout (tests, the bench) still finds the packages.
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(next, 'node_modules'));
  fs.writeFileSync(path.join(next, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n');
  const old = `${out}.old-${process.pid}`;
  if (fs.existsSync(out)) fs.renameSync(out, old);
  fs.renameSync(next, out);
  fs.rmSync(old, { recursive: true, force: true });
  return out;
}

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let args;
  try {
    args = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
  } catch (err) {
    console.error(`${err.message}\nusage: node scripts/build.mjs [--out DIR] [extra entry .ts ...]`);
    process.exit(2);
  }
  await buildService({ out: args.values.out && path.resolve(args.values.out), extra: args.positionals.map((p) => path.resolve(p)) });
}
