import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { addEntry, addFarmer } from '../settlements/fixture.js';
import { createJobRunner } from '../../src/jobs/jobs.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { adminNoticeSender } from '../../src/jobs/admin-notices.js';
import { lastDue, nextDue } from '../../src/jobs/schedule.js';
import { backupProblems } from '../../src/jobs/daily-backup.js';

const TZ = 'Asia/Kolkata';
const logger = pino({ level: 'silent' });
let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-runner-'));
  // The backup is tested on its own; here it only has to be recorded.
  await sql(t.db, `update system_settings set value = 'false' where key = 'backup_enabled'`);
});
afterAll(async () => {
  await t?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const runnerAt = (iso: string) =>
  createJobRunner({ db: t.db, config: { ...t.config, backupDir: dir, marketTimeZone: TZ }, logger }, { clock: () => new Date(iso) });
const runs = (job: string) =>
  sql<{ period: string; outcome: string; late: boolean; trigger: string; summary: string }>(
    t.db,
    `select period, outcome, late, trigger, summary from job_runs where job = ? order by id`,
    [job],
  );

describe('schedules', () => {
  it('find the last and next due instant in market time', () => {
    // Monday 06:00 IST = 00:30Z. On Tuesday 24 Nov the last one was Monday 23 Nov.
    const monday = { hour: 6, minute: 0, weekday: 1 };
    expect(lastDue(monday, new Date('2026-11-24T04:30:00Z'), TZ).toISOString()).toBe('2026-11-23T00:30:00.000Z');
    // At 05:59 IST on a Monday it is still the Monday before.
    expect(lastDue(monday, new Date('2026-11-23T00:29:00Z'), TZ).toISOString()).toBe('2026-11-16T00:30:00.000Z');
    expect(nextDue(monday, new Date('2026-11-23T00:30:00Z'), TZ).toISOString()).toBe('2026-11-30T00:30:00.000Z');
    expect(lastDue({ hour: 7, minute: 0, monthDay: 1 }, new Date('2026-11-24T00:00:00Z'), TZ).toISOString()).toBe('2026-11-01T01:30:00.000Z');
  });
});

describe('the job runner', () => {
  it('settles, on start, a period that ended with no run — late, once, and tells the admins', async () => {
    const a = await addFarmer(t.db);
    // Week 47 (16–22 Nov 2026): 4 kg × ₹200.00 = 800.00, 5% commission 40.00, net 760.00.
    await addEntry(t.db, { farmerCode: a, date: '2026-11-20', quantity: '4.000', rate: '200.00' });
    // The service was down at Monday 06:00 and comes back Tuesday 24 Nov, 10:00 IST.
    const runner = runnerAt('2026-11-24T04:30:00Z');
    const made = await runner.tick();
    const settlement = made.find((r) => r.job === 'settlement');
    expect(settlement).toMatchObject({ period: '2026W47', outcome: 'ok', late: true, trigger: 'catch-up' });
    const settled = await sql<{ n: number; net: string }>(
      t.db,
      `select count(*)::int n, sum(net_payable)::text net from settlements where settlement_number like 'S-2026W47-%'`,
    );
    expect(settled[0]).toEqual({ n: 1, net: '760.00' });
    expect(await runs('settlement')).toEqual([
      { period: '2026W47', outcome: 'ok', late: true, trigger: 'catch-up', summary: 'period 2026W47: 1 farmers settled, 1 entries, net ₹760.00' },
    ]);
    // The seeded admin reads English: one notice for the late settlement.
    const notices = await sql<{ text: string }>(
      t.db,
      `select payload->>'text' as text from notifications where type = 'job_notice' and payload->>'job' = 'settlement'`,
    );
    expect(notices.map((n) => n.text)).toEqual([
      '⏰ Settlement (2026W47) ran late, at 10:00 (it was due at 06:00).\nperiod 2026W47: 1 farmers settled, 1 entries, net ₹760.00',
    ]);

    // The next tick, and the next hour's, find the period done.
    expect((await runner.tick()).filter((r) => r.job === 'settlement')).toEqual([]);
    expect((await runnerAt('2026-11-24T05:30:00Z').tick()).filter((r) => r.job === 'settlement')).toEqual([]);
    // By hand, twice: recorded, harmless.
    const again = await runner.runNow('settlement');
    expect(again).toMatchObject({
      period: '2026W47',
      outcome: 'ok',
      late: false,
      trigger: 'manual',
      summary: 'period 2026W47: 0 farmers settled, 0 entries, net ₹0.00',
    });
    await runner.runNow('settlement');
    expect((await sql<{ n: number }>(t.db, `select count(*)::int n from settlements where settlement_number like 'S-2026W47-%'`))[0]!.n).toBe(1);
    expect((await runs('settlement')).length).toBe(3);
  });

  it('reads schedules from the settings on every pass (no restart)', async () => {
    const runner = runnerAt('2026-11-24T04:30:00Z');
    const before = (await runner.list()).find((j) => j.name === 'settlement')!;
    expect(before.schedule).toBe('monday 06:00');
    await sql(t.db, `update system_settings set value = 'thursday' where key = 'settlement_day'`);
    await sql(t.db, `update system_settings set value = '19' where key = 'settlement_hour'`);
    try {
      const after = (await runner.list()).find((j) => j.name === 'settlement')!;
      expect(after.schedule).toBe('thursday 19:00');
      // Thursday 26 Nov 19:00 IST = 13:30Z.
      expect(after.nextDue?.toISOString()).toBe('2026-11-26T13:30:00.000Z');
      expect(after.lastRun).toMatchObject({ job: 'settlement', period: '2026W47' });
      await sql(t.db, `update system_settings set value = 'sometime' where key = 'settlement_day'`);
      expect((await runner.list()).find((j) => j.name === 'settlement')).toMatchObject({
        schedule: null,
        scheduleError: 'settlement_day "sometime" is not a day of the week',
      });
    } finally {
      await sql(t.db, `update system_settings set value = 'monday' where key = 'settlement_day'`);
      await sql(t.db, `update system_settings set value = '6' where key = 'settlement_hour'`);
    }
  });

  it('records a failing job as failed, closes runs left by a dead process, and tells the admins in their language', async () => {
    await sql(t.db, `update users set language_preference = 'ta' where role = 'admin'`);
    // A run left 'running' by a process that died.
    await sql(t.db, `insert into job_runs (job, period, trigger, outcome) values ('broken', '2026-11-24', 'schedule', 'running')`);
    const runner = new JobRunner({
      orm: t.db.orm,
      databaseUrl: t.db.url,
      timeZone: TZ,
      logger,
      clock: () => new Date('2026-11-24T01:00:00Z'),
      jobs: [
        {
          name: 'broken',
          description: 'always fails',
          schedule: async () => ({ hour: 6, minute: 30 }),
          period: async () => '2026-11-24',
          catchUpMs: 3_600_000,
          run: async () => {
            throw new Error('disk full');
          },
        },
      ],
      onFinished: adminNoticeSender(t.db.orm, TZ),
    });
    try {
      const [report] = await runner.tick();
      expect(report).toMatchObject({ job: 'broken', outcome: 'failed', summary: 'failed: disk full', late: false, trigger: 'schedule' });
      expect(await runs('broken')).toEqual([
        { period: '2026-11-24', outcome: 'interrupted', late: false, trigger: 'schedule', summary: 'the process running it stopped' },
        { period: '2026-11-24', outcome: 'failed', late: false, trigger: 'schedule', summary: 'failed: disk full' },
      ]);
      const notices = await sql<{ text: string; language: string }>(
        t.db,
        `select payload->>'text' as text, language from notifications where payload->>'job' = 'broken'`,
      );
      expect(notices).toEqual([{ text: '⚠ broken (2026-11-24) தோல்வியடைந்தது.\nfailed: disk full', language: 'ta' }]);
      // Failed is still a run: the scheduler does not retry it every minute (the admins were told).
      expect(await runner.tick()).toEqual([]);
    } finally {
      await sql(t.db, `update users set language_preference = 'en' where role = 'admin'`);
    }
  });

  it('names what is wrong with a backup: not written, copy failed, too old', () => {
    expect(backupProblems({ ok: true, newestVerifiedAgeHours: 0 })).toEqual([]);
    expect(
      backupProblems({ ok: false, error: 'pg_dump: connection refused', copy: { ok: false, error: 'no space' }, newestVerifiedAgeHours: 27.5 }).map(
        (p) => p.kind,
      ),
    ).toEqual(['backup_failed', 'copy_failed', 'too_old']);
    expect(backupProblems({ ok: true, newestVerifiedAgeHours: 26 })).toEqual([]);
  });
});
