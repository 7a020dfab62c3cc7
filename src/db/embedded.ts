// The embedded PostgreSQL: PGlite with its data in DATA_DIR/db, served on a loopback port so the
// ordinary PostgreSQL driver (and so MikroORM) talks to it as to any server.
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { AppError } from '../errors.js';

export interface EmbeddedDatabase {
  url: string;
  maxConnections: number;
  db: PGlite;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder for the data; undefined keeps everything in memory (tests). */
  dataDir?: string;
  maxConnections: number;
  /** Loads a data-directory dump (from PGlite's dumpDataDir) instead of an empty cluster. */
  loadDataDir?: Blob;
}

export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  let release: (() => Promise<void>) | undefined;
  if (options.dataDir) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    try {
      // Only one process may open a PGlite folder; a second one would corrupt it.
      release = await lockfile.lock(options.dataDir, {
        lockfilePath: path.join(options.dataDir, '..', `${path.basename(options.dataDir)}.lock`),
        stale: 15_000,
        update: 5_000,
        onCompromised: (err) => {
          throw err;
        },
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'ELOCKED') {
        throw new AppError(
          'EMBEDDED_DB_LOCKED',
          `The embedded database in ${options.dataDir} is already open in another process. ` +
            'Stop that process first, or set DATABASE_URL to use a PostgreSQL server.',
        );
      }
      throw err;
    }
  }
  try {
    const db = await PGlite.create({
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections });
    await server.start();
    const url = `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
    return {
      url,
      maxConnections: options.maxConnections,
      db,
      async stop() {
        await server.stop();
        await db.close();
        await release?.();
      },
    };
  } catch (err) {
    await release?.();
    throw err;
  }
}
