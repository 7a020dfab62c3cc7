import type { Database } from '../../src/db/orm.js';

/** Runs raw SQL on the test database and returns the rows. */
export async function sql<T = Record<string, unknown>>(db: Database, query: string, params: unknown[] = []): Promise<T[]> {
  return db.orm.em.getConnection().execute<T[]>(query, params);
}

/** The PostgreSQL error code a statement fails with, or null when it succeeds. */
export async function sqlErrorCode(db: Database, query: string, params: unknown[] = []): Promise<string | null> {
  try {
    await sql(db, query, params);
    return null;
  } catch (err) {
    const e = err as { code?: string; cause?: { code?: string } };
    return e.code ?? e.cause?.code ?? 'unknown';
  }
}
