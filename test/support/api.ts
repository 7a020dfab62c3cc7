// An app over a fresh test database, with known passwords for the seeded admin and staff.
import { createApp, type App } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { hashPassword } from '../../src/domain/users/password.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { sql } from './sql.js';

export const ADMIN = { email: 'admin@malar.com', password: 'admin-test-pass-1' };
export const STAFF = { email: 'staff1@malar.com', password: 'staff-test-pass-1' };

export interface ApiHarness {
  t: TestDatabase;
  app: App;
  /** Signs in and returns the Bearer token. */
  login(who: { email: string; password: string }): Promise<string>;
  /** A JSON request; token adds the Authorization header. */
  call(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  close(): Promise<void>;
}

export async function createApiHarness(config: Partial<Config> = {}): Promise<ApiHarness> {
  const t = await createTestDatabase({ config });
  await sql(t.db, 'update users set password_hash = ? where email = ?', [await hashPassword(ADMIN.password), ADMIN.email]);
  await sql(t.db, 'update users set password_hash = ? where email = ?', [await hashPassword(STAFF.password), STAFF.email]);
  const app = createApp({ config: t.config, db: t.db, logger: createLogger({ logLevel: 'silent' }) });
  const call: ApiHarness['call'] = (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    return Promise.resolve(app.request(path, { method, headers, body }));
  };
  return {
    t,
    app,
    call,
    async login(who) {
      const res = await call('POST', '/api/auth/login', { body: who });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
    close: () => t.close(),
  };
}

/** Parses a JSON body, typed loosely for assertions. */
export const body = async (res: Response) => (await res.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
