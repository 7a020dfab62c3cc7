import { localDate, localTime } from '../../domain/market-time.js';

/** The instant when the market's clock shows `date` `HH:MM` (the zone's offset applied, whatever the server's zone). */
export function marketInstant(date: string, time: string, timeZone: string): Date {
  const guess = new Date(`${date}T${time}:00Z`);
  const shown = Date.parse(`${localDate(guess, timeZone)}T${localTime(guess, timeZone)}Z`);
  return new Date(guess.getTime() - (shown - guess.getTime()));
}
