// The job_runs record: a run is written when it starts (outcome 'running') and closed when it ends. The
// scheduler holds the job's advisory lock around both, so a 'running' row it finds under the lock belongs to a
// process that died mid-run.
import type { EntityManager } from '@mikro-orm/postgresql';
import { JobRun, type JobOutcome, type JobTrigger } from './job-run.entity.js';

export interface JobRunFacts {
  id: string;
  job: string;
  period: string;
  dueAt: Date | null;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: JobOutcome;
  trigger: JobTrigger;
  late: boolean;
  summary: string | null;
  details: Record<string, unknown> | null;
}

const facts = (r: JobRun): JobRunFacts => ({
  id: String(r.id),
  job: r.job,
  period: r.period,
  dueAt: r.dueAt ?? null,
  startedAt: r.startedAt,
  finishedAt: r.finishedAt ?? null,
  outcome: r.outcome,
  trigger: r.trigger,
  late: r.late,
  summary: r.summary ?? null,
  details: r.details ?? null,
});

export async function startJobRun(
  em: EntityManager,
  run: { job: string; period: string; dueAt: Date | null; trigger: JobTrigger; late: boolean; startedAt: Date },
): Promise<string> {
  const row = em.create(JobRun, { ...run, outcome: 'running' });
  await em.flush();
  return String(row.id);
}

export async function finishJobRun(
  em: EntityManager,
  id: string,
  end: { outcome: Exclude<JobOutcome, 'running' | 'interrupted'>; summary: string; details?: Record<string, unknown> | null; finishedAt: Date },
): Promise<void> {
  await em.nativeUpdate(
    JobRun,
    { id },
    { outcome: end.outcome, summary: end.summary.slice(0, 4000), details: end.details ?? null, finishedAt: end.finishedAt },
  );
}

/**
 * The newest finished run of a period, stopped after the fact (the rate card, when Meta refused its messages
 * while the outbox sent them).
 */
export async function markRunStopped(
  em: EntityManager,
  job: string,
  period: string,
  end: { summary: string; details: Record<string, unknown> },
): Promise<void> {
  await em.execute(
    `update job_runs set outcome = 'stopped', summary = ?, details = ?::jsonb
      where id = (select id from job_runs where job = ? and period = ? and outcome in ('ok', 'stopped') order by started_at desc, id desc limit 1)`,
    [end.summary.slice(0, 4000), JSON.stringify(end.details), job, period],
  );
}

/** Runs left 'running' by a process that died; called under the job's lock, so none of them is alive. */
export async function closeInterruptedRuns(em: EntityManager, job: string, at: Date): Promise<number> {
  return em.nativeUpdate(JobRun, { job, outcome: 'running' }, { outcome: 'interrupted', summary: 'the process running it stopped', finishedAt: at });
}

/**
 * Whether the period already has a run that came to an end (ok, skipped, failed, stopped): the scheduler does
 * not repeat those by itself (a failure has told the admins). An interrupted run is made up.
 */
export async function periodHasRun(em: EntityManager, job: string, period: string): Promise<boolean> {
  return (await em.count(JobRun, { job, period, outcome: { $nin: ['running', 'interrupted'] } })) > 0;
}

export async function lastJobRuns(em: EntityManager, jobs: string[]): Promise<Map<string, JobRunFacts>> {
  const out = new Map<string, JobRunFacts>();
  if (!jobs.length) return out;
  // The newest run of each job: one index walk per job on (job, started_at).
  const rows = await em.execute<{ id: string }[]>(
    `select distinct on (job) id::text as id from job_runs where job in (?) order by job, started_at desc, id desc`,
    [jobs],
  );
  const ids = rows.map((r) => r.id);
  for (const r of ids.length ? await em.find(JobRun, { id: { $in: ids } }) : []) out.set(r.job, facts(r));
  return out;
}

export async function recentJobRuns(em: EntityManager, filter: { job?: string; limit: number }): Promise<JobRunFacts[]> {
  const rows = await em.find(JobRun, filter.job ? { job: filter.job } : {}, { orderBy: { startedAt: 'desc', id: 'desc' }, limit: filter.limit });
  return rows.map(facts);
}
