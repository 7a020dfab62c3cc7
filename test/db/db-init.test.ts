// db:init: the database, an owner role for migrations and an application role with DML only. The service runs
// as the application role; DDL is refused to it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testConfig } from '../support/database.js';
import { adminUrl, withDatabaseName } from '../support/urls.js';
import { createLogger } from '../../src/logger.js';
import { openDatabase } from '../../src/db/orm.js';
import { migrateUp } from '../../src/db/schema.js';
import { initDatabase } from '../../src/ops/db-init.js';
import { startService } from '../../src/service.js';
import { seedReference } from '../../seeds/ReferenceSeeder.js';

const server = process.env.DATABASE_URL;

async function as(url: string, sql: string): Promise<{ rows: Record<string, unknown>[] } | { error: string }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return { rows: (await c.query(sql)).rows };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    await c.end();
  }
}

describe.runIf(Boolean(server))('db:init on a PostgreSQL server', () => {
  const suffix = randomBytes(3).toString('hex');
  const name = `malar_init_${suffix}`;
  const appRole = `malar_app_${suffix}`;
  const ownerRole = `${appRole}_owner`;

  afterAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl(server!) });
    await admin.connect();
    await admin.query(`drop database if exists "${name}" with (force)`);
    for (const r of [appRole, ownerRole]) await admin.query(`drop role if exists "${r}"`);
    await admin.end();
  });

  it('creates the database and both roles; migrations run as the owner, the service as the app role, which cannot do DDL', async () => {
    const first = await initDatabase({ adminUrl: withDatabaseName(server!, name), appRole, ownerRole });
    expect(first).toMatchObject({
      database: name,
      databaseCreated: true,
      owner: { role: ownerRole, created: true },
      app: { role: appRole, created: true },
    });
    expect(new URL(first.app.url).username).toBe(appRole);
    expect(new URL(first.app.url).password).toMatch(/^[\w-]{24}$/);

    const config = testConfig();
    const owner = await openDatabase(config, { url: first.owner.url });
    try {
      await migrateUp(owner.orm);
      await seedReference(owner.orm, config);
    } finally {
      await owner.close();
    }

    // Run again: nothing is created twice, and passwords are not changed.
    const again = await initDatabase({ adminUrl: withDatabaseName(server!, name), appRole, ownerRole });
    expect(again).toMatchObject({ databaseCreated: false, owner: { created: false }, app: { created: false }, reassigned: 0 });
    expect(again.app.url).toContain(`${appRole}:<unchanged>@`);

    const app = first.app.url;
    const service = await startService(
      { ...config, databaseUrl: app, migrateOnStart: false, port: 0, host: '127.0.0.1' },
      createLogger({ logLevel: 'silent' }),
    );
    try {
      const ready = await fetch(`http://127.0.0.1:${service.port}/ready`);
      expect(ready.status).toBe(200);
      const login = await fetch(`http://127.0.0.1:${service.port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@malar.com', password: 'wrong password' }),
      });
      // A refused login writes a security log row: the app role may insert.
      expect(login.status).toBe(401);
    } finally {
      await service.stop();
    }
    expect(await as(app, `select count(*)::int as n from security_logs where action like 'login%'`)).toMatchObject({
      rows: [{ n: expect.any(Number) }],
    });
    expect(await as(app, `update farmers set village = village`)).toMatchObject({ rows: [] });

    expect(await as(app, 'create table sneaky (id int)')).toEqual({ error: 'permission denied for schema public' });
    expect(await as(app, 'alter table farmers add column sneaky int')).toEqual({ error: 'must be owner of table farmers' });
    expect(await as(app, 'drop table farmers')).toEqual({ error: 'must be owner of table farmers' });
    expect(await as(app, 'truncate farmers cascade')).toMatchObject({ error: expect.stringContaining('permission denied') });
    expect(await as(first.owner.url, 'create table allowed_for_owner (id int)')).toEqual({ rows: [] });
    expect(await as(first.owner.url, 'drop table allowed_for_owner')).toEqual({ rows: [] });
  });
});
