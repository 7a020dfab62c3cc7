import { Hono } from 'hono';
import type { AppEnv } from './types.js';
import type { AppDeps } from '../app.js';
import { migrationStatus } from '../db/schema.js';
import { advisoryLockHolders } from '../db/advisory-lock.js';
import { errorBody } from './errors.js';
import { hasActiveAdmin } from '../domain/users/users.service.js';
import { getStoredSetting } from '../domain/settings/settings.service.js';
import type { EntityManager } from '@mikro-orm/postgresql';

type Check = { ok: boolean; detail?: string };

/** What a market needs before it can work: an admin, and one time zone everywhere. */
async function marketChecks(em: EntityManager, timeZone: string): Promise<Record<string, Check>> {
  const setup: Check = (await hasActiveAdmin(em)) ? { ok: true } : { ok: false, detail: 'no admin yet: run npm run setup' };
  // A database from before the setting existed recorded no zone: nothing to disagree with.
  const zone = (await getStoredSetting(em, 'market_timezone')) ?? timeZone;
  const timezone: Check =
    zone === timeZone
      ? { ok: true, detail: zone }
      : { ok: false, detail: `MARKET_TIMEZONE is ${timeZone} but the market_timezone setting is ${zone}` };
  return { setup, timezone };
}

/**
 * /health: the process answers. /ready: the database answers, its schema is current, and the market is set up;
 * it also says which sessions hold the replicas' advisory locks (a migration in progress, the scheduled jobs).
 */
export function healthRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', async (c) => {
    try {
      await deps.db.orm.em.getConnection().execute('select 1');
      const { pending } = await migrationStatus(deps.db.orm);
      if (pending.length) {
        return c.json({ ...errorBody('MIGRATIONS_PENDING', `${pending.length} migration(s) pending`), pending }, 503);
      }
      const checks = {
        ...(await marketChecks(deps.db.orm.em.fork() as EntityManager, deps.config.marketTimeZone)),
        ...((await deps.readiness?.()) ?? {}),
      };
      const failing = Object.entries(checks).filter(([, v]) => !v.ok);
      const replicas = {
        migrations: 'current' as const,
        lockHolders: await advisoryLockHolders((q) => deps.db.orm.em.getConnection().execute(q)),
      };
      if (failing.length) return c.json({ status: 'not ready', database: 'ok', checks, replicas }, 503);
      return c.json({ status: 'ready', database: deps.db.kind, checks, replicas });
    } catch (err) {
      deps.logger.warn({ err }, 'readiness check failed');
      return c.json(errorBody('DATABASE_UNAVAILABLE', 'The database does not answer'), 503);
    }
  });
  return app;
}
