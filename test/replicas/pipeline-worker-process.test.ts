// `npm start` with the Cloud API on a PostgreSQL server runs the pipeline on a worker thread by default; SIGTERM
// must still drain it and exit 0. Needs a server: the worker is only the default (and allowed) there.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startFakeGraph, type FakeGraph } from '../support/fake-graph.js';
import { ACCESS_TOKEN, APP_SECRET, eventually, fixture, PHONE_NUMBER_ID, sign, VERIFY_TOKEN } from '../support/channels.js';
import { emptyServerDatabase, spawnService } from '../support/service-process.js';

const serverUrl = inject('serverUrl');

describe.skipIf(!serverUrl)('the service process with its pipeline worker (server only)', () => {
  let fake: FakeGraph;
  let scratch: Awaited<ReturnType<typeof emptyServerDatabase>>;
  beforeAll(async () => {
    fake = await startFakeGraph();
    scratch = await emptyServerDatabase(serverUrl!);
  });
  afterAll(async () => {
    await fake?.close();
    await scratch?.drop();
  });

  it('processes webhooks on the worker, then stops on SIGTERM with exit code 0; the next start takes the rest', async () => {
    const env = {
      DATABASE_URL: scratch.url,
      DATA_DIR: '/tmp/malar-pipeline-worker',
      WHATSAPP_TRANSPORT: 'cloud',
      WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_ACCESS_TOKEN: ACCESS_TOKEN,
      WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      WHATSAPP_API_BASE_URL: fake.url,
      OUTBOX_PAIR_GAP_MS: '0',
    };
    const ids = Array.from({ length: 30 }, (_, i) => `wamid.PROC-${String(i).padStart(2, '0')}`);
    const first = spawnService(env);
    const port = await first.listening;
    await Promise.all(
      ids.map(async (id) => {
        const body = fixture('text-message.json', { now: true })
          .replace(/wamid\.HBgMOTE5ODc2NTQzMjExFQIAEhgg[A-Za-z0-9]+/, id)
          .replace('FAR001 malli 12.5', 'FAR002 malli 10 @200');
        const res = await fetch(`http://127.0.0.1:${port}/webhooks/whatsapp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
          body,
        });
        expect(res.status).toBe(200);
      }),
    );
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    const said = first.lines.map((l) => l.msg);
    expect(said).toContain('inbox pipeline, outbox and jobs run on a worker thread');
    expect(said.at(-1)).toBe('stopped');
    expect(first.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);

    const second = spawnService(env);
    await second.listening;
    const db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
    try {
      const counts = async () =>
        (
          await db.query<{ done: number; entries: number; open: number }>(
            `select count(*) filter (where outcome = 'done')::int as done, count(*) filter (where outcome is null)::int as open,
               (select count(*)::int from daily_entries where source_message_id like 'wamid.PROC-%') as entries
             from inbound_messages where provider_message_id like 'wamid.PROC-%'`,
          )
        ).rows[0]!;
      // The worker's start-up sweep takes what the first one left: each message once.
      await eventually(async () => (await counts()).open === 0, 'nothing left open');
      expect(await counts()).toEqual({ done: 30, open: 0, entries: 30 });
    } finally {
      await db.end();
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    }
  }, 180_000);
});
