import { Hono } from 'hono';
import type { AppEnv } from './types.js';
import type { AppDeps } from '../app.js';
import { migrationStatus } from '../db/schema.js';
import { advisoryLockHolders } from '../db/advisory-lock.js';
import { errorBody } from './errors.js';

/**
 * /health: the process answers. /ready: the database answers and its schema is current; it also says which
 * sessions hold the replicas' advisory locks (a migration in progress, the scheduled jobs), for operators.
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
      const checks = (await deps.readiness?.()) ?? {};
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
