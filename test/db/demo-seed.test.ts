import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { seedDemo } from '../../seeds/ReferenceSeeder.js';
import { expectedForeignKeys, ormSql, validateLedger } from '../../src/ops/validation/validate.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());

describe('the demo seeder', () => {
  it('adds a valid week of entries through the entry service, and nothing on a second run', async () => {
    const now = new Date('2026-11-25T06:00:00Z');
    const first = await seedDemo(t.db.orm, { marketTimeZone: 'Asia/Kolkata', now });
    expect(first[0]).toMatch(/^demo: 175 daily rates, \d+ entries \(0 already present\), 1 advance\(s\)/);
    const counts = async () =>
      (
        await sql<{ entries: string; advances: string; days: string }>(
          t.db,
          `select (select count(*) from daily_entries)::text as entries, (select count(*) from cash_advances)::text as advances,
                (select count(distinct entry_date) from daily_entries)::text as days`,
        )
      )[0]!;
    const before = await counts();
    // 3 farmers × 7 days × 2–3 lots.
    expect(Number(before.entries)).toBeGreaterThanOrEqual(42);
    expect(Number(before.entries)).toBeLessThanOrEqual(63);
    expect(before.days).toBe('7');
    const [range] = await sql<{ first: string; last: string }>(
      t.db,
      'select min(entry_date)::text as first, max(entry_date)::text as last from daily_entries',
    );
    expect(range).toEqual({ first: '2026-11-18', last: '2026-11-24' });

    const second = await seedDemo(t.db.orm, { marketTimeZone: 'Asia/Kolkata', now });
    expect(second[0]).toMatch(/^demo: 0 daily rates, 0 entries \(\d+ already present\), 0 advance\(s\)/);
    expect(await counts()).toEqual(before);

    const report = await validateLedger(ormSql(t.db.orm), expectedForeignKeys(t.db.orm));
    expect(report.checks.filter((c) => c.count > 0)).toEqual([]);
  });
});
