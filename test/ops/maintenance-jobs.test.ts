import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { coreJobs } from '../../src/jobs/catalog.js';
import { cronText } from '../../src/jobs/schedule.js';
import { maintenanceReport, vacuumAnalyze } from '../../src/ops/maintenance.js';
import { ormSql } from '../../src/ops/validation/validate.js';

describe('maintenance jobs and report', () => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-jobs-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const MAINTENANCE = ['daily-backup', 'retention-cleanup', 'archive-settled-entries'];
  const jobs = () =>
    coreJobs({
      db: t.db,
      config: { ...t.config, backupDir: dir, backupCopyDir: undefined, backupCopyCommand: undefined, marketTimeZone: 'Asia/Kolkata' },
      logger: pino({ level: 'silent' }),
    }).filter((j) => MAINTENANCE.includes(j.name));
  const ctx = () => ({ now: new Date(), dueAt: new Date(), period: '', late: false, trigger: 'manual' as const });

  it('are scheduled at 02:00, 03:00 and 03:30 market time', async () => {
    const em = t.db.orm.em.fork();
    const schedules = await Promise.all(jobs().map(async (j) => [j.name, cronText(await j.schedule(em))]));
    expect(schedules).toEqual([
      ['daily-backup', '0 2 * * *'],
      ['retention-cleanup', '0 3 * * *'],
      ['archive-settled-entries', '30 3 * * *'],
    ]);
  });

  it('the backup job obeys backup_enabled', async () => {
    const backup = jobs()[0]!;
    await sql(t.db, `update system_settings set value = 'false' where key = 'backup_enabled'`);
    expect(await backup.run(ctx())).toEqual({ outcome: 'skipped', summary: 'backup_enabled is false' });
    expect(fs.readdirSync(dir)).toEqual([]);
    await sql(t.db, `update system_settings set value = 'true' where key = 'backup_enabled'`);
    const result = await backup.run(ctx());
    expect(result.outcome).toBe('ok');
    expect(fs.existsSync((result.details as { file: string }).file)).toBe(true);
  });

  it('the report has sizes, connections and tables, and says when pg_stat_statements is missing', async () => {
    const run = ormSql(t.db.orm);
    expect(await vacuumAnalyze(run)).toContain('daily_entries');
    const report = await maintenanceReport(run);
    expect(report.databaseSize).toMatch(/\d+ (bytes|kB|MB)/);
    expect(report.tables.map((r) => r.table)).toContain('farmers');
    const installed = (await sql(t.db, `select 1 from pg_extension where extname = 'pg_stat_statements'`)).length > 0;
    expect(report.slowQueries === null).toBe(!installed);
  });
});
