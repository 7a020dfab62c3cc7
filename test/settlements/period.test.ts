import { describe, expect, it } from 'vitest';
import { lastCompletePeriod, parsePeriod, periodContaining } from '../../src/domain/settlements/period.js';

describe('settlement periods', () => {
  it('weeks run Monday to Sunday with ISO week numbers', () => {
    // 2026-01-01 is a Thursday, so week 1 is 29 Dec 2025 – 4 Jan 2026 and week 47 is 16–22 Nov 2026.
    expect(parsePeriod('weekly', '2026-W47')).toEqual({ frequency: 'weekly', start: '2026-11-16', end: '2026-11-22', label: '2026W47' });
    expect(periodContaining('weekly', '2026-01-01')).toMatchObject({ start: '2025-12-29', end: '2026-01-04', label: '2026W01' });
    // 2020 had 53 ISO weeks; 2021-W53 does not exist.
    expect(parsePeriod('weekly', '2020-W53')).toMatchObject({ start: '2020-12-28', end: '2021-01-03' });
    expect(() => parsePeriod('weekly', '2021-W53')).toThrow(/not a period/);
  });

  it('the last complete period is judged in the market time zone', () => {
    // Monday 23 Nov 2026 00:30 in Kolkata is still Sunday 22 Nov 19:00 UTC: the finished week is 46, not 47.
    expect(lastCompletePeriod('weekly', new Date('2026-11-22T19:00:00Z'), 'Asia/Kolkata').label).toBe('2026W47');
    expect(lastCompletePeriod('weekly', new Date('2026-11-22T19:00:00Z'), 'UTC').label).toBe('2026W46');
  });

  it('daily, fortnightly and monthly periods and their labels', () => {
    expect(parsePeriod('daily', '2026-11-25')).toMatchObject({ start: '2026-11-25', end: '2026-11-25', label: '20261125' });
    // Fortnights count from Monday 2024-01-01: 2026-11-16 is 1050 days later, 75 fortnights exactly.
    expect(parsePeriod('fortnightly', '2026-11-20')).toMatchObject({ start: '2026-11-16', end: '2026-11-29', label: '2026W47-48' });
    expect(parsePeriod('monthly', '2028-02')).toMatchObject({ start: '2028-02-01', end: '2028-02-29', label: '2028M02' });
    expect(() => parsePeriod('monthly', '2026-13')).toThrow(/not a period/);
    expect(() => parsePeriod('daily', '2026-02-30')).toThrow(/not a period/);
  });
});
