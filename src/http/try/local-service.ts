// How the terminal chat finds a service already running on the same data folder or database: the service writes
// DATA_DIR/console-service.json (its port, process id, which database, and a random token, readable by this user
// only); `npm run chat` reads it, checks the process is alive and the database is its own, and then talks to the
// service's /try API with the token instead of opening the database itself.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';

export const TRY_TOKEN_HEADER = 'x-malar-try-token';
const FILE = 'console-service.json';
const token = randomBytes(24).toString('hex');

/** This process's token (a fresh one per start). */
export const localServiceToken = () => token;

export interface LocalService {
  pid: number;
  port: number;
  token: string;
  database: string;
}

/** Which database a configuration names, without its password: embedded:<folder> or the server's host/port/name. */
export function databaseIdentity(config: Pick<Config, 'databaseUrl' | 'dataDir'>): string {
  if (!config.databaseUrl) return `embedded:${path.resolve(config.dataDir)}`;
  const u = new URL(config.databaseUrl);
  return `server:${u.hostname}:${u.port || '5432'}${u.pathname}`;
}

export function writeLocalService(config: Config, port: number): () => void {
  const file = path.join(config.dataDir, FILE);
  const body: LocalService = { pid: process.pid, port, token, database: databaseIdentity(config) };
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(body), { mode: 0o600 });
  return () => {
    try {
      const current = JSON.parse(fs.readFileSync(file, 'utf8')) as LocalService;
      if (current.pid === process.pid) fs.rmSync(file);
    } catch {
      // already gone
    }
  };
}

/** The running service on this data folder and database, if there is one. */
export function findLocalService(config: Config): LocalService | null {
  let found: LocalService;
  try {
    found = JSON.parse(fs.readFileSync(path.join(config.dataDir, FILE), 'utf8')) as LocalService;
  } catch {
    return null;
  }
  if (found.database !== databaseIdentity(config)) return null;
  try {
    process.kill(found.pid, 0);
  } catch {
    return null;
  }
  return found;
}
