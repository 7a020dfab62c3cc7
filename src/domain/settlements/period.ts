// Settlement periods. Dates are the market's local calendar dates ('YYYY-MM-DD'); a week runs Monday–Sunday.
// Each period has a label that makes settlement numbers readable and unique per farmer:
//   daily       2026-11-25            → S-20261125-FAR001
//   weekly      ISO week 47 of 2026   → S-2026W47-FAR001
//   fortnightly ISO weeks 47 and 48   → S-2026W47-48-FAR001 (fortnights count from Monday 2024-01-01)
//   monthly     November 2026         → S-2026M11-FAR001
import { AppError } from '../../errors.js';
import { localDate } from '../market-time.js';

export const SETTLEMENT_FREQUENCIES = ['daily', 'weekly', 'fortnightly', 'monthly'] as const;
export type SettlementFrequency = (typeof SETTLEMENT_FREQUENCIES)[number];

export interface SettlementPeriod {
  frequency: SettlementFrequency;
  start: string;
  end: string;
  label: string;
}

const DAY = 86_400_000;
// A Monday: fortnights are counted from here so that every instance agrees on where one starts.
const FORTNIGHT_ANCHOR = Date.UTC(2024, 0, 1);

const toUtc = (date: string) => {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y!, m! - 1, d!);
};
const fromUtc = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const addDays = (date: string, days: number) => fromUtc(toUtc(date) + days * DAY);

/** ISO weekday, Monday = 1 … Sunday = 7. */
const isoWeekday = (date: string) => ((new Date(toUtc(date)).getUTCDay() + 6) % 7) + 1;

/** ISO week-numbering year and week of a date. */
export function isoWeek(date: string): { year: number; week: number } {
  const thursday = addDays(date, 4 - isoWeekday(date));
  const year = Number(thursday.slice(0, 4));
  const week = Math.floor((toUtc(thursday) - Date.UTC(year, 0, 1)) / DAY / 7) + 1;
  return { year, week };
}

/** The Monday of an ISO week. */
export function isoWeekMonday(year: number, week: number): string {
  const jan4 = fromUtc(Date.UTC(year, 0, 4));
  return addDays(jan4, (week - 1) * 7 + 1 - isoWeekday(jan4));
}

const weekLabel = (date: string) => {
  const { year, week } = isoWeek(date);
  return `${year}W${String(week).padStart(2, '0')}`;
};

/** The period of the given frequency that contains a market date. */
export function periodContaining(frequency: SettlementFrequency, date: string): SettlementPeriod {
  switch (frequency) {
    case 'daily':
      return { frequency, start: date, end: date, label: date.replaceAll('-', '') };
    case 'weekly': {
      const start = addDays(date, 1 - isoWeekday(date));
      return { frequency, start, end: addDays(start, 6), label: weekLabel(start) };
    }
    case 'fortnightly': {
      const index = Math.floor((toUtc(date) - FORTNIGHT_ANCHOR) / DAY / 14);
      const start = fromUtc(FORTNIGHT_ANCHOR + index * 14 * DAY);
      const end = addDays(start, 13);
      return { frequency, start, end, label: `${weekLabel(start)}-${String(isoWeek(end).week).padStart(2, '0')}` };
    }
    case 'monthly': {
      const [y, m] = date.split('-').map(Number);
      const start = `${date.slice(0, 7)}-01`;
      const end = fromUtc(Date.UTC(y!, m!, 1) - DAY);
      return { frequency, start, end, label: `${y}M${String(m).padStart(2, '0')}` };
    }
  }
}

/** The last period that has fully ended before `now` (what a scheduled run settles). */
export function lastCompletePeriod(frequency: SettlementFrequency, now: Date, timeZone: string): SettlementPeriod {
  const current = periodContaining(frequency, localDate(now, timeZone));
  return periodContaining(frequency, addDays(current.start, -1));
}

/**
 * Parses `--period`: an ISO week ('2026-W47'), a month ('2026-11') or any date ('2026-11-18'); the period of
 * the configured frequency containing it (a week's Monday, a month's first day) is meant.
 */
export function parsePeriod(frequency: SettlementFrequency, text: string): SettlementPeriod {
  const t = text.trim().toUpperCase();
  let date: string | undefined;
  let m: RegExpMatchArray | null;
  if ((m = t.match(/^(\d{4})-?W(\d{1,2})$/))) {
    const year = Number(m[1]);
    const week = Number(m[2]);
    if (week >= 1 && week <= 53 && isoWeek(isoWeekMonday(year, week)).week === week) date = isoWeekMonday(year, week);
  } else if ((m = t.match(/^(\d{4})-(\d{2})$/))) {
    if (Number(m[2]) >= 1 && Number(m[2]) <= 12) date = `${m[1]}-${m[2]}-01`;
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(t) && fromUtc(toUtc(t)) === t) {
    date = t;
  }
  if (!date) throw new AppError('BAD_PERIOD', `"${text}" is not a period: use 2026-W47, 2026-11 or 2026-11-18`, 400);
  return periodContaining(frequency, date);
}

export function isSettlementFrequency(value: string): value is SettlementFrequency {
  return (SETTLEMENT_FREQUENCIES as readonly string[]).includes(value);
}

export const settlementNumber = (period: Pick<SettlementPeriod, 'label'>, farmerCode: string) => `S-${period.label}-${farmerCode}`;
