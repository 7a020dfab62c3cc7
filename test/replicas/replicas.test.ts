// Many replicas, one ledger (#17): processes and service instances sharing one PostgreSQL server. These need a
// server: the embedded database belongs to one process, so there is nothing to share there.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { openDatabase, type Database } from '../../src/db/orm.js';
import { createChannel } from '../../src/channels/create-channel.js';
import { enqueueNotification } from '../../src/domain/notifications/outbox.js';
import { createLogger } from '../../src/logger.js';
import { OutboxWorker } from '../../src/outbox/outbox-worker.js';
import { startService, type RunningService } from '../../src/service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { cloudTestConfig, eventually, fixture, sign } from '../support/channels.js';
import { emptyServerDatabase, spawnService } from '../support/service-process.js';
import { sql } from '../support/sql.js';

const serverUrl = inject('serverUrl');
const logger = createLogger({ logLevel: 'silent' });

describe.skipIf(!serverUrl)('replicas on one PostgreSQL server (skipped on the embedded database: one process owns it)', () => {
  it('two service processes started at the same moment on one empty database both come up', async () => {
    const scratch = await emptyServerDatabase(serverUrl!);
    const procs = [0, 1].map(() => spawnService({ DATABASE_URL: scratch.url, DATA_DIR: '/tmp/malar-replica-start' }));
    try {
      const ports = await Promise.all(procs.map((p) => p.listening));
      for (const port of ports) {
        const ready = await fetch(`http://127.0.0.1:${port}/ready`);
        expect(ready.status).toBe(200);
        const body = (await ready.json()) as { replicas: { migrations: string; lockHolders: { application: string }[] } };
        expect(body.replicas.migrations).toBe('current');
        // Nobody is migrating any more; whatever is held is a scheduled job's lock, named after it.
        expect(body.replicas.lockHolders.every((h) => h.application.startsWith('malar-ledger lock job:'))).toBe(true);
      }
      // One of them migrated and seeded; the other waited and found nothing to do.
      const applied = procs.flatMap((p) => p.lines.filter((l) => l.msg === 'migrations applied'));
      const seeded = procs.flatMap((p) => p.lines.filter((l) => l.msg === 'reference data and sample market seeded on a new database'));
      expect(applied).toHaveLength(1);
      expect(seeded).toHaveLength(1);
      const check = await openDatabase({ databaseUrl: scratch.url, dataDir: '/tmp', dbPoolSize: 1 });
      try {
        const [row] = await check.orm.em
          .getConnection()
          .execute<{ runs: number; names: number }[]>('select count(*)::int as runs, count(distinct name)::int as names from mikro_orm_migrations');
        expect(row!.runs).toBe(row!.names);
        const [admins] = await check.orm.em.getConnection().execute<{ n: number }[]>(`select count(*)::int as n from users where role = 'admin'`);
        expect(admins!.n).toBe(1);
      } finally {
        await check.close();
      }
    } finally {
      for (const p of procs) p.child.kill('SIGTERM');
      await Promise.all(procs.map((p) => p.exited));
      await scratch.drop();
    }
  }, 180_000);

  describe('two service instances, one staff member', () => {
    let t: TestDatabase;
    let fake: FakeGraph;
    const services: RunningService[] = [];
    beforeAll(async () => {
      t = await createTestDatabase();
      fake = await startFakeGraph();
      const config = cloudTestConfig(t, fake.url);
      for (let i = 0; i < 2; i++) services.push(await startService({ ...config, outboxPairGapMs: 0 }, logger, { outbox: { pollMs: 50 } }));
    });
    afterAll(async () => {
      for (const s of services) await s.stop();
      await fake?.close();
      await t?.close();
    });

    let seq = 0;
    async function send(port: number, text: string) {
      const id = `wamid.REPLICA-${++seq}`;
      const body = fixture('text-message.json', { now: true })
        .replace(/wamid\.HBgMOTE5ODc2NTQzMjExFQIAEhgg[A-Za-z0-9]+/, id)
        .replace('FAR001 malli 12.5', text);
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/whatsapp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
        body,
      });
      expect(res.status).toBe(200);
      return id;
    }

    it('keeps one sender’s order across replicas: entry to A, undo to B, 20 times — every entry voided, balance back, one reply each', async () => {
      const [before] = await sql<{ balance: string }>(t.db, `select current_balance::text as balance from farmers where farmer_code = 'FAR002'`);
      const ids: string[] = [];
      for (let k = 1; k <= 20; k++) {
        ids.push(await send(services[0]!.port, `FAR002 malli ${k} @100`));
        ids.push(await send(services[1]!.port, 'undo'));
      }
      const list = ids.map(() => '?').join(', ');
      await eventually(
        async () =>
          (
            await sql<{ n: number }>(
              t.db,
              `select count(*)::int as n from inbound_messages where provider_message_id in (${list}) and outcome is not null`,
              ids,
            )
          )[0]!.n === 40,
        'all 40 messages processed',
      );
      const entries = await sql<{ status: string }>(t.db, `select status from daily_entries where source_message_id in (${list})`, ids);
      expect(entries).toHaveLength(20);
      expect(entries.every((e) => e.status === 'voided')).toBe(true);
      const [after] = await sql<{ balance: string }>(t.db, `select current_balance::text as balance from farmers where farmer_code = 'FAR002'`);
      expect(after!.balance).toBe(before!.balance);
      const outcomes = await sql<{ outcome: string }>(t.db, `select outcome from inbound_messages where provider_message_id in (${list})`, ids);
      expect(outcomes.every((o) => o.outcome === 'done')).toBe(true);
      // Exactly one reply per message to the staff member, and every one of them delivered.
      const replies = await eventually(async () => {
        const rows = await sql<{ status: string }>(
          t.db,
          `select status from notifications where recipient_phone = '+919876543211' and type = 'reply'`,
        );
        return rows.length === 40 && rows.every((r) => r.status === 'sent') ? rows : null;
      }, 'all 40 replies sent');
      expect(replies).toHaveLength(40);
    });

    it('an undo that reaches replica B while replica A is still recording the entry waits for that entry', async () => {
      // Replica A is held inside its entry's transaction (the farmer row is locked here) while the undo reaches B.
      // A per-message claim would run the undo at once, before the entry exists, and the entry would stay active.
      const blocker = new pg.Client({ connectionString: t.db.url });
      await blocker.connect();
      const lockWaiters = async () =>
        (
          await blocker.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
          )
        ).rows[0]!.n;
      const outcome = async (id: string) =>
        (await sql<{ outcome: string | null }>(t.db, `select outcome from inbound_messages where provider_message_id = ?`, [id]))[0]?.outcome ?? null;
      let entryId = '';
      let undoId = '';
      try {
        await blocker.query('begin');
        await blocker.query(`select 1 from farmers where farmer_code = 'FAR003' for update`);
        entryId = await send(services[0]!.port, 'FAR003 malli 2 @100');
        await eventually(async () => (await lockWaiters()) >= 1, 'replica A waiting on the farmer row');
        undoId = await send(services[1]!.port, 'undo');
        // Either B waits behind A's claim (in order), or it has already run the undo (out of order).
        await eventually(async () => (await lockWaiters()) >= 2 || (await outcome(undoId)) !== null, 'replica B waiting, or done');
      } finally {
        await blocker.query('commit');
        await blocker.end();
      }
      await eventually(async () => (await outcome(entryId)) !== null && (await outcome(undoId)) !== null, 'both processed');
      const [entry] = await sql<{ status: string }>(t.db, `select status from daily_entries where source_message_id = ?`, [entryId]);
      expect(entry!.status).toBe('voided');
    });
  });

  describe('two outboxes against the fake Graph API', () => {
    let t: TestDatabase;
    let fake: FakeGraph;
    const pools: Database[] = [];
    const workers: OutboxWorker[] = [];
    const RATE = 5;
    const GAP_MS = 700;
    beforeAll(async () => {
      t = await createTestDatabase();
      fake = await startFakeGraph();
      const config = cloudTestConfig(t, fake.url);
      await sql(t.db, `update system_settings set value = ? where key = 'outbox_rate_per_second'`, [String(RATE)]);
      for (let i = 0; i < 2; i++) {
        // Each replica has its own pool and its own channel, as two processes would.
        const db = await openDatabase(config, { url: t.db.url });
        pools.push(db);
        const channel = (await createChannel(config, { db, logger }))!;
        workers.push(
          new OutboxWorker({
            db,
            logger,
            channel,
            sendingNumber: 'cloud:test',
            recipientGapMs: GAP_MS,
            combineUpTo: 0,
            pollMs: 20,
            pairPauseMs: 50,
            baseBackoffMs: 1,
          }),
        );
      }
    });
    afterAll(async () => {
      for (const w of workers) await w.stop();
      for (const db of pools) await db.close();
      await fake?.close();
      await t?.close();
    });

    it('share the per-number rate, keep the pair gap per person, and retry 131056 until delivered', async () => {
      const people = Array.from({ length: 8 }, (_, i) => `+9191000000${String(i).padStart(2, '0')}`);
      for (const p of people) {
        await sql(
          t.db,
          `insert into inbound_messages (channel, provider_message_id, sender, sender_phone, text, received_at, outcome)
           values ('cloud', ?, ?, ?, 'hi', now(), 'processed')`,
          [`wamid.window-${p}`, p.slice(1), p],
        );
      }
      const em = t.db.orm.em.fork();
      for (let round = 0; round < 3; round++) {
        for (const p of people)
          enqueueNotification(em, { recipientPhone: p, type: 'reply', language: 'en', payload: { text: `message ${round} to ${p}` } });
      }
      await em.flush();
      // The first send Meta sees is refused with the pair limit; it must be tried again, not failed.
      fake.script = [{ status: 400, code: 131056 }];
      for (const w of workers) w.start();
      const rows = await eventually(
        async () => {
          const all = await sql<{ status: string; attempts: number; last_error: string | null }>(
            t.db,
            'select status, attempts, last_error from notifications',
          );
          return all.length === 24 && all.every((r) => r.status === 'sent') ? all : null;
        },
        'all 24 notifications recorded as sent',
        1200,
        25,
      );
      expect(rows.filter((r) => r.last_error?.includes('131056'))).toHaveLength(0);
      expect(fake.messages.filter((m) => m.answeredId === null)).toHaveLength(1);
      expect(fake.accepted()).toHaveLength(24);

      // The rate: slots are 1/RATE s apart whichever replica sends, so the j-th send comes at least
      // (j - 1)/RATE s after the first (one slot of slack for the first send's own delay).
      const times = fake.messages.map((m) => m.at).sort((a, b) => a - b);
      for (let j = 1; j < times.length; j++) expect(times[j]! - times[0]!).toBeGreaterThanOrEqual(((j - 1) * 1000) / RATE);
      // The pair gap: one person's messages never closer than GAP_MS, in the order they were written.
      for (const p of people) {
        const mine = fake.accepted().filter((m) => m.body.to === p.slice(1));
        expect(mine.map((m) => m.body.text?.body)).toEqual([0, 1, 2].map((r) => `message ${r} to ${p}`));
        for (let k = 1; k < mine.length; k++) expect(mine[k]!.at - mine[k - 1]!.at).toBeGreaterThanOrEqual(GAP_MS);
      }
    }, 120_000);
  });
});
