// Closing the database while a query is still opening a connection: the close must finish and leave
// no connection behind. em.findAndCount() leaves exactly such a query behind when its count fails
// first, so a request can answer 500 while its find is still connecting; the service (and every test
// file) then closes the database. With kysely ≤ 0.29.8 the late connection was checked out of the pg
// pool and never given back, so pool.end() — and the close — waited forever.
import { afterAll, describe, expect, it } from 'vitest';
import type { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let t: TestDatabase | undefined;
afterAll(() => t?.close());

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('closing the database', () => {
  it('finishes while a query is still opening a new connection, and leaves no connection open', { timeout: 30_000 }, async () => {
    t = await createTestDatabase({ config: { dbPoolSize: 4 } });
    const conn = t.db.orm.em.getConnection();
    const pool: Pool = await conn.getNativeClient();
    const existing = pool.totalCount;
    expect(existing).toBeLessThan(4); // room for one more connection

    // One query more than there are open connections: the last one has to open a new connection.
    const queries = Array.from({ length: existing + 1 }, () => conn.execute('select 1 as one'));
    const settled = Promise.allSettled(queries);
    while (pool.totalCount === existing) await nextTurn();
    // The new connection has only just been asked for: its handshake needs more round trips than one turn.
    expect(pool.totalCount).toBe(existing + 1);

    const closing = t;
    t = undefined;
    // Hangs (and the test times out) when the late connection is never given back to the pool.
    await closing.close();

    expect(pool.ended).toBe(true);
    expect(pool.totalCount).toBe(0);
    // Every query finished: answered on a connection it got in time, or refused for the closed pool.
    const outcomes = await settled;
    expect(outcomes).toHaveLength(existing + 1);
    for (const o of outcomes) {
      if (o.status === 'fulfilled') expect(o.value).toEqual([{ one: 1 }]);
      else expect(String(o.reason)).toMatch(/destroyed/);
    }
  });
});
