// Everything the service does besides answering HTTP: the inbox pipeline (stored messages → entries and
// replies), the outbox (replies → WhatsApp) and the scheduled jobs. Built here once, and run either on the
// HTTP thread (PIPELINE_THREAD=main) or on a worker thread of its own (src/pipeline/worker.ts).
import type { Config } from '../config.js';
import type { Database } from '../db/orm.js';
import type { Logger } from '../logger.js';
import type { Channel } from '../channels/channel.js';
import { inboundSenders, type ProcessInbound } from '../domain/inbox/inbound.js';
import { InboxProcessor, type InboxProcessorOptions } from '../inbox/inbox-processor.js';
import { OutboxWorker, type DocumentResolver, type OutboxOptions } from '../outbox/outbox-worker.js';
import { processInboundBatch, processInboundMessage } from '../chat/pipeline.js';
import { settlementStatements } from '../chat/statements.js';
import { afterLedgerDocumentSent, ledgerDocumentResolver } from '../outbox/documents.js';
import type { StatementRenderer } from '../pdf/render-pool.js';
import { createJobRunner } from '../jobs/jobs.js';
import type { JobRunner } from '../jobs/runner.js';

/** What a test may tune: plain values only, so they reach a worker thread as they are. */
export interface BackgroundTuning {
  outbox?: Partial<Omit<OutboxOptions, 'db' | 'logger' | 'channel' | 'resolveDocument' | 'onSent' | 'random'>>;
  inbox?: Partial<Omit<InboxProcessorOptions, 'db' | 'logger' | 'process' | 'processBatch' | 'senderOf'>>;
}

export interface BackgroundOptions extends BackgroundTuning {
  /** Handles one stored inbound message; default: the chat pipeline (in batches). */
  processInbound?: ProcessInbound;
  /** Renders a document notification; default: statements drawn by `renderer`, or a file under DATA_DIR. */
  resolveDocument?: DocumentResolver;
  /** Awaited before each inbox batch and each outbox round: the HTTP thread's requests go first. */
  yieldToRequests?: { batch: () => Promise<void>; round: () => Promise<void> };
}

export interface Background {
  inbox: InboxProcessor;
  outbox: OutboxWorker | undefined;
  jobs: JobRunner;
  /** Start-up sweep first (whatever a crash left stored but unprocessed), then the outbox and the jobs. */
  start(): Promise<void>;
  /** Jobs first (none starts during the stop), then the inbox's batch in hand, then the outbox's. */
  stop(): Promise<void>;
}

export function createBackground(
  deps: { config: Config; db: Database; logger: Logger; channel: Channel | null; renderer: StatementRenderer },
  options: BackgroundOptions = {},
): Background {
  const { config, db, logger, channel, renderer } = deps;
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
        ...(options.yieldToRequests ? { beforeRound: options.yieldToRequests.round } : {}),
        ...options.outbox,
      })
    : undefined;
  const chat = { orm: db.orm, config, logger, statements: settlementStatements({ timeZone: config.marketTimeZone }) };
  const processInbound: ProcessInbound = options.processInbound ?? ((id) => processInboundMessage(chat, id));
  const inbox = new InboxProcessor({
    db,
    logger,
    ...(options.yieldToRequests ? { beforeBatch: options.yieldToRequests.batch } : {}),
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
          // Two lanes keep the database and this thread busy at the same time.
          lanes: 2,
          // Plain messages cost a few statements per batch, not per message: big batches are cheap.
          maxBatch: 256,
          senderOf: (ids: string[]) => inboundSenders(db.orm.em.fork(), ids),
        }),
  });
  const jobs = createJobRunner({ db, config, logger });
  return {
    inbox,
    outbox,
    jobs,
    async start() {
      await inbox.start();
      outbox?.start();
      // Catch-up runs now, then every minute: schedules are re-read from the settings each time.
      if (config.jobsEnabled) jobs.start();
      else logger.info('scheduled jobs are off (JOBS_ENABLED=false)');
    },
    async stop() {
      await jobs.stop();
      await inbox.stop();
      await outbox?.stop();
    },
  };
}
