// The embedded database's backups: PGlite's own data-directory dump (a gzipped tar of the cluster).
// The machine's pg_dump (15) refuses PGlite's PostgreSQL 17, and @electric-sql/pglite-tools 0.4.8 requires exactly
// @electric-sql/pglite 0.5.8 (we run 0.5.14), so the embedded backup is the data directory, restorable into PGlite.
import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { AppError } from '../../errors.js';
import { rowCounts } from '../tables.js';

export async function dumpEmbedded(db: PGlite, file: string): Promise<void> {
  const blob = await db.dumpDataDir('gzip');
  fs.writeFileSync(file, Buffer.from(await blob.arrayBuffer()));
}

/** Reads the archive and opens it in memory: proof that it restores, and its row counts per table. */
export async function inspectEmbeddedDump(file: string): Promise<Record<string, number>> {
  const bytes = fs.readFileSync(file);
  try {
    // A truncated gzip fails here, with a clearer message than PGlite would give.
    gunzipSync(bytes);
  } catch (err) {
    throw new AppError('BACKUP_UNREADABLE', `${file} is not a complete gzip archive (${(err as Error).message}): the file is damaged or incomplete.`);
  }
  let db: PGlite | undefined;
  try {
    db = await PGlite.create({ loadDataDir: new Blob([bytes]) });
    const pg = db;
    return await rowCounts(async (sql, params) => (await pg.query<Record<string, unknown>>(sql, params as unknown[])).rows);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('BACKUP_UNREADABLE', `${file} could not be opened as an embedded database: ${(err as Error).message}`);
  } finally {
    await db?.close().catch(() => {});
  }
}
