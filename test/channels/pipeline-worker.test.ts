// PIPELINE_THREAD=worker (the default for the Cloud API on a PostgreSQL server): the HTTP thread verifies,
// stores and answers; the inbox pipeline, the outbox and the jobs run on a worker thread with their own pool.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startService, type RunningService } from '../../src/service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { sql } from '../support/sql.js';
import { cloudTestConfig, eventually, postStaffEntry } from '../support/channels.js';

const STAFF = '919876543211';
/** Field 19 of a task's stat line (proc(5)): its nice value. */
const niceOf = (file: string) => Number(fs.readFileSync(file, 'utf8').split(') ')[1]!.split(' ')[16]);
const logger = createLogger({ logLevel: 'silent' });
let t: TestDatabase;
let fake: FakeGraph;

beforeAll(async () => {
  t = await createTestDatabase();
  fake = await startFakeGraph();
});
afterAll(async () => {
  await fake?.close();
  await t?.close();
});

const start = (options: Parameters<typeof startService>[2] = {}) =>
  startService(cloudTestConfig(t, fake.url), logger, { outbox: { pollMs: 20 }, ...options });

/** A signed staff entry for FAR002 (10 kg at ₹200), through the real HTTP server. */
async function post(service: RunningService, wamid: string) {
  expect((await postStaffEntry(service.port, wamid)).status).toBe(200);
}

/** Per message id: its outcome, its entries, and (for all of them) the staff replies written. */
async function state(prefix: string) {
  const rows = await sql<{ id: string; outcome: string | null; entries: number }>(
    t.db,
    `select m.provider_message_id as id, m.outcome,
       (select count(*)::int from daily_entries d where d.source_message_id = m.provider_message_id) as entries
     from inbound_messages m where m.provider_message_id like ? order by 1`,
    [`${prefix}%`],
  );
  const [replies] = await sql<{ n: number }>(t.db, `select count(*)::int as n from notifications where ltrim(recipient_phone, '+') = ? and id > ?`, [
    STAFF,
    since,
  ]);
  return { rows, replies: replies!.n };
}
/** The notifications id before the test: its replies come after it. */
let since = '0';
const lastNotification = async () => (await sql<{ id: string }>(t.db, 'select coalesce(max(id), 0)::text as id from notifications'))[0]!.id;

describe('the pipeline on its worker thread', () => {
  it('turns a webhook into an entry, a reply row and a delivered reply; the HTTP thread has no inbox of its own', async () => {
    since = await lastNotification();
    const service = await start();
    try {
      expect(service.pipeline?.ok).toBe(true);
      // The worker runs 5 nice steps below this (the HTTP) thread, as the kernel reports it.
      const priority = service.pipeline!.priority;
      if (!priority?.ok) throw new Error(`pipeline priority not lowered: ${JSON.stringify(priority)}`);
      expect(niceOf(`/proc/self/task/${priority.tid}/stat`)).toBe(niceOf('/proc/thread-self/stat') + 5);
      expect(service.inbox).toBeUndefined();
      expect(service.outbox).toBeUndefined();
      const ready = await fetch(`http://127.0.0.1:${service.port}/ready`);
      expect(((await ready.json()) as { checks: { pipeline: { ok: boolean } } }).checks.pipeline).toEqual({ ok: true });

      const sentBefore = fake.accepted().length;
      await post(service, 'wamid.WORKER-ONE');
      await eventually(async () => (await state('wamid.WORKER-ONE')).rows[0]?.outcome === 'done', 'the message processed');
      const s = await state('wamid.WORKER-ONE');
      expect(s.rows).toEqual([{ id: 'wamid.WORKER-ONE', outcome: 'done', entries: 1 }]);
      expect(s.replies).toBe(1);
      // The worker's outbox sends the staff reply (₹2,000.00 = 10 × 200) and the farmer's receipt.
      await eventually(() => fake.accepted().length >= sentBefore + 2, 'the reply and the receipt sent');
      expect(
        fake
          .accepted()
          .slice(sentBefore)
          .map((m) => m.body.to)
          .sort(),
      ).toEqual([STAFF, '919876543212']);
    } finally {
      await service.stop();
    }
  });

  it('drains on stop: what was acked is processed once, either before the stop or after the next start', async () => {
    since = await lastNotification();
    const service = await start();
    const ids = Array.from({ length: 40 }, (_, i) => `wamid.WORKER-DRAIN-${String(i).padStart(2, '0')}`);
    await Promise.all(ids.map((id) => post(service, id)));
    // Stopped while the worker is still at it: its batch in hand finishes, the rest stays stored.
    await service.stop();
    const after = await state('wamid.WORKER-DRAIN-');
    expect(after.rows.map((r) => r.id)).toEqual(ids);
    for (const r of after.rows) expect([r.outcome, r.entries]).toEqual(r.outcome === 'done' ? ['done', 1] : [null, 0]);
    expect(after.replies).toBe(after.rows.filter((r) => r.outcome === 'done').length);

    // The next start's sweep (in the worker) takes the rest: every message once, one entry, one reply.
    const again = await start();
    try {
      await eventually(async () => (await state('wamid.WORKER-DRAIN-')).rows.every((r) => r.outcome === 'done'), 'all processed');
      const done = await state('wamid.WORKER-DRAIN-');
      expect(done.rows.every((r) => r.entries === 1)).toBe(true);
      expect(done.replies).toBe(40);
    } finally {
      await again.stop();
    }
  }, 120_000);

  it('a worker that dies is reported (onFatal, /ready 503), and the service still stops', async () => {
    const failures: Error[] = [];
    const service = await start({ onFatal: (err) => failures.push(err) });
    await service.pipeline!.worker.terminate();
    await eventually(() => failures.length === 1, 'the failure reported');
    expect(failures[0]!.message).toMatch(/pipeline worker exited \(code 1\) before it was stopped/);
    const ready = await fetch(`http://127.0.0.1:${service.port}/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { pipeline: { ok: boolean } } }).checks.pipeline.ok).toBe(false);
    await service.stop();
  });
});
