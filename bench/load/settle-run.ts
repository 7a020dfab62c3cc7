// The settle scenario's timed part, in its own process (as `npm run settle` would be): one weekly settlement
// run over every farmer, then statements rendered through the worker-thread pool.
//   node bench/.data/dist/bench/load/settle-run.js (built by the bench: bench/lib/service.ts builtTree) '{"url":…,"period":"2026-W47","statements":400}'
// The same heap setting as npm run settle (src/ops/settle-cli.ts) and the service.
import '../../src/heap.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/orm.js';
import { parsePeriod } from '../../src/domain/settlements/period.js';
import { settlePeriod } from '../../src/domain/settlements/settlement.service.js';
import { settlementStatementData } from '../../src/domain/settlements/statement.service.js';
import * as outboxWorker from '../../src/outbox/outbox-worker.js';
import * as renderPool from '../../src/pdf/render-pool.js';

const spec = JSON.parse(process.argv[2]!) as { url: string; period: string; statements: number };
const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: spec.url });
const db = await openDatabase(config, { url: spec.url });
const period = parsePeriod('weekly', spec.period);

let t = performance.now();
const result = await settlePeriod(db.orm, { period, timeZone: config.marketTimeZone, concurrency: 2 });
const settleMs = performance.now() - t;
// The settlement run's own high-water mark, before any render worker starts.
const settleRunPeakRssMb = process.resourceUsage().maxRSS / 1024;

// Where the code has it (this tree, not earlier commits that bench:compare runs), the pool the service builds
// for a server database: each worker reads its own statements. Otherwise this thread reads and ships the data.
const outbox: Partial<typeof outboxWorker> = outboxWorker;
const mod: Partial<typeof renderPool> & Pick<typeof renderPool, 'StatementRenderPool'> = renderPool;
const pool = mod.statementRenderPool ? mod.statementRenderPool(db) : new mod.StatementRenderPool();
const ids = result.settled.slice(0, spec.statements).map((r) => r.settlementId!);
const own = (pool as { renderSettlement?: (id: string) => Promise<{ bytes: Buffer } | null> }).renderSettlement;
const renderOne = own
  ? async (id: string) => (await own(id))!.bytes
  : async (id: string) => pool.render(await settlementStatementData(db.orm.em.fork(), id));
// Warm the workers (fonts parsed once each, connections opened) before timing.
await Promise.all(Array.from({ length: pool.size }, () => renderOne(ids[0]!)));
t = performance.now();
const cpu0 = process.cpuUsage();
let bytes = 0;
if (own) {
  // Every statement asked for at once: the pool batches them per worker. Each PDF is let go when it is counted.
  await Promise.all(
    ids.map(async (id) => {
      const pdf = await renderOne(id);
      bytes += pdf.length;
      outbox.freeDocumentBytes?.(pdf); // as the outbox does once a statement is sent (where the code has it)
    }),
  );
} else {
  let next = 0;
  // A few statements' data in flight per worker, so the database reads overlap the drawing.
  await Promise.all(
    Array.from({ length: pool.size * 3 }, async () => {
      for (let i = next++; i < ids.length; i = next++) {
        // Awaited first: `bytes += await …` reads bytes before the await, so concurrent loops lost each other's sums.
        const pdf = await renderOne(ids[i]!);
        bytes += pdf.length;
      }
    }),
  );
}
const renderMs = performance.now() - t;
const renderCpu = process.cpuUsage(cpu0);
await pool.close();
await db.close();
process.stdout.write(
  JSON.stringify({
    settleMs,
    farmers: result.totals.farmers,
    entries: result.totals.entries,
    refused: result.refused.length,
    statements: ids.length,
    renderMs,
    statementsPerSec: ids.length / (renderMs / 1000),
    // Every thread of the process (the render workers too): less disturbed by the box's other load than wall time.
    cpuMsPerStatement: (renderCpu.user + renderCpu.system) / 1000 / Math.max(1, ids.length),
    meanBytes: bytes / Math.max(1, ids.length),
    workers: pool.size,
    settleRunPeakRssMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
