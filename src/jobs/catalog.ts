// Every scheduled job, with its schedule read from the settings each time it is asked for.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config.js';
import type { Database } from '../db/orm.js';
import type { Logger } from '../logger.js';
import { localDate } from '../domain/market-time.js';
import { getBooleanSetting, getNumberSetting, getStringSetting } from '../domain/settings/settings.service.js';
import { defaultPeriod, settlementFrequency, settlePeriod } from '../domain/settlements/settlement.service.js';
import { enqueueStatementsForPeriod } from '../domain/settlements/statement.service.js';
import {
  archiveCutoff,
  archiveSettledEntries,
  cleanupConfirmations,
  cleanupNotifications,
  cleanupSecurityLogs,
  cleanupSessions,
} from '../domain/housekeeping/housekeeping.service.js';
import { backupProblems, runDailyBackup } from './daily-backup.js';
import { runRateCard } from './rate-card.job.js';
import { runDaySummary } from './day-summary.job.js';
import { runMonthlyStatements } from './monthly-statements.job.js';
import { previousMonth } from '../domain/monthly-statements/monthly-statement.js';
import type { JobSpec } from './runner.js';
import { clockOf, weekdayOf, type Schedule } from './schedule.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface JobDeps {
  db: Database;
  config: Pick<Config, 'backupDir' | 'backupCopyDir' | 'backupCopyCommand' | 'marketTimeZone' | 'dataDir'>;
  logger: Logger;
}

/** The settlement's schedule: daily every day, weekly and fortnightly on settlement_day, monthly on the 1st. */
export async function settlementSchedule(em: EntityManager, minute = 0): Promise<Schedule> {
  const frequency = await settlementFrequency(em);
  const hour = await getNumberSetting(em, 'settlement_hour');
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new Error(`settlement_hour "${hour}" is not an hour 0-23`);
  if (frequency === 'daily') return { hour, minute };
  if (frequency === 'monthly') return { hour, minute, monthDay: 1 };
  // Fortnightly runs weekly too: it settles the last finished fortnight, so the off week finds nothing new.
  return { hour, minute, weekday: weekdayOf(await getStringSetting(em, 'settlement_day')) };
}

export const marketTimeSchedule = async (em: EntityManager, key: string): Promise<Schedule> => clockOf(await getStringSetting(em, key), key);

const compact = (o: Record<string, unknown>) =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.length : String(v)}`)
    .join(', ');

export function coreJobs(deps: JobDeps, extra: JobSpec[] = []): JobSpec[] {
  const { db, config } = deps;
  const tz = config.marketTimeZone;
  const fixed = (hour: number, minute: number) => async () => ({ hour, minute });
  const marketDay = async (_em: EntityManager, dueAt: Date) => localDate(dueAt, tz);
  const settlementLabel = async (em: EntityManager, dueAt: Date) => (await defaultPeriod(em, dueAt, tz)).label;
  return [
    {
      name: 'settlement',
      description: 'Settles the period that just ended and queues the statements',
      schedule: (em) => settlementSchedule(em),
      period: settlementLabel,
      // A missed settlement is always made up while it is the last finished period.
      catchUpMs: 32 * DAY,
      async run({ dueAt }) {
        const period = await defaultPeriod(db.orm.em.fork(), dueAt, tz);
        const result = await settlePeriod(db.orm, { period, timeZone: tz, now: dueAt, concurrency: 2 });
        const refused = result.refused.map((r) => r.farmerCode);
        const t = result.totals;
        return {
          summary: `period ${period.label}: ${t.farmers} farmers settled, ${t.entries} entries, net ₹${t.net}${refused.length ? `; refused ${refused.join(', ')}` : ''}`,
          details: { period: period.label, ...t, refused },
          ...(refused.length ? { outcome: 'failed' as const } : {}),
        };
      },
    },
    {
      name: 'settlement-statements',
      description: 'Queues any settlement statement of the last period not yet sent',
      schedule: (em) => settlementSchedule(em, 30),
      period: settlementLabel,
      catchUpMs: 32 * DAY,
      async run({ dueAt }) {
        const fork = db.orm.em.fork();
        const period = await defaultPeriod(fork, dueAt, tz);
        const queued = await fork.transactional((tx) => enqueueStatementsForPeriod(tx, period));
        return { summary: `period ${period.label}: ${queued} statements queued`, details: { period: period.label, queued } };
      },
    },
    {
      name: 'daily-backup',
      description: 'Backs up the database (and copies it off the box)',
      schedule: fixed(2, 0),
      period: marketDay,
      catchUpMs: DAY,
      async run({ now }) {
        if (!(await getBooleanSetting(db.orm.em.fork(), 'backup_enabled'))) return { outcome: 'skipped', summary: 'backup_enabled is false' };
        const facts = await runDailyBackup(db, config, now);
        const problems = backupProblems(facts);
        const what = facts.ok ? `backup ${facts.file} (${facts.bytes} bytes, verified ${facts.verified})` : 'no backup written';
        return {
          outcome: problems.length ? 'failed' : 'ok',
          summary: [what, ...problems.map((p) => p.text)].join('; '),
          details: { ...facts, problems: problems.map((p) => p.kind) },
        };
      },
    },
    {
      name: 'retention-cleanup',
      description: 'Deletes old sent notifications, audit noise, ended sign-in sessions and old fat-finger holds past their retention',
      schedule: fixed(3, 0),
      period: marketDay,
      catchUpMs: DAY,
      async run({ now }) {
        const notifications = await cleanupNotifications(db.orm.em, now);
        const securityLogs = await cleanupSecurityLogs(db.orm.em, now);
        const sessions = await cleanupSessions(db.orm.em, now);
        const confirmations = await cleanupConfirmations(db.orm.em, now);
        return {
          summary:
            `notifications deleted ${notifications.deleted}, security logs deleted ${securityLogs.deleted}, ` +
            `ended sessions deleted ${sessions.deleted}, old held lines deleted ${confirmations.deleted}`,
          details: { notifications, securityLogs, sessions, confirmations },
        };
      },
    },
    {
      name: 'archive-settled-entries',
      description: 'Moves settled entries older than a year to the archive tables',
      schedule: fixed(3, 30),
      period: marketDay,
      catchUpMs: DAY,
      async run({ dueAt }) {
        const r = await archiveSettledEntries(db.orm.em, archiveCutoff(dueAt, tz));
        return { summary: compact(r), details: r };
      },
    },
    {
      name: 'rate-card',
      description: "Sends farmers today's rates with the change from yesterday (when rate_card_broadcast is on)",
      schedule: (em) => marketTimeSchedule(em, 'market_open_time'),
      period: marketDay,
      // Rates that arrive after the morning's trade are no use.
      catchUpMs: 4 * HOUR,
      run: (ctx) => runRateCard(db.orm, ctx, localDate(ctx.dueAt, tz)),
    },
    {
      name: 'day-summary',
      description: 'Sends the admins the day-end summary at market close',
      schedule: (em) => marketTimeSchedule(em, 'market_close_time'),
      period: marketDay,
      catchUpMs: 12 * HOUR,
      run: (ctx) => runDaySummary(db.orm, localDate(ctx.dueAt, tz), tz),
    },
    {
      name: 'monthly-statements',
      description: "Sends each farmer last month's statement on the 1st, at market open",
      schedule: async (em) => ({ ...(await marketTimeSchedule(em, 'market_open_time')), monthDay: 1 }),
      period: async (_em, dueAt) => previousMonth(localDate(dueAt, tz)),
      catchUpMs: 5 * DAY,
      run: (ctx) => runMonthlyStatements(db.orm, { month: ctx.period, dataDir: config.dataDir, timeZone: tz, now: ctx.now }),
    },
    ...extra,
  ];
}
