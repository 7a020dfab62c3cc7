import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, STAFF, body, createApiHarness, type ApiHarness } from '../support/api.js';
import { sql } from '../support/sql.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h?.close());

describe('GET /api/jobs', () => {
  it('lists every job with its schedule and last run, for admins only', async () => {
    await sql(
      h.t.db,
      `insert into job_runs (job, period, trigger, outcome, late, summary, finished_at) values ('daily-backup', '2026-11-24', 'catch-up', 'failed', true, 'backup failed: disk full', now())`,
    );
    const admin = await h.login(ADMIN);
    const res = await h.call('GET', '/api/jobs', { token: admin });
    expect(res.status).toBe(200);
    const items = (await body(res)).items as {
      name: string;
      schedule: string;
      lastRun: { outcome: string; late: boolean; summary: string } | null;
    }[];
    expect(items.map((j) => [j.name, j.schedule])).toEqual(
      expect.arrayContaining([
        ['settlement', 'monday 06:00'],
        ['daily-backup', 'daily 02:00'],
      ]),
    );
    expect(items.find((j) => j.name === 'daily-backup')!.lastRun).toMatchObject({
      outcome: 'failed',
      late: true,
      summary: 'backup failed: disk full',
    });
    expect(items.find((j) => j.name === 'settlement')!.lastRun).toBeNull();
    const runs = await h.call('GET', '/api/jobs/runs?job=daily-backup', { token: admin });
    expect((await body(runs)).items).toHaveLength(1);
    const staff = await h.login(STAFF);
    expect((await h.call('GET', '/api/jobs', { token: staff })).status).toBe(403);
  });
});
