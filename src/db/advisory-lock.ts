// PostgreSQL advisory locks: one replica at a time runs a scheduled job. A session lock lives on its own
// connection, so it is released when the holder finishes — or dies, when its connection drops.
import pg from 'pg';

export interface HeldLock {
  release(): Promise<void>;
}

/** Tries to take the lock named `key`; null when another session holds it. */
export async function tryAdvisoryLock(url: string, key: string): Promise<HeldLock | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [key]);
    if (!res.rows[0]?.locked) {
      await client.end();
      return null;
    }
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  return {
    async release() {
      try {
        await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [key]);
      } finally {
        await client.end();
      }
    },
  };
}

/** Runs fn while holding the lock; returns { ran: false } without running when someone else holds it. */
export async function withAdvisoryLock<T>(url: string, key: string, fn: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }> {
  const lock = await tryAdvisoryLock(url, key);
  if (!lock) return { ran: false };
  try {
    return { ran: true, result: await fn() };
  } finally {
    await lock.release();
  }
}
