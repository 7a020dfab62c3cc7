// The one-query load of settings, active flowers and active slots gives exactly what each service's own loader
// gives (values, shapes, order), including an inactive flower left out and aliases kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeFlowers } from '../../src/domain/flowers/flower.service.js';
import { withReferenceCache } from '../../src/domain/reference-cache.js';
import { primeReferenceData } from '../../src/domain/reference-data.js';
import { getStringSetting } from '../../src/domain/settings/settings.service.js';
import { activeSlots } from '../../src/domain/slots/slot.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await sql(
    t.db,
    `insert into flower_types (name, name_ta, code, unit, aliases, is_active) values ('Test Lotus', 'சோதனை தாமரை', 'FLW900', 'piece', '{kamalam,thamarai}', true)`,
  );
  await sql(t.db, `insert into flower_types (name, name_ta, code, unit, is_active) values ('Test Old', 'சோதனை பழைய', 'FLW901', 'kg', false)`);
  await sql(t.db, `update time_slots set aliases = '{peak,uchcham}' where name = 'Morning Peak'`);
});
afterAll(async () => {
  await t?.close();
});

const read = (prime: boolean) =>
  withReferenceCache(async () => {
    const em = t.db.orm.em.fork();
    if (prime) await primeReferenceData(em);
    return {
      flowers: await activeFlowers(em),
      slots: await activeSlots(em),
      market: await getStringSetting(em, 'market_name_ta'),
      commission: await getStringSetting(em, 'commission_rate'),
    };
  });

describe('primeReferenceData', () => {
  it('gives what the loaders give', async () => {
    const primed = await read(true);
    expect(primed).toEqual(await read(false));
    expect(primed.flowers.map((f) => f.code)).toContain('FLW900');
    expect(primed.flowers.map((f) => f.code)).not.toContain('FLW901');
    expect(primed.flowers.find((f) => f.code === 'FLW900')).toMatchObject({ unit: 'piece', aliases: ['kamalam', 'thamarai'], nameTa: 'சோதனை தாமரை' });
    expect(primed.slots.find((s) => s.name === 'Morning Peak')!.aliases).toEqual(['peak', 'uchcham']);
    expect(primed.slots.map((s) => s.startTime)).toEqual([...primed.slots.map((s) => s.startTime)].sort());
    expect(primed.slots[0]!.startTime).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(primed.commission).toBe('5.0');
  });
});
