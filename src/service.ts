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
import { inboundSenders, storeInbound, type ProcessInbound } from './domain/inbox/inbound.js';
import { InboxProcessor, type InboxProcessorOptions } from './inbox/inbox-processor.js';
import { OutboxWorker, type DocumentResolver, type OutboxOptions } from './outbox/outbox-worker.js';
import { processInboundBatch, processInboundMessage } from './chat/pipeline.js';
import { settlementStatements } from './chat/statements.js';
import { afterLedgerDocumentSent, ledgerDocumentResolver } from './outbox/documents.js';
import { RefusedDeliveries } from './channels/cloud-api/refusals.js';
import { hasActiveAdmin } from './domain/users/users.service.js';
import { getStoredSetting } from './domain/settings/settings.service.js';
import { createJobRunner } from './jobs/jobs.js';
import type { JobRunner } from './jobs/runner.js';

export interface RunningService {
  port: number;
  db: Database;
  channel: Channel | null;
  inbox: InboxProcessor | undefined;
  outbox: OutboxWorker | undefined;
  /** Refused webhook deliveries counted since the last summary row. */
  webhookRefusals: RefusedDeliveries;
  jobs: JobRunner;
  stop(reason?: string): Promise<void>;
}

export interface ServiceOptions {
  /** Handles one stored inbound message; default: the chat pipeline. */
  processInbound?: ProcessInbound;
  /** Renders a document notification (settlement PDFs); default: a file under DATA_DIR. */
  resolveDocument?: DocumentResolver;
  createWebjsClient?: ChannelDeps['createWebjsClient'];
  outbox?: Partial<OutboxOptions>;
  inbox?: Partial<InboxProcessorOptions>;
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
  const db = await openDatabase(config);
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
  const channel = await createChannel(config, { db, logger, createWebjsClient: options.createWebjsClient });
  const outbox = channel
    ? new OutboxWorker({
        db,
        logger,
        channel,
        resolveDocument:
          options.resolveDocument ?? ledgerDocumentResolver({ orm: db.orm, dataDir: config.dataDir, timeZone: config.marketTimeZone, renderer }),
        onSent: (n) => afterLedgerDocumentSent(db.orm, n),
        recipientGapMs: config.outboxPairGapMs,
        sendingNumber: config.whatsapp.transport === 'cloud' ? `cloud:${config.whatsapp.phoneNumberId}` : config.whatsapp.transport,
        ...options.outbox,
      })
    : undefined;
  const chat = { orm: db.orm, config, logger, statements: settlementStatements({ timeZone: config.marketTimeZone }) };
  const processInbound: ProcessInbound = options.processInbound ?? ((id) => processInboundMessage(chat, id));
  const inbox = new InboxProcessor({
    db,
    logger,
    ...options.inbox,
    // Replies were just written to the outbox: deliver them now rather than at the next poll.
    process: async (id) => {
      await processInbound(id);
      outbox?.wake();
    },
    // Many messages per commit; a custom per-message processor (tests) is used as it is.
    ...(options.processInbound
      ? {}
      : {
          processBatch: async (ids: string[]) => {
            await processInboundBatch(chat, ids);
            outbox?.wake();
          },
          // Two lanes keep the database and this process busy at the same time.
          lanes: 2,
          // Plain messages cost a few statements per batch, not per message: big batches are cheap.
          maxBatch: 256,
          senderOf: (ids: string[]) => inboundSenders(db.orm.em.fork(), ids),
        }),
  });
  if (!channel) logger.info({ transport: config.whatsapp.transport }, 'no WhatsApp channel started for this transport');

  const webhookRefusals = new RefusedDeliveries({ orm: db.orm, logger });
  if (config.whatsapp.transport === 'cloud') webhookRefusals.start();
  const app = createApp({
    statementRenderer: renderer,
    config,
    db,
    logger,
    webhookRefusals,
    onInboundStored: (ids) => inbox?.submit(ids),
    ...(channel ? { readiness: async () => ({ whatsapp: channel.status() }) } : {}),
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, host: config.host }, 'listening');
  // The terminal chat finds this service by the file and talks to it over /try (src/http/try/local-service.ts).
  const forgetLocalService = tryEnabled(config) ? writeLocalService(config, port) : () => {};

  await channel?.start(async (message) => {
    const stored = await storeInbound(db.orm.em.fork(), message);
    if (!stored.duplicate) inbox?.submit([stored.id]);
  });
  // Start-up sweep: whatever was stored but not processed before a crash is handled first.
  await inbox?.start();
  outbox?.start();
  // Catch-up runs now, then every minute: schedules are re-read from the settings each time.
  const jobs = createJobRunner({ db, config, logger });
  if (config.jobsEnabled) jobs.start();
  else logger.info('scheduled jobs are off (JOBS_ENABLED=false)');

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop') =>
    (stopping ??= (async () => {
      logger.info({ reason }, 'shutting down: no new requests, finishing those in flight');
      forgetLocalService();
      await jobs.stop();
      // close() stops accepting and resolves once in-flight requests are answered; idle keep-alive sockets go now.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      });
      await channel?.stop();
      await inbox?.stop();
      await outbox?.stop();
      await webhookRefusals.stop();
      await renderer.close();
      await db.close();
      logger.info('stopped');
    })());

  return { port, db, channel, inbox, outbox, webhookRefusals, jobs, stop };
}
