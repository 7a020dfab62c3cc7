import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cron from 'node-cron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { maintenanceJobs } from '../../src/jobs/maintenance.jobs.js';
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

  const jobs = () => maintenanceJobs(t.db, { backupDir: dir, marketTimeZone: 'Asia/Kolkata' });

  it('are scheduled at 02:00, 03:00 and 03:30 market time with valid cron expressions', () => {
    expect(jobs().map((j) => [j.name, j.schedule])).toEqual([
      ['daily-backup', '0 2 * * *'],
      ['retention-cleanup', '0 3 * * *'],
      ['archive-settled-entries', '30 3 * * *'],
    ]);
    for (const j of jobs()) expect(cron.validate(j.schedule)).toBe(true);
  });

  it('the backup job obeys backup_enabled', async () => {
    const backup = jobs()[0]!;
    await sql(t.db, `update system_settings set value = 'false' where key = 'backup_enabled'`);
    expect(await backup.run({ scheduledFor: new Date() })).toEqual({ skipped: 'backup_enabled is false' });
    expect(fs.readdirSync(dir)).toEqual([]);
    await sql(t.db, `update system_settings set value = 'true' where key = 'backup_enabled'`);
    const result = (await backup.run({ scheduledFor: new Date() })) as { file: string };
    expect(fs.existsSync(result.file)).toBe(true);
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
