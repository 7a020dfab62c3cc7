// The database's scheduled upkeep, for the Scheduler (market time zone, advisory-locked, no overlap):
// the daily backup at 02:00, retention cleanup at 03:00, archiving of year-old settled entries at 03:30.
import type { Config } from '../config.js';
import type { Database } from '../db/orm.js';
import { getBooleanSetting } from '../domain/settings/settings.service.js';
import { archiveCutoff, archiveSettledEntries, cleanupNotifications, cleanupSecurityLogs, cleanupSessions } from '../domain/housekeeping/housekeeping.service.js';
import { backupDatabase } from '../ops/backup/backup.js';
import type { JobDefinition } from './scheduler.js';

export function maintenanceJobs(db: Database, config: Pick<Config, 'backupDir' | 'marketTimeZone'>): JobDefinition[] {
  return [
    {
      name: 'daily-backup',
      schedule: '0 2 * * *',
      async run() {
        if (!(await getBooleanSetting(db.orm.em.fork(), 'backup_enabled'))) return { skipped: 'backup_enabled is false' };
        const r = await backupDatabase(db, config.backupDir);
        return { file: r.file, bytes: r.bytes, sha256: r.sha256, removed: r.removed };
      },
    },
    {
      name: 'retention-cleanup',
      schedule: '0 3 * * *',
      async run() {
        const notifications = await cleanupNotifications(db.orm.em);
        const securityLogs = await cleanupSecurityLogs(db.orm.em);
        const sessions = await cleanupSessions(db.orm.em);
        return { notifications, securityLogs, sessions };
      },
    },
    {
      name: 'archive-settled-entries',
      schedule: '30 3 * * *',
      async run({ scheduledFor }) {
        return archiveSettledEntries(db.orm.em, archiveCutoff(scheduledFor, config.marketTimeZone));
      },
    },
  ];
}
