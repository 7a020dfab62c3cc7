// npx tsx bench/pipeline-cpu.ts [batch size] [messages]: the chat pipeline alone, in this process (no HTTP, no outbox),
// over stored staff entry messages taken in batches as the inbox takes them; prints CPU and wall ms per message, and
// the database's CPU per message (this scratch database's backends). A batch of 1 takes the inbox's one-message path.
import { benchConfig, createScratch } from './lib/scratch.js';
import { seedFarmers, seedStaff } from './lib/seed.js';
import { messageFor } from './load/webhook-load.js';
import { openDatabase } from '../src/db/orm.js';
import { createLogger } from '../src/logger.js';
import { processInboundBatch, processInboundMessage } from '../src/chat/pipeline.js';
import { dbCpuSeconds } from './scenarios/ingest.js';
import { localDate } from '../src/domain/market-time.js';

const batch = Number(process.argv[2] ?? 32);
const amount = Number(process.argv[3] ?? 3000);
const scratch = await createScratch('pipe');
try {
  await seedStaff(scratch.pool, 200);
  await seedFarmers(scratch.pool, 2000);
  const today = localDate(new Date(), 'Asia/Kolkata');
  const spec = { kind: 'entry' as const, senders: 200, farmers: 2000 };
  const rows = Array.from({ length: amount }, (_, n) => messageFor(spec, n));
  await scratch.pool.query(
    `insert into inbound_messages (channel, provider_message_id, sender, sender_phone, text, media_kind, received_at, raw)
     select 'cloud', 'wamid.p.' || n, f, '+' || f, t, null, $3::timestamptz, '{}'::jsonb from unnest($1::text[], $2::text[]) with ordinality as u(f, t, n)`,
    [rows.map((r) => r.from), rows.map((r) => r.text), `${today}T06:30:00+05:30`],
  );
  await scratch.pool.query('analyze');
  const { rows: ids } = await scratch.pool.query<{ id: string }>('select id::text as id from inbound_messages order by id');
  const config = benchConfig(scratch.url);
  const db = await openDatabase(config, { url: scratch.url });
  const deps = { orm: db.orm, config, logger: createLogger({ ...config, logLevel: 'warn' }) };
  const all = ids.map((r) => r.id);
  const run = (from: number) =>
    batch === 1 ? processInboundMessage(deps as never, all[from]!) : processInboundBatch(deps as never, all.slice(from, from + batch));
  // warm up on the first 5 batches, measure the rest
  let i = 0;
  for (; i < Math.max(batch * 5, 40); i += batch) await run(i);
  const d0 = await dbCpuSeconds(scratch.pool, scratch.name);
  const c0 = process.cpuUsage(),
    t0 = performance.now(),
    n0 = i;
  for (; i < all.length; i += batch) await run(i);
  const c = process.cpuUsage(c0),
    ms = performance.now() - t0,
    n = all.length - n0;
  const dbMs = ((await dbCpuSeconds(scratch.pool, scratch.name)) - d0) * 1000;
  const {
    rows: [chk],
  } = await scratch.pool.query(
    `select count(*) filter (where outcome='done')::int as done, (select count(*)::int from daily_entries) as entries, (select count(*)::int from notifications) as notes from inbound_messages`,
  );
  console.log(
    JSON.stringify({
      batch,
      n,
      cpuMsPerMsg: +((c.user + c.system) / 1000 / n).toFixed(3),
      wallMsPerMsg: +(ms / n).toFixed(3),
      dbCpuMsPerMsg: +(dbMs / n).toFixed(3),
      ...chk,
    }),
  );
  await db.close();
} finally {
  await scratch.drop();
}
