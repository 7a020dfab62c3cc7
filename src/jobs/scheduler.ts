// node-cron schedules in the market's time zone. Every job runs under a PostgreSQL advisory lock (through
// node-cron's RunCoordinator), so of several running instances one does the work, and with noOverlap a slow
// run is never started twice. Jobs must still be idempotent: a late replica may run a tick after the first ends.
import cron, { type RunCoordinator, type ScheduledTask } from 'node-cron';
import { tryAdvisoryLock, type HeldLock } from '../db/advisory-lock.js';
import type { Logger } from '../logger.js';

export interface JobDefinition {
  name: string;
  /** Cron expression in the market's time zone, e.g. '0 2 * * *'. */
  schedule: string;
  run: (ctx: { scheduledFor: Date }) => Promise<unknown>;
}

export function advisoryLockCoordinator(url: string, logger: Logger): RunCoordinator {
  const held = new Map<string, HeldLock>();
  return {
    async shouldRun(key) {
      const lock = await tryAdvisoryLock(url, `job:${key}`);
      if (!lock) {
        logger.info({ job: key }, 'job skipped: another instance holds its lock');
        return false;
      }
      held.set(key, lock);
      return true;
    },
    async onComplete(key) {
      const lock = held.get(key);
      held.delete(key);
      await lock?.release();
    },
  };
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];

  constructor(
    private readonly options: { databaseUrl: string; timeZone: string; logger: Logger },
  ) {}

  add(job: JobDefinition): ScheduledTask {
    if (!cron.validate(job.schedule)) throw new Error(`Job ${job.name}: invalid cron expression "${job.schedule}"`);
    const logger = this.options.logger.child({ job: job.name });
    const task = cron.createTask(
      job.schedule,
      async (ctx) => {
        const started = Date.now();
        logger.info('job started');
        try {
          const result = await job.run({ scheduledFor: ctx.date });
          logger.info({ ms: Date.now() - started, result }, 'job finished');
          return result;
        } catch (err) {
          logger.error({ err, ms: Date.now() - started }, 'job failed');
          throw err;
        }
      },
      {
        name: job.name,
        timezone: this.options.timeZone,
        noOverlap: true,
        distributed: true,
        runCoordinator: advisoryLockCoordinator(this.options.databaseUrl, logger),
      },
    );
    this.tasks.push(task);
    return task;
  }

  start() {
    for (const task of this.tasks) void task.start();
  }

  async stop() {
    await Promise.all(this.tasks.map((t) => t.stop()));
  }
}
