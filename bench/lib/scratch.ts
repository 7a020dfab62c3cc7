// Scratch databases on the real server: created as malar_bench_<random>, migrated and seeded, always dropped.
// Nothing here ever connects to a database it did not create (apart from the server's `postgres` to create/drop).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase } from '../../src/db/orm.js';
import { createLogger } from '../../src/logger.js';
import { prepareDatabase } from '../../src/service.js';

export const SERVER = 'postgres://postgres@127.0.0.1:5432';

export interface Scratch {
  name: string;
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export function benchConfig(url: string, extra: Record<string, string> = {}): Config {
  // development: the reference seed uses its fixed passwords instead of hashing generated ones.
  return loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'warn', DATABASE_URL: url, ...extra });
}

/** A fresh database with every migration applied and the reference data seeded. */
export async function createScratch(label: string): Promise<Scratch> {
  // The creator's pid is in the name, so a second bench running at the same time leaves this one alone.
  const name = `malar_bench_${label}_p${process.pid}_${randomBytes(3).toString('hex')}`;
  if (!/^malar_bench_[a-z0-9_]+$/.test(name)) throw new Error(`bad scratch name ${name}`);
  await admin((c) => c.query(`create database "${name}"`));
  const url = `${SERVER}/${name}`;
  const config = benchConfig(url);
  const db = await openDatabase(config, { url });
  try {
    await prepareDatabase(db, config, createLogger({ ...config, logLevel: 'warn' }));
  } finally {
    await db.close();
  }
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      await admin((c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Leftovers of an interrupted run: malar_bench_* databases whose creating process is gone. */
export async function dropStaleScratch(): Promise<string[]> {
  return admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where datname like 'malar\\_bench\\_%'`);
    const stale = rows
      .map((r) => r.datname)
      .filter((name) => {
        const pid = /_p(\d+)_[0-9a-f]+$/.exec(name)?.[1];
        return !pid || !alive(Number(pid));
      });
    for (const name of stale) await c.query(`drop database if exists "${name}" with (force)`);
    return stale;
  });
}
