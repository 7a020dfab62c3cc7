// Scheduled settlements: at settlement_day/settlement_hour (market time) settle the last finished period and
// queue its statements; half an hour later queue any statement that was missed. Both are idempotent, so a
// late replica or a second tick does nothing new. The schedule is read from settings when the jobs are built.
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { getNumberSetting, getStringSetting } from '../domain/settings/settings.service.js';
import { defaultPeriod, settlementFrequency, settlePeriod } from '../domain/settlements/settlement.service.js';
import { enqueueStatementsForPeriod } from '../domain/settlements/statement.service.js';
import type { SettlementFrequency } from '../domain/settlements/period.js';
import type { JobDefinition } from './scheduler.js';

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** node-cron expression for a frequency: daily every day, weekly and fortnightly on the day, monthly on the 1st. */
export function settlementCron(frequency: SettlementFrequency, day: string, hour: number, minute = 0): string {
  const dow = DAYS.indexOf(day.trim().toLowerCase());
  if (dow < 0) throw new Error(`settlement_day "${day}" is not a day of the week`);
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new Error(`settlement_hour "${hour}" is not an hour 0-23`);
  switch (frequency) {
    case 'daily':
      return `${minute} ${hour} * * *`;
    case 'monthly':
      return `${minute} ${hour} 1 * *`;
    default:
      // Fortnightly runs weekly too: it settles the last finished fortnight, so the off week finds nothing new.
      return `${minute} ${hour} * * ${dow}`;
  }
}

export async function settlementJobs(deps: { orm: MikroORM; config: Pick<Config, 'marketTimeZone'>; logger: Logger }): Promise<JobDefinition[]> {
  const em = deps.orm.em.fork();
  const frequency = await settlementFrequency(em);
  const day = await getStringSetting(em, 'settlement_day');
  const hour = await getNumberSetting(em, 'settlement_hour');
  const timeZone = deps.config.marketTimeZone;
  return [
    {
      name: 'settlement',
      schedule: settlementCron(frequency, day, hour),
      async run({ scheduledFor }) {
        const period = await defaultPeriod(deps.orm.em.fork(), scheduledFor, timeZone);
        const result = await settlePeriod(deps.orm, { period, timeZone, now: scheduledFor, concurrency: 2 });
        return { period: period.label, ...result.totals, refused: result.refused.map((r) => r.farmerCode) };
      },
    },
    {
      name: 'settlement-statements',
      schedule: settlementCron(frequency, day, hour, 30),
      async run({ scheduledFor }) {
        const fork = deps.orm.em.fork();
        const period = await defaultPeriod(fork, scheduledFor, timeZone);
        const queued = await fork.transactional((tx) => enqueueStatementsForPeriod(tx, period));
        return { period: period.label, queued };
      },
    },
  ];
}
