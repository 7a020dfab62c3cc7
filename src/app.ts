// createApp builds the HTTP application and never listens: main.ts serves it, tests call app.request().
import type { StatementRenderer } from './domain/settlements/statement-data.js';
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { Config } from './config.js';
import type { Database } from './db/orm.js';
import type { Logger } from './logger.js';
import { handleError, notFound } from './http/errors.js';
import { healthRoutes } from './http/health.js';
import { whatsappWebhookRoutes } from './channels/cloud-api/webhook.js';
import type { RefusedDeliveries } from './channels/cloud-api/refusals.js';
import { apiRoutes } from './http/api/index.js';
import { consolePages } from './http/console/index.js';
import { landingPage } from './http/landing.js';
import { tryPages, tryEnabled } from './http/try/try-page.js';
import { sessions as createSessions, type SessionOptions } from './http/auth/session.js';
import type { AppEnv } from './http/types.js';

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** Extra readiness checks (e.g. a linked WhatsApp session), shown on /ready. */
  readiness?: () => Promise<Record<string, { ok: boolean; detail?: string }>>;
  /** Ids of inbound messages the Cloud API webhook has just stored, to be processed. */
  onInboundStored?: (ids: string[]) => void;
  /** Sign-in session cache options (tests move its clock). */
  sessions?: SessionOptions;
  /** Counts refused webhook deliveries; default: one made here. */
  webhookRefusals?: RefusedDeliveries;
  /** Draws statement PDFs; the composition root chooses (default: on the request's thread). */
  statementRenderer?: StatementRenderer;
}

export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    const requestId = c.req.header('x-request-id')?.slice(0, 100) || randomUUID();
    c.set('requestId', requestId);
    c.header('x-request-id', requestId);
    const started = performance.now();
    await next();
    deps.logger.debug(
      { requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });
  app.route('/', healthRoutes(deps));
  if (deps.config.whatsapp.transport === 'cloud') app.route('/', whatsappWebhookRoutes(deps));
  const sessions = createSessions(deps, deps.sessions);
  app.use('/api/*', sessions.identify);
  app.use('/admin/*', sessions.identify);
  app.route('/api', apiRoutes(deps, sessions));
  app.use('/try', sessions.identify);
  app.use('/try/*', sessions.identify);
  app.route('/admin', consolePages(deps, sessions));
  if (tryEnabled(deps.config)) app.route('/try', tryPages(deps));
  app.route('/', landingPage(deps));
  app.notFound(notFound);
  app.onError(handleError(deps.logger));
  return app;
}

export type App = ReturnType<typeof createApp>;
