import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { migrateUp } from '../../src/db/schema.js';
import { seedReference } from '../../seeds/ReferenceSeeder.js';
import { verifyPassword } from '../../src/domain/users/password.js';

const TABLES = ['users', 'farmers', 'flower_types', 'time_slots', 'market_rates', 'system_settings'];

async function snapshot(t: TestDatabase) {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) out[table] = await sql(t.db, `select * from ${table} order by id`);
  return out;
}

describe('reference seeders', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ prepared: false });
    await migrateUp(t.db.orm);
  });
  afterAll(() => t?.close());

  it('seed the guide data once; a second run changes nothing', async () => {
    const opts = { nodeEnv: 'production', samples: true, marketTimeZone: 'Asia/Kolkata', now: new Date('2026-11-24T00:30:00Z') };
    const first = await seedReference(t.db.orm, opts);
    expect(first.lines).toEqual([
      'users: 2 created, 0 already present',
      'farmers: 3 created, 0 already present',
      'buyers: 3 created, 0 already present',
      'flower types: 5 created, 0 already present',
      'time slots: 5 created, 0 already present',
      'market rates: 25 created, 0 already present',
      expect.stringMatching(/^system settings: \d+ created, 0 already present$/),
    ]);
    const before = await snapshot(t);
    // A day later: rates must not be seeded again for the new date.
    const second = await seedReference(t.db.orm, { ...opts, now: new Date('2026-11-25T00:30:00Z') });
    expect(second.lines.every((l) => / 0 created, /.test(l))).toBe(true);
    expect(second.createdCredentials).toEqual([]);
    expect(await snapshot(t)).toEqual(before);
  });

  it('carry the corrected Tamil names, one per flower and per slot', async () => {
    const flowers = await sql<{ name: string; name_ta: string }>(t.db, 'select name, name_ta from flower_types order by code');
    expect(flowers).toEqual([
      { name: 'Rose', name_ta: 'ரோஜா' },
      { name: 'Jasmine', name_ta: 'மல்லிகை' },
      { name: 'Marigold', name_ta: 'செண்டுமல்லி' },
      { name: 'Lotus', name_ta: 'தாமரை' },
      { name: 'Chrysanthemum', name_ta: 'சாமந்தி' },
    ]);
    const slots = await sql<{ name: string; name_ta: string; start_time: string; end_time: string }>(
      t.db,
      'select name, name_ta, start_time::text, end_time::text from time_slots order by sort_order',
    );
    expect(slots.map((s) => [s.name, s.name_ta, s.start_time, s.end_time])).toEqual([
      ['Early Morning', 'காலை', '04:00:00', '06:00:00'],
      ['Morning Peak', 'காலை உச்சம்', '06:00:00', '08:00:00'],
      ['Late Morning', 'முற்பகல்', '08:00:00', '10:00:00'],
      ['Afternoon', 'மதியம்', '10:00:00', '14:00:00'],
      ['Evening', 'மாலை', '14:00:00', '18:00:00'],
    ]);
    const jasmine = await sql<{ aliases: string[] }>(t.db, "select aliases from flower_types where code = 'FLW002'");
    expect(jasmine[0]!.aliases).toContain('malli');
  });

  it('seed the guide rates by slot, effective from the day of seeding in market time', async () => {
    const rates = await sql<{ slot: string; rate: string; n: string; day: string }>(
      t.db,
      `select s.name as slot, r.rate_per_unit::text as rate, count(*)::text as n, min(r.effective_date)::text as day
         from market_rates r join time_slots s on s.id = r.time_slot_id group by s.name, r.rate_per_unit order by s.name`,
    );
    // 00:30 UTC on the 24th is 06:00 IST on the 24th.
    expect(rates).toEqual([
      { slot: 'Afternoon', rate: '120.00', n: '5', day: '2026-11-24' },
      { slot: 'Early Morning', rate: '150.00', n: '5', day: '2026-11-24' },
      { slot: 'Evening', rate: '120.00', n: '5', day: '2026-11-24' },
      { slot: 'Late Morning', rate: '140.00', n: '5', day: '2026-11-24' },
      { slot: 'Morning Peak', rate: '180.00', n: '5', day: '2026-11-24' },
    ]);
  });

  it("keep the staff/farmer phone as both, and the guide's settings", async () => {
    const staff = await sql(t.db, "select role from users where phone = '+919876543211'");
    const farmer = await sql(t.db, "select farmer_code from farmers where whatsapp_number = '+919876543211'");
    expect(staff).toEqual([{ role: 'staff' }]);
    expect(farmer).toEqual([{ farmer_code: 'FAR001' }]);
    const settings = await sql<{ key: string; value: string; value_type: string }>(
      t.db,
      "select key, value, value_type from system_settings where key in ('commission_rate','market_open_time','market_close_time','settlement_frequency','whatsapp_enabled') order by key",
    );
    expect(settings).toEqual([
      { key: 'commission_rate', value: '5.0', value_type: 'number' },
      { key: 'market_close_time', value: '18:00', value_type: 'string' },
      { key: 'market_open_time', value: '04:00', value_type: 'string' },
      { key: 'settlement_frequency', value: 'weekly', value_type: 'string' },
      { key: 'whatsapp_enabled', value: 'true', value_type: 'boolean' },
    ]);
  });
});

describe('seeded passwords', () => {
  // One database each (migrated from nothing): one test each, so a slow box does not add them up.
  it.each([
    ['development', undefined],
    ['test', undefined],
    ['production', true],
  ] as const)(
    "are the guide's only in development; in test (or --demo outside development) generated and reported once: %s",
    async (nodeEnv, samples) => {
      const t = await createTestDatabase({ prepared: false });
      try {
        await migrateUp(t.db.orm);
        const report = await seedReference(t.db.orm, { nodeEnv, samples, marketTimeZone: 'Asia/Kolkata' });
        const [admin] = await sql<{ password_hash: string }>(t.db, "select password_hash from users where email = 'admin@malar.com'");
        const [staff] = await sql<{ password_hash: string }>(t.db, "select password_hash from users where email = 'staff1@malar.com'");
        expect(admin!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
        expect(await verifyPassword(admin!.password_hash, 'admin123')).toBe(nodeEnv === 'development');
        expect(await verifyPassword(staff!.password_hash, 'staff123')).toBe(nodeEnv === 'development');
        const reported = Object.fromEntries(report.createdCredentials.map((c) => [c.email, c.password]));
        if (nodeEnv === 'development') expect(reported).toEqual({});
        else {
          expect(Object.keys(reported).sort()).toEqual(['admin@malar.com', 'staff1@malar.com']);
          for (const [email, password] of Object.entries(reported)) {
            const [row] = await sql<{ password_hash: string }>(t.db, 'select password_hash from users where email = ?', [email]);
            expect(await verifyPassword(row!.password_hash, password)).toBe(true);
          }
        }
      } finally {
        await t.close();
      }
    },
  );
});

describe('a production database', () => {
  it('gets the catalogue only: no users, farmers or rates; the time zone it was made under', async () => {
    const t = await createTestDatabase({ prepared: false });
    try {
      await migrateUp(t.db.orm);
      const report = await seedReference(t.db.orm, { nodeEnv: 'production', marketTimeZone: 'Asia/Colombo' });
      expect(report.lines).toEqual([
        'flower types: 5 created, 0 already present',
        'time slots: 5 created, 0 already present',
        expect.stringMatching(/^system settings: \d+ created, 0 already present$/),
      ]);
      expect(report.createdCredentials).toEqual([]);
      const counts = await sql<{ t: string; n: number }>(
        t.db,
        `select 'users' as t, count(*)::int as n from users union all select 'farmers', count(*)::int from farmers
         union all select 'market_rates', count(*)::int from market_rates union all select 'flower_types', count(*)::int from flower_types
         union all select 'time_slots', count(*)::int from time_slots`,
      );
      expect(counts).toEqual([
        { t: 'users', n: 0 },
        { t: 'farmers', n: 0 },
        { t: 'market_rates', n: 0 },
        { t: 'flower_types', n: 5 },
        { t: 'time_slots', n: 5 },
      ]);
      expect(await sql(t.db, "select value from system_settings where key = 'market_timezone'")).toEqual([{ value: 'Asia/Colombo' }]);
    } finally {
      await t.close();
    }
  });
});
