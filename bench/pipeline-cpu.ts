// npx tsx bench/pipeline-cpu.ts [batch size] [messages]: the chat pipeline alone, in this process (no HTTP, no outbox),
// over stored staff entry messages taken in batches as the inbox takes them; prints CPU and wall ms per message.
import { benchConfig, createScratch } from './lib/scratch.js';
import { seedFarmers, seedStaff } from './lib/seed.js';
import { messageFor } from './load/webhook-load.js';
import { openDatabase } from '../src/db/orm.js';
import { createLogger } from '../src/logger.js';
import { processInboundBatch } from '../src/chat/pipeline.js';
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
  // warm up on the first 5 batches, measure the rest
  let i = 0;
  for (; i < batch * 5; i += batch) await processInboundBatch(deps as never, all.slice(i, i + batch));
  const c0 = process.cpuUsage(),
    t0 = performance.now(),
    n0 = i;
  for (; i < all.length; i += batch) await processInboundBatch(deps as never, all.slice(i, i + batch));
  const c = process.cpuUsage(c0),
    ms = performance.now() - t0,
    n = all.length - n0;
  const {
    rows: [chk],
  } = await scratch.pool.query(
    `select count(*) filter (where outcome='done')::int as done, (select count(*)::int from daily_entries) as entries, (select count(*)::int from notifications) as notes from inbound_messages`,
  );
  console.log(JSON.stringify({ batch, n, cpuMsPerMsg: +((c.user + c.system) / 1000 / n).toFixed(3), wallMsPerMsg: +(ms / n).toFixed(3), ...chk }));
  await db.close();
} finally {
  await scratch.drop();
}
