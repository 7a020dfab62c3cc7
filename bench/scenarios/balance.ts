// balance: a big ledger (5 M entries, 20 k farmers), then farmers ask `bal` / `இருப்பு` one after another;
// each latency runs from the signed webhook POST to the reply row being visible in the outbox.
import { createHmac, randomBytes } from 'node:crypto';
import { startFakeGraph } from '../../test/support/fake-graph.js';
import { localDate } from '../../src/domain/market-time.js';
import { addDays } from '../../src/domain/settlements/period.js';
import { deliveryFor, messageFor, type LoadSpec } from '../load/webhook-load.js';
import type { Figure } from '../lib/report.js';
import { createScratch } from '../lib/scratch.js';
import { withoutEntryIndexes, bulkEntries, recomputeFarmerFigures, seedFarmers, seedStaff } from '../lib/seed.js';
import { APP_SECRET, PHONE_NUMBER_ID, startBenchService } from '../lib/service.js';
import { mean, percentile } from '../lib/stats.js';

const FARMERS = 20_000;
const PER_FARMER = 250; // 5,000,000 entries
const WARM_UP = 50;

export async function balance(o: { quick: boolean; log: (s: string) => void; cpuProf?: string }): Promise<{ figures: Figure[]; details: unknown }> {
  const perFarmer = o.quick ? 10 : PER_FARMER;
  const asks = o.quick ? 100 : 500;
  const scratch = await createScratch('balance');
  const graph = await startFakeGraph();
  let svc: Awaited<ReturnType<typeof startBenchService>> | undefined;
  try {
    await seedStaff(scratch.pool, 20);
    await seedFarmers(scratch.pool, FARMERS);
    const today = localDate(new Date(), 'Asia/Kolkata');
    const t0 = Date.now();
    await withoutEntryIndexes(scratch.pool, () =>
      bulkEntries(scratch.pool, { farmers: FARMERS, perFarmer, days: 250, lastDay: addDays(today, -1), chunkFarmers: 1_000 }),
    );
    await recomputeFarmerFigures(scratch.pool);
    // A ledger in steady state has been vacuumed; right after a 5 M-row load autovacuum would otherwise run
    // through the asks, competing for the two cores.
    await scratch.pool.query('vacuum (analyze)');
    const {
      rows: [{ n: entries } = { n: 0 }],
    } = await scratch.pool.query<{ n: number }>('select count(*)::int as n from daily_entries');
    const loadS = (Date.now() - t0) / 1000;
    o.log(`  balance: loaded ${entries} entries for ${FARMERS} farmers in ${loadS.toFixed(0)} s`);
    // Diagnosis only (BENCH_OUTBOX=off), as in ingest: the replies are not sent while the next ask is processed.
    if (process.env.BENCH_OUTBOX === 'off') await scratch.pool.query(`update system_settings set value = 'false' where key = 'whatsapp_enabled'`);

    svc = await startBenchService({ databaseUrl: scratch.url, graphUrl: graph.url, cpuProf: o.cpuProf });
    const spec: LoadSpec = {
      url: svc.url,
      appSecret: APP_SECRET,
      phoneNumberId: PHONE_NUMBER_ID,
      connections: 1,
      amount: WARM_UP + asks,
      runId: `bal${randomBytes(3).toString('hex')}`,
      timestamp: Math.floor(Date.now() / 1000),
      kind: 'balance',
      senders: 1,
      farmers: FARMERS,
    };
    const latencies: number[] = [];
    // POST → 200 alone: separates the webhook's share (storing) from the pipeline's (processing, reply row).
    const acks: number[] = [];
    // The rest of each ask (its 200 → the reply row): the pipeline's share.
    const processing: number[] = [];
    // The first asks of a fresh process are its warm-up (code not yet optimised, statements and connections
    // new) and far slower than the rest: a few of them alone made the p99. A market's service has been running
    // for hours; those asks are sent and not counted.
    for (let n = 0; n < WARM_UP + asks; n++) {
      const { from } = messageFor(spec, n);
      const phone = `+${from}`;
      const {
        rows: [before],
      } = await scratch.pool.query<{ id: string }>(`select coalesce(max(id), 0)::text as id from notifications where recipient_phone = $1`, [phone]);
      const body = deliveryFor(spec, n);
      const start = performance.now();
      const res = await fetch(`${svc.url}/webhooks/whatsapp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`,
        },
        body,
      });
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
      await res.arrayBuffer();
      const acked = performance.now() - start;
      for (;;) {
        const { rowCount } = await scratch.pool.query(
          `select 1 from notifications where recipient_phone = $1 and id > $2 and type = 'reply' limit 1`,
          [phone, before!.id],
        );
        if (rowCount) break;
        if (performance.now() - start > 10_000) throw new Error(`no reply to ${phone} after 10 s`);
        await new Promise((r) => setTimeout(r, 1));
      }
      if (n < WARM_UP) continue;
      acks.push(acked);
      latencies.push(performance.now() - start);
      processing.push(latencies.at(-1)! - acked);
    }
    latencies.sort((a, b) => a - b);
    acks.sort((a, b) => a - b);
    processing.sort((a, b) => a - b);
    await svc.stop();
    const rss = svc.peakRssMb();
    svc = undefined;
    const note = `${(entries / 1e6).toFixed(2)} M entries, ${asks} asks one at a time`;
    o.log(
      `  balance: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, mean ${mean(latencies).toFixed(1)} ms; ack alone p50 ${percentile(acks, 50).toFixed(1)} ms, p99 ${percentile(acks, 99).toFixed(1)} ms; ack → reply row p50 ${percentile(processing, 50).toFixed(1)} ms, p99 ${percentile(processing, 99).toFixed(1)} ms`,
    );
    return {
      figures: [
        { scenario: 'balance', figure: 'bal end to end p50', value: percentile(latencies, 50), unit: 'ms', target: null, better: 'lower', note },
        { scenario: 'balance', figure: 'bal end to end p99', value: percentile(latencies, 99), unit: 'ms', target: 20, better: 'lower', note },
        { scenario: 'balance', figure: 'service peak RSS', value: rss, unit: 'MB', target: 300, better: 'lower' },
      ],
      details: {
        entries,
        loadSeconds: loadS,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.at(-1),
        ackP50: percentile(acks, 50),
        ackP99: percentile(acks, 99),
        processingP50: percentile(processing, 50),
        processingP99: percentile(processing, 99),
      },
    };
  } finally {
    await svc?.stop();
    await graph.close();
    await scratch.drop();
  }
}
