// One runner for every scheduled job. Each minute (and at start) it re-reads every job's schedule from the
// settings, works out the job's last due run, and runs it if job_runs has no finished run for that period and
// the run is not too stale to matter. So a schedule change takes effect within a minute, and a run missed while
// the service was down is made up (flagged late) as soon as it is back. Runs happen under a PostgreSQL advisory
// lock per job, and the job_runs check is repeated inside the lock: of several replicas, one runs it, once.
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import cron, { type ScheduledTask } from 'node-cron';
import { tryAdvisoryLock } from '../db/advisory-lock.js';
import type { JobOutcome, JobTrigger } from '../domain/job-runs/job-run.entity.js';
import { closeInterruptedRuns, finishJobRun, lastJobRuns, periodHasRun, startJobRun, type JobRunFacts } from '../domain/job-runs/job-runs.js';
import type { Logger } from '../logger.js';
import { describeSchedule, dueOn, lastDue, nextDue, type Schedule } from './schedule.js';

/** A run this much after its due time is late (flagged in job_runs and in the admins' notice). */
export const LATE_AFTER_MS = 5 * 60_000;

export interface JobContext {
  /** The runner's clock at the start of the run. */
  now: Date;
  /** When the schedule wanted this run (for a manual run: the due time of the date asked for). */
  dueAt: Date;
  period: string;
  late: boolean;
  trigger: JobTrigger;
}

export interface JobResult {
  outcome?: Exclude<JobOutcome, 'running' | 'interrupted'>;
  summary: string;
  details?: Record<string, unknown>;
}

export interface JobSpec {
  name: string;
  description: string;
  /** Read from the settings on every tick. */
  schedule(em: EntityManager): Promise<Schedule>;
  /** The period a run due at `dueAt` covers: a settlement label, a market date, a month. */
  period(em: EntityManager, dueAt: Date): Promise<string>;
  /** A missed run older than this is not made up (a rate card at noon helps nobody). */
  catchUpMs: number;
  run(ctx: JobContext): Promise<JobResult>;
}

export interface RunReport {
  job: string;
  runId: string;
  period: string;
  outcome: Exclude<JobOutcome, 'running' | 'interrupted'>;
  summary: string;
  late: boolean;
  trigger: JobTrigger;
  details: Record<string, unknown> | null;
}

export interface JobListing {
  name: string;
  description: string;
  schedule: string | null;
  scheduleError: string | null;
  nextDue: Date | null;
  lastRun: JobRunFacts | null;
}

export interface JobRunnerOptions {
  orm: MikroORM;
  databaseUrl: string;
  timeZone: string;
  logger: Logger;
  jobs: JobSpec[];
  clock?: () => Date;
  /** Told of every finished run (admin notices); errors here never fail the run. */
  onFinished?: (report: RunReport, ctx: JobContext) => Promise<void>;
}

export class JobRunner {
  private task: ScheduledTask | undefined;
  private ticking: Promise<void> | undefined;
  private readonly clock: () => Date;

  constructor(private readonly o: JobRunnerOptions) {
    this.clock = o.clock ?? (() => new Date());
  }

  get jobs(): readonly JobSpec[] {
    return this.o.jobs;
  }

  private spec(name: string): JobSpec {
    const spec = this.o.jobs.find((j) => j.name === name);
    if (!spec) throw new Error(`no job named ${name}; jobs: ${this.o.jobs.map((j) => j.name).join(', ')}`);
    return spec;
  }

  /**
   * Runs a job now under its lock. `date` (a market date) runs it as if due on that date; without it, as due
   * at its last scheduled time. Returns null when another process holds the lock.
   */
  async runNow(name: string, options: { date?: string; trigger?: JobTrigger } = {}): Promise<RunReport | null> {
    const spec = this.spec(name);
    const now = this.clock();
    const em = this.o.orm.em.fork();
    const schedule = await spec.schedule(em);
    const dueAt = options.date ? dueOn(schedule, options.date, this.o.timeZone) : lastDue(schedule, now, this.o.timeZone);
    const period = await spec.period(em, dueAt);
    return this.runLocked(spec, { now, dueAt, period, late: false, trigger: options.trigger ?? 'manual' }, false);
  }

  /** One pass over every job: runs what is due and not yet run. Returns the runs made. */
  async tick(): Promise<RunReport[]> {
    const reports: RunReport[] = [];
    for (const spec of this.o.jobs) {
      try {
        const now = this.clock();
        const em = this.o.orm.em.fork();
        const dueAt = lastDue(await spec.schedule(em), now, this.o.timeZone);
        if (now.getTime() - dueAt.getTime() > spec.catchUpMs) continue;
        const period = await spec.period(em, dueAt);
        if (await periodHasRun(em, spec.name, period)) continue;
        const late = now.getTime() - dueAt.getTime() > LATE_AFTER_MS;
        const report = await this.runLocked(spec, { now, dueAt, period, late, trigger: late ? 'catch-up' : 'schedule' }, true);
        if (report) reports.push(report);
      } catch (err) {
        // A bad setting or a database hiccup stops this job's tick, not the others'.
        this.o.logger.error({ err, job: spec.name }, 'job tick failed');
      }
    }
    return reports;
  }

  private async runLocked(spec: JobSpec, ctx: JobContext, onlyIfNotRun: boolean): Promise<RunReport | null> {
    const logger = this.o.logger.child({ job: spec.name, period: ctx.period });
    const lock = await tryAdvisoryLock(this.o.databaseUrl, `job:${spec.name}`);
    if (!lock) {
      logger.info('job skipped: another instance holds its lock');
      return null;
    }
    try {
      const em = this.o.orm.em.fork();
      await closeInterruptedRuns(em, spec.name, this.clock());
      if (onlyIfNotRun && (await periodHasRun(em, spec.name, ctx.period))) return null;
      const runId = await startJobRun(em, {
        job: spec.name,
        period: ctx.period,
        dueAt: ctx.dueAt,
        trigger: ctx.trigger,
        late: ctx.late,
        startedAt: ctx.now,
      });
      logger.info({ runId, late: ctx.late, trigger: ctx.trigger }, 'job started');
      let result: JobResult;
      try {
        result = await spec.run(ctx);
      } catch (err) {
        logger.error({ err }, 'job failed');
        result = { outcome: 'failed', summary: `failed: ${(err as Error).message ?? String(err)}` };
      }
      const outcome = result.outcome ?? 'ok';
      await finishJobRun(this.o.orm.em.fork(), runId, {
        outcome,
        summary: result.summary,
        details: result.details ?? null,
        finishedAt: this.clock(),
      });
      logger.info({ runId, outcome, summary: result.summary }, 'job finished');
      const report: RunReport = {
        job: spec.name,
        runId,
        period: ctx.period,
        outcome,
        summary: result.summary,
        late: ctx.late,
        trigger: ctx.trigger,
        details: result.details ?? null,
      };
      await this.o.onFinished?.(report, ctx).catch((err: unknown) => logger.error({ err }, 'could not tell the admins about a job run'));
      return report;
    } finally {
      await lock.release();
    }
  }

  /** Every job with its schedule (as the settings say now), next due time and last run. */
  async list(): Promise<JobListing[]> {
    const em = this.o.orm.em.fork();
    const last = await lastJobRuns(
      em,
      this.o.jobs.map((j) => j.name),
    );
    const now = this.clock();
    const out: JobListing[] = [];
    for (const spec of this.o.jobs) {
      let schedule: string | null = null;
      let scheduleError: string | null = null;
      let next: Date | null = null;
      try {
        const s = await spec.schedule(em);
        schedule = describeSchedule(s);
        next = nextDue(s, now, this.o.timeZone);
      } catch (err) {
        scheduleError = (err as Error).message;
      }
      out.push({ name: spec.name, description: spec.description, schedule, scheduleError, nextDue: next, lastRun: last.get(spec.name) ?? null });
    }
    return out;
  }

  /** A pass now (the start-up catch-up), then one at the start of every minute (node-cron). */
  start(): void {
    const pass = () => {
      this.ticking ??= this.tick()
        .then(() => undefined)
        .finally(() => (this.ticking = undefined));
    };
    pass();
    // Due times fall on whole minutes: a tick at :00 sees each one at once. A pass still running is not doubled.
    this.task = cron.schedule('* * * * *', pass, { name: 'job-runner', noOverlap: true });
  }

  async stop(): Promise<void> {
    await this.task?.destroy();
    this.task = undefined;
    await this.ticking?.catch(() => {});
  }
}
