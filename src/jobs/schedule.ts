// A job's schedule in the market's words: a time of day, and optionally a weekday or a day of the month.
// Kept this simple so the last due instant can be worked out exactly (catch-up needs it), which a general cron
// expression does not give.
import { localDate } from '../domain/market-time.js';
import { addDays } from '../domain/settlements/period.js';
import { marketInstant } from '../channels/console/market-clock.js';

export interface Schedule {
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday; absent: every day. */
  weekday?: number;
  /** 1–28; absent: every day. */
  monthDay?: number;
}

const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** '04:00' or '4:30' → hour and minute; throws on anything else (a setting an admin mistyped). */
export function clockOf(value: string, setting: string): { hour: number; minute: number } {
  const m = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  const hour = Number(m?.[1]);
  const minute = Number(m?.[2]);
  if (!m || hour > 23 || minute > 59) throw new Error(`${setting} "${value}" is not a time like 04:00`);
  return { hour, minute };
}

export function weekdayOf(day: string): number {
  const dow = DAY_NAMES.indexOf(day.trim().toLowerCase());
  if (dow < 0) throw new Error(`settlement_day "${day}" is not a day of the week`);
  return dow;
}

/** The schedule as cron would write it, for listings ('0 6 * * 1'). */
export function cronText(s: Schedule): string {
  return `${s.minute} ${s.hour} ${s.monthDay ?? '*'} * ${s.weekday ?? '*'}`;
}

/** Plain words for listings: 'daily 02:00', 'monday 06:00', 'day 1 of the month 07:00'. */
export function describeSchedule(s: Schedule): string {
  const time = `${String(s.hour).padStart(2, '0')}:${String(s.minute).padStart(2, '0')}`;
  if (s.monthDay !== undefined) return `day ${s.monthDay} of the month ${time}`;
  if (s.weekday !== undefined) return `${DAY_NAMES[s.weekday]} ${time}`;
  return `daily ${time}`;
}

const matches = (s: Schedule, date: string) => {
  const d = new Date(`${date}T00:00:00Z`);
  if (s.weekday !== undefined && d.getUTCDay() !== s.weekday) return false;
  if (s.monthDay !== undefined && d.getUTCDate() !== s.monthDay) return false;
  return true;
};

/** The instant a schedule fires on a market date (whether or not the date matches it). */
export function dueOn(s: Schedule, date: string, timeZone: string): Date {
  return marketInstant(date, `${String(s.hour).padStart(2, '0')}:${String(s.minute).padStart(2, '0')}`, timeZone);
}

/** The latest instant at or before `now` at which the schedule fired. */
export function lastDue(s: Schedule, now: Date, timeZone: string): Date {
  const today = localDate(now, timeZone);
  for (let back = 0; back <= 62; back++) {
    const date = addDays(today, -back);
    if (!matches(s, date)) continue;
    const at = dueOn(s, date, timeZone);
    if (at <= now) return at;
  }
  throw new Error(`schedule ${cronText(s)} has not fired in two months`);
}

/** The first instant after `now` at which the schedule fires. */
export function nextDue(s: Schedule, now: Date, timeZone: string): Date {
  const today = localDate(now, timeZone);
  for (let ahead = 0; ahead <= 62; ahead++) {
    const date = addDays(today, ahead);
    if (!matches(s, date)) continue;
    const at = dueOn(s, date, timeZone);
    if (at > now) return at;
  }
  throw new Error(`schedule ${cronText(s)} does not fire in the next two months`);
}
