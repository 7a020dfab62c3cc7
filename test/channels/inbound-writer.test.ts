// Webhook deliveries arriving together are stored by one INSERT (one transaction: the rows share their xmin),
// each caller gets exactly its own new ids, a provider id sent twice is stored once, and a delivery the database
// refuses fails alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboundWriter } from '../../src/domain/inbox/inbound-writer.js';
import type { InboundMessage } from '../../src/domain/inbox/inbound.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

let n = 0;
const message = (id: string, text: string = `FAR001 rose ${++n}`): InboundMessage => ({
  channel: 'cloud',
  providerMessageId: id,
  sender: '919800000001',
  senderPhone: '+919800000001',
  text,
  mediaKind: null,
  receivedAt: new Date('2030-03-02T00:40:00Z'),
});

describe('InboundWriter', () => {
  it('stores deliveries that arrive together with few statements; each caller gets its own ids in order', async () => {
    const writer = new InboundWriter(t.db.orm);
    const deliveries = Array.from({ length: 30 }, (_, i) => [message(`wamid.group.${i}.a`), message(`wamid.group.${i}.b`)]);
    const results = await Promise.all(deliveries.map((d) => writer.store(d)));

    const rows = await sql<{ id: string; provider_message_id: string; tx: string }>(
      t.db,
      `select id::text, provider_message_id, xmin::text as tx from inbound_messages where provider_message_id like 'wamid.group.%'`,
    );
    expect(rows).toHaveLength(60);
    const idOf = new Map(rows.map((r) => [r.provider_message_id, r.id]));
    results.forEach((ids, i) => expect(ids).toEqual([idOf.get(`wamid.group.${i}.a`), idOf.get(`wamid.group.${i}.b`)]));
    // The first delivery goes alone (nothing was waiting); the other 29 waited for it and went together.
    expect(new Set(rows.map((r) => r.tx)).size).toBe(2);
  });

  it('a provider id already stored, or sent twice at once, is stored once: only its first delivery gets the id', async () => {
    const writer = new InboundWriter(t.db.orm);
    const [first] = await writer.store([message('wamid.dup.1')]);
    const [again, twiceA, twiceB] = await Promise.all([
      writer.store([message('wamid.dup.1')]),
      writer.store([message('wamid.dup.2'), message('wamid.dup.3')]),
      writer.store([message('wamid.dup.2')]),
    ]);
    expect(first).toMatch(/^\d+$/);
    expect(again).toEqual([]);
    expect(twiceA).toHaveLength(2);
    expect(twiceB).toEqual([]);
    const rows = await sql<{ c: number }>(t.db, `select count(*)::int as c from inbound_messages where provider_message_id like 'wamid.dup.%'`);
    expect(rows[0]!.c).toBe(3);
  });

  it('a delivery the database refuses fails alone; the others arriving with it are stored', async () => {
    const writer = new InboundWriter(t.db.orm);
    // PostgreSQL text cannot hold a NUL character.
    const results = await Promise.allSettled([
      writer.store([message('wamid.bad.0')]),
      writer.store([message('wamid.bad.1')]),
      writer.store([message('wamid.bad.2', 'FAR001 rose \u0000 2')]),
      writer.store([message('wamid.bad.3')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const rows = await sql<{ p: string }>(
      t.db,
      `select provider_message_id as p from inbound_messages where provider_message_id like 'wamid.bad.%' order by 1`,
    );
    expect(rows.map((r) => r.p)).toEqual(['wamid.bad.0', 'wamid.bad.1', 'wamid.bad.3']);
  });
});
