// PostgreSQL advisory locks: one replica at a time runs a scheduled job. A session lock lives on its own
// connection, so it is released when the holder finishes — or dies, when its connection drops.
import pg from 'pg';

export interface HeldLock {
  release(): Promise<void>;
}

/** Tries to take the lock named `key`; null when another session holds it. */
export async function tryAdvisoryLock(url: string, key: string): Promise<HeldLock | null> {
  // Named so /ready can say which replica holds which lock.
  const client = new pg.Client({ connectionString: url, application_name: `malar-ledger lock ${key}`.slice(0, 63) });
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

/** The session lock every replica takes around migrate-on-start and the seeding of a new database. */
export const MIGRATION_LOCK_KEY = 'malar:migrate';

/**
 * Runs fn while holding the lock `key`, waiting for it if another session holds it (replicas started together:
 * one migrates, the others wait here, then find nothing left to do). The lock lives on its own connection, so a
 * holder that dies releases it. onWait is told once when the lock is taken elsewhere.
 */
export async function withWaitingAdvisoryLock<T>(url: string, key: string, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: `malar-ledger lock ${key}`.slice(0, 63) });
  await client.connect();
  try {
    const got = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [key]);
    if (!got.rows[0]?.locked) {
      onWait?.();
      await client.query('select pg_advisory_lock(hashtextextended($1, 0))', [key]);
    }
    return await fn();
  } finally {
    // Ending the session releases the lock.
    await client.end().catch(() => {});
  }
}

export interface AdvisoryLockHolder {
  pid: number;
  application: string;
  since: string | null;
}

/** Sessions holding a session-level advisory lock right now (for /ready): who runs jobs or migrations. */
export async function advisoryLockHolders(
  exec: (sql: string) => Promise<{ pid: number; application: string; since: Date | string | null }[]>,
): Promise<AdvisoryLockHolder[]> {
  const rows = await exec(
    `select l.pid, coalesce(a.application_name, '') as application, a.backend_start as since
       from pg_locks l left join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.objsubid = 1 and l.database = (select oid from pg_database where datname = current_database())
      order by l.pid`,
  );
  return rows.map((r) => ({ pid: Number(r.pid), application: r.application, since: r.since ? new Date(r.since).toISOString() : null }));
}
