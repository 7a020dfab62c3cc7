import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { serialPk } from '../columns.js';

export const JOB_OUTCOMES = ['running', 'ok', 'skipped', 'failed', 'stopped', 'interrupted'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];
export const JOB_TRIGGERS = ['schedule', 'catch-up', 'manual'] as const;
export type JobTrigger = (typeof JOB_TRIGGERS)[number];

/** One run of a scheduled job: what it covered, when, how it ended. The record catch-up reads. */
export const JobRun = defineEntity({
  name: 'JobRun',
  tableName: 'job_runs',
  properties: {
    id: serialPk(),
    job: p.string().length(60),
    // The settlement period label, the market date, or the month the run covers.
    period: p.string().length(40),
    // When the schedule wanted it; null for a run asked for by hand at no particular due time.
    dueAt: p.datetime().nullable(),
    startedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    finishedAt: p.datetime().nullable(),
    outcome: p.enum(JOB_OUTCOMES).default('running'),
    trigger: p.enum(JOB_TRIGGERS),
    late: p.boolean().default(false),
    summary: p.text().nullable(),
    details: p.json<Record<string, unknown>>().nullable(),
  },
  indexes: [
    { name: 'idx_job_runs_job_period', properties: ['job', 'period'] },
    { name: 'idx_job_runs_job_started', properties: ['job', 'startedAt'] },
  ],
});
export type JobRun = InferEntity<typeof JobRun>;
