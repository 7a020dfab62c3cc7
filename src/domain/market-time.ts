// The market's clock. Dates and slot times are always the market's local ones, whatever the server's zone.

/** 'YYYY-MM-DD' of an instant in the given zone. */
export function localDate(instant: Date, timeZone: string): string {
  return formatter(
    `date:${timeZone}`,
    () =>
      // en-CA formats as YYYY-MM-DD.
      new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
  ).format(instant);
}

// Building an Intl.DateTimeFormat costs far more than using one (about 0.2 ms each): keep one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = make()));
  return f;
}

/** 'HH:MM:SS' of an instant in the given zone. */
export function localTime(instant: Date, timeZone: string): string {
  const parts = formatter(
    `time:${timeZone}`,
    () => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }),
  ).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('hour')}:${get('minute')}:${get('second')}`;
}
