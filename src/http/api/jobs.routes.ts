import { createRoute, z } from '@hono/zod-openapi';
import { createJobRunner } from '../../jobs/jobs.js';
import { recentJobRuns } from '../../domain/job-runs/job-runs.js';
import { JOB_OUTCOMES, JOB_TRIGGERS } from '../../domain/job-runs/job-run.entity.js';
import { requireRole } from '../auth/session.js';
import { emFor } from '../request.js';
import { errorResponses, json, newRouter, type ApiResource } from './router.js';

const RunSchema = z
  .object({
    id: z.string(),
    job: z.string(),
    period: z.string(),
    dueAt: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    outcome: z.enum(JOB_OUTCOMES),
    trigger: z.enum(JOB_TRIGGERS),
    late: z.boolean(),
    summary: z.string().nullable(),
  })
  .openapi('JobRun');

const JobSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    schedule: z
      .string()
      .nullable()
      .openapi({ description: 'Market time, as the settings say now; null when a setting is wrong', example: 'monday 06:00' }),
    scheduleError: z.string().nullable(),
    nextDue: z.string().nullable(),
    lastRun: RunSchema.nullable(),
  })
  .openapi('Job');

type RunFacts = Awaited<ReturnType<typeof recentJobRuns>>[number];
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const runOut = (r: RunFacts) => ({
  ...r,
  dueAt: iso(r.dueAt),
  startedAt: r.startedAt.toISOString(),
  finishedAt: iso(r.finishedAt),
  details: undefined,
});

export const jobsResource: ApiResource = {
  path: '/jobs',
  routes(deps) {
    const app = newRouter();
    app.use('*', requireRole('admin'));
    const runner = createJobRunner(deps);
    app.openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags: ['Jobs'],
        summary: 'Every scheduled job with its schedule, next due time and last run',
        responses: { 200: json(z.object({ items: z.array(JobSchema) })), ...errorResponses },
      }),
      async (c) => {
        const items = (await runner.list()).map((j) => ({ ...j, nextDue: iso(j.nextDue), lastRun: j.lastRun ? runOut(j.lastRun) : null }));
        return c.json({ items }, 200);
      },
    );
    app.openapi(
      createRoute({
        method: 'get',
        path: '/runs',
        tags: ['Jobs'],
        summary: 'Recent job runs, newest first',
        request: { query: z.object({ job: z.string().max(60).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }) },
        responses: { 200: json(z.object({ items: z.array(RunSchema) })), ...errorResponses },
      }),
      async (c) => {
        const q = c.req.valid('query');
        return c.json({ items: (await recentJobRuns(emFor(deps), q)).map(runOut) }, 200);
      },
    );
    return app;
  },
};
