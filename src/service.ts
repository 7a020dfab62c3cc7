// The composition root: configuration → database → HTTP → (channels, jobs) with a clean stop.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/orm.js';
import { migrationStatus } from './db/schema.js';
import { migrateSafely } from './ops/safe-migrate.js';
import { MIGRATION_LOCK_KEY, withWaitingAdvisoryLock } from './db/advisory-lock.js';
import { createApp } from './app.js';
import { tryEnabled } from './http/try/try-page.js';
import { writeLocalService } from './http/try/local-service.js';
import { statementRenderPool } from './pdf/render-pool.js';
import type { Logger } from './logger.js';
import { seedReference } from '../seeds/ReferenceSeeder.js';
import type { Channel } from './channels/channel.js';
import { createChannel, type ChannelDeps } from './channels/create-channel.js';
import { storeInbound, type ProcessInbound } from './domain/inbox/inbound.js';
import type { InboxProcessor } from './inbox/inbox-processor.js';
import type { DocumentResolver, OutboxWorker } from './outbox/outbox-worker.js';
import { RefusedDeliveries } from './channels/cloud-api/refusals.js';
import { hasActiveAdmin } from './domain/users/users.service.js';
import { getStoredSetting } from './domain/settings/settings.service.js';
import type { JobRunner } from './jobs/runner.js';
import type { Background, BackgroundTuning } from './pipeline/background.js';
import { RequestGate } from './pipeline/ack-first.js';
import { PipelineThread, splitPool } from './pipeline/thread.js';

export interface RunningService {
  port: number;
  db: Database;
  /** The channel, inbox, outbox and jobs of this thread: with PIPELINE_THREAD=worker they are the worker's. */
  channel: Channel | null;
  inbox: InboxProcessor | undefined;
  outbox: OutboxWorker | undefined;
  jobs: JobRunner | undefined;
  /** PIPELINE_THREAD=worker: the worker thread running the inbox, outbox and jobs. */
  pipeline: PipelineThread | undefined;
  /** Refused webhook deliveries counted since the last summary row. */
  webhookRefusals: RefusedDeliveries;
  stop(reason?: string): Promise<void>;
}

export interface ServiceOptions extends BackgroundTuning {
  /** Handles one stored inbound message; default: the chat pipeline. Needs PIPELINE_THREAD=main. */
  processInbound?: ProcessInbound;
  /** Renders a document notification (settlement PDFs); default: a file under DATA_DIR. Needs PIPELINE_THREAD=main. */
  resolveDocument?: DocumentResolver;
  createWebjsClient?: ChannelDeps['createWebjsClient'];
  /** The pipeline worker failed after the start (logged already); default: the service stops. */
  onFatal?: (err: Error) => void;
}

/**
 * Brings the database up to date; on a brand-new database also seeds the catalogue (and, outside production,
 * the guide's sample market). On a PostgreSQL server this runs under one advisory lock, so replicas started
 * together take turns: the first migrates and seeds, the others wait, then find nothing left to do. The
 * embedded database belongs to one process.
 */
export async function prepareDatabase(db: Database, config: Config, logger: Logger): Promise<void> {
  if (!config.migrateOnStart || db.kind === 'embedded') return migrateAndSeed(db, config, logger);
  await withWaitingAdvisoryLock(
    db.url,
    MIGRATION_LOCK_KEY,
    () => migrateAndSeed(db, config, logger),
    () => logger.info('another replica is migrating the database; waiting for it'),
  );
}

async function migrateAndSeed(db: Database, config: Config, logger: Logger): Promise<void> {
  // Read under the lock: a replica that waited sees what the first one did.
  const { executed, pending } = await migrationStatus(db.orm);
  if (!config.migrateOnStart) {
    if (pending.length) logger.warn({ pending }, 'migrations are pending and MIGRATE_ON_START=false; /ready will say 503');
    return;
  }
  if (pending.length) {
    // In production: the plan, a verified backup first (MIGRATE_BACKUP), a lock timeout, one transaction.
    const { applied, backup } = await migrateSafely(db, config, { print: (line) => logger.info(line) });
    logger.info({ applied, backup: backup?.file }, 'migrations applied');
  }
  if (executed.length === 0) {
    const report = await seedReference(db.orm, config);
    logger.info(
      { seeded: report.lines },
      config.nodeEnv === 'production' ? 'catalogue seeded on a new database' : 'reference data and sample market seeded on a new database',
    );
    for (const c of report.createdCredentials) {
      logger.warn({ email: c.email, password: c.password }, 'new account created; this password is shown once, change it after logging in');
    }
  }
}

/** One line when the market is not set up yet (the service still starts: /ready says the same). */
async function announceSetup(db: Database, config: Config, logger: Logger): Promise<void> {
  const { pending } = await migrationStatus(db.orm);
  if (pending.length) return;
  const em = db.orm.em.fork();
  if (!(await hasActiveAdmin(em))) logger.warn('no admin yet: run `npm run setup` to name the market and create its first admin');
  const zone = await getStoredSetting(em, 'market_timezone');
  if (zone !== null && zone !== config.marketTimeZone)
    logger.error(
      { setting: zone, MARKET_TIMEZONE: config.marketTimeZone },
      'MARKET_TIMEZONE differs from the market_timezone setting: set them alike; /ready says not ready',
    );
}

export async function startService(config: Config, logger: Logger, options: ServiceOptions = {}): Promise<RunningService> {
  const onWorker = config.pipelineThread === 'worker';
  if (onWorker && (options.processInbound || options.resolveDocument))
    throw new Error('processInbound and resolveDocument run on the HTTP thread: start the service with pipelineThread "main"');
  const pools = splitPool(config.dbPoolSize);
  const db = await openDatabase(onWorker ? { ...config, dbPoolSize: pools.http } : config);
  logger.info({ database: db.kind, dataDir: db.kind === 'embedded' ? config.dataDir : undefined }, 'database open');
  try {
    await prepareDatabase(db, config, logger);
    await announceSetup(db, config, logger);
  } catch (err) {
    await db.close();
    throw err;
  }

  // Statements are drawn on worker threads (started at the first statement), off the webhooks' event loop;
  // over a server database each worker reads its own statements.
  const renderer = statementRenderPool(db);
  // PIPELINE_THREAD=main: one event loop for everything, and background work lets waiting requests go first.
  const gate = new RequestGate();
  let channel: Channel | null = null;
  let background: Background | undefined;
  let pipeline: PipelineThread | undefined;
  if (!onWorker) {
    channel = await createChannel(config, { db, logger, createWebjsClient: options.createWebjsClient });
    // Loaded only here: with the worker, the chat pipeline's modules live in the worker's heap alone.
    const { createBackground } = await import('./pipeline/background.js');
    background = createBackground(
      { config, db, logger, channel, renderer },
      {
        ...options,
        // An outbox round waits up to 20 ms for the requests in flight; an inbox batch one turn of the loop.
        yieldToRequests: { batch: () => gate.yield(0), round: () => gate.yield(20) },
      },
    );
  }
  if (!channel && !onWorker) logger.info({ transport: config.whatsapp.transport }, 'no WhatsApp channel started for this transport');

  const webhookRefusals = new RefusedDeliveries({ orm: db.orm, logger });
  if (config.whatsapp.transport === 'cloud') webhookRefusals.start();
  const app = createApp({
    statementRenderer: renderer,
    config,
    db,
    logger,
    webhookRefusals,
    onInboundStored: (ids) => (pipeline ? pipeline.submit(ids) : background?.inbox.submit(ids)),
    ...(channel ? { readiness: async () => ({ whatsapp: channel.status() }) } : {}),
    ...(onWorker
      ? { readiness: async () => ({ pipeline: pipeline?.ok ? { ok: true } : { ok: false, detail: 'the pipeline worker is not running' } }) }
      : {}),
  });
  let stop: (reason?: string) => Promise<void> = async () => {};
  if (onWorker) {
    try {
      // The start-up sweep runs in the worker before it says ready.
      pipeline = await PipelineThread.start(config, logger, {
        poolSize: pools.pipeline,
        tuning: { inbox: options.inbox, outbox: options.outbox },
        onFailure: (err) => (options.onFatal ? options.onFatal(err) : void stop('pipeline worker failed').catch(() => {})),
      });
    } catch (err) {
      await renderer.close();
      await db.close();
      throw err;
    }
    logger.info({ pools }, 'inbox pipeline, outbox and jobs run on a worker thread');
  }
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: onWorker ? app.fetch : gate.count(app.fetch), port: config.port, hostname: config.host }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, host: config.host }, 'listening');
  // The terminal chat finds this service by the file and talks to it over /try (src/http/try/local-service.ts).
  const forgetLocalService = tryEnabled(config) ? writeLocalService(config, port) : () => {};

  await channel?.start(async (message) => {
    const stored = await storeInbound(db.orm.em.fork(), message);
    if (!stored.duplicate) background?.inbox.submit([stored.id]);
  });
  // Start-up sweep (whatever was stored but not processed before a crash is handled first), outbox, jobs.
  await background?.start();

  let stopping: Promise<void> | undefined;
  stop = (reason = 'stop') =>
    (stopping ??= (async () => {
      logger.info({ reason }, 'shutting down: no new requests, finishing those in flight');
      forgetLocalService();
      await background?.jobs.stop();
      // close() stops accepting and resolves once in-flight requests are answered; idle keep-alive sockets go now.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      });
      await channel?.stop();
      // The ids of every answered request were posted before this: the worker has them all.
      try {
        await pipeline?.stop();
        await background?.stop();
      } finally {
        await webhookRefusals.stop();
        await renderer.close();
        await db.close();
      }
      logger.info('stopped');
    })());

  return {
    port,
    db,
    channel,
    inbox: background?.inbox,
    outbox: background?.outbox,
    jobs: background?.jobs,
    pipeline,
    webhookRefusals,
    stop: (reason) => stop(reason),
  };
}
