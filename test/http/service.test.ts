import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { startService } from '../../src/service.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { AppError } from '../../src/errors.js';

const logger = createLogger({ logLevel: 'silent' });

describe('/health and /ready', () => {
  let empty: TestDatabase;
  beforeAll(async () => {
    empty = await createTestDatabase({ prepared: false });
  });
  afterAll(() => empty?.close());

  it('says not ready while migrations are pending, with a JSON error code', async () => {
    const app = createApp({ config: empty.config, db: empty.db, logger });
    expect((await app.request('/health')).status).toBe(200);
    const res = await app.request('/ready');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string }; pending: string[] };
    expect(body.error.code).toBe('MIGRATIONS_PENDING');
    expect(body.pending.length).toBeGreaterThan(0);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const app = createApp({ config: empty.config, db: empty.db, logger });
    const res = await app.request('/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'There is nothing at GET /nope.' } });
  });
});

describe('the service on the embedded database', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-service-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const config = () => testConfig({ databaseUrl: undefined, dataDir, port: 0, host: '127.0.0.1' });

  it('starts migrated and seeded, refuses a second process on the same folder, and stops cleanly', async () => {
    const service = await startService(config(), logger);
    try {
      const base = `http://127.0.0.1:${service.port}`;
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', database: 'embedded' });
      expect(await sql(service.db, 'select farmer_code from farmers order by 1')).toEqual([
        { farmer_code: 'FAR001' },
        { farmer_code: 'FAR002' },
        { farmer_code: 'FAR003' },
      ]);
      const second = await startService(config(), logger).then(
        async (s) => {
          await s.stop();
          return null;
        },
        (err: unknown) => err,
      );
      expect(second).toBeInstanceOf(AppError);
      expect((second as AppError).code).toBe('EMBEDDED_DB_LOCKED');
      // The first one is unharmed.
      expect((await fetch(`${base}/ready`)).status).toBe(200);
    } finally {
      await service.stop('test');
    }
    await expect(fetch(`http://127.0.0.1:${service.port}/health`)).rejects.toThrow();

    // The lock is released on stop: it opens again, with the data kept and nothing seeded twice.
    const again = await startService(config(), logger);
    try {
      const [row] = await sql<{ n: string }>(again.db, 'select count(*)::text as n from users');
      expect(row!.n).toBe('2');
    } finally {
      await again.stop('test');
    }
  });
});
