// Reference data seeding: inserts what is missing, never overwrites what an admin has changed,
// so running it twice changes nothing. The catalogue (flowers, slots, settings) always; the guide's sample
// people and placeholder rates only when asked for (development, test, or db:seed --demo): a production
// market starts with no users, farmers or rates — `npm run setup` creates its first admin.
import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from '../src/domain/users/user.entity.js';
import { Buyer } from '../src/domain/buyers/buyer.entity.js';
import { Farmer } from '../src/domain/farmers/farmer.entity.js';
import { FlowerType } from '../src/domain/flowers/flower-type.entity.js';
import { TimeSlot } from '../src/domain/slots/time-slot.entity.js';
import { MarketRate } from '../src/domain/rates/market-rate.entity.js';
import { SystemSetting } from '../src/domain/settings/system-setting.entity.js';
import { SETTINGS_CATALOG } from '../src/domain/settings/catalog.js';
import { generatePassword, hashPassword } from '../src/domain/users/password.js';
import { localDate } from '../src/domain/market-time.js';
import { REFERENCE_FARMERS, REFERENCE_FLOWERS, REFERENCE_SLOTS, REFERENCE_USERS, referenceRate, SAMPLE_BUYERS } from './reference-data.js';

export interface ReferenceSeedOptions {
  nodeEnv: string;
  marketTimeZone: string;
  now?: Date;
  /** The guide's sample users, farmers and rates. Default: everywhere but production. */
  samples?: boolean;
}

/** Whether a seed run adds the guide's sample people and rates: asked for, or not production. */
export const wantsSamples = (options: Pick<ReferenceSeedOptions, 'nodeEnv' | 'samples'>) => options.samples ?? options.nodeEnv !== 'production';

export interface SeedReport {
  lines: string[];
  /** Passwords made for new accounts: shown once, never stored in clear. */
  createdCredentials: { email: string; password: string }[];
}

export async function seedReferenceData(em: EntityManager, options: ReferenceSeedOptions): Promise<SeedReport> {
  const report: SeedReport = { lines: [], createdCredentials: [] };
  const count = (what: string, created: number, total: number) =>
    report.lines.push(`${what}: ${created} created, ${total - created} already present`);

  const samples = wantsSamples(options);
  let created = 0;
  for (const u of samples ? REFERENCE_USERS : []) {
    if (await em.findOne(User, { email: u.email })) continue;
    let password: string;
    if (options.nodeEnv === 'development') password = u.devPassword;
    else {
      password = generatePassword();
      report.createdCredentials.push({ email: u.email, password });
    }
    em.create(User, {
      email: u.email,
      fullName: u.fullName,
      phone: u.phone,
      role: u.role,
      isActive: true,
      emailVerified: true,
      languagePreference: u.languagePreference,
      passwordHash: await hashPassword(password),
    });
    created++;
  }
  if (samples) count('users', created, REFERENCE_USERS.length);

  created = 0;
  for (const f of samples ? REFERENCE_FARMERS : []) {
    if (await em.findOne(Farmer, { farmerCode: f.farmerCode })) continue;
    em.create(Farmer, { ...f, languagePreference: 'ta' });
    created++;
  }
  if (samples) count('farmers', created, REFERENCE_FARMERS.length);

  // Sample buyers: development and demo only, like the sample farmers.
  created = 0;
  // A database migrated only part of the way (the data-migration tests) has no buyers table yet.
  const [{ ok: hasBuyers } = { ok: false }] = await em.execute<{ ok: boolean }[]>(`select to_regclass('buyers') is not null as ok`);
  for (const b of samples && hasBuyers ? SAMPLE_BUYERS : []) {
    if (await em.findOne(Buyer, { buyerCode: b.buyerCode })) continue;
    em.create(Buyer, { ...b, languagePreference: 'ta', isActive: true, currentBalance: '0' });
    created++;
  }
  if (samples && hasBuyers) count('buyers', created, SAMPLE_BUYERS.length);

  created = 0;
  const flowers = [];
  for (const f of REFERENCE_FLOWERS) {
    let flower = await em.findOne(FlowerType, { code: f.code });
    if (!flower) {
      flower = em.create(FlowerType, { ...f, aliases: [...f.aliases] });
      created++;
    }
    flowers.push(flower);
  }
  count('flower types', created, REFERENCE_FLOWERS.length);

  created = 0;
  const slots = [];
  for (const s of REFERENCE_SLOTS) {
    let slot = await em.findOne(TimeSlot, { name: s.name });
    if (!slot) {
      slot = em.create(TimeSlot, { ...s, aliases: [...s.aliases] });
      created++;
    }
    slots.push(slot);
  }
  count('time slots', created, REFERENCE_SLOTS.length);
  await em.flush();

  // Sample only: a first rate for every flower and slot that has none, effective from the day of seeding.
  // A real market sets its own; until then an entry without `@rate` is refused as "rate missing".
  created = 0;
  const today = localDate(options.now ?? new Date(), options.marketTimeZone);
  for (const flower of samples ? flowers : []) {
    for (const slot of slots) {
      if (await em.count(MarketRate, { flowerType: flower, timeSlot: slot })) continue;
      em.create(MarketRate, { flowerType: flower, timeSlot: slot, ratePerUnit: referenceRate(slot.name), effectiveDate: today });
      created++;
    }
  }
  if (samples) count('market rates', created, flowers.length * slots.length);

  created = 0;
  for (const s of SETTINGS_CATALOG) {
    if (await em.findOne(SystemSetting, { key: s.key })) continue;
    // The zone the database was created under (MARKET_TIMEZONE), not the catalogue's default.
    em.create(SystemSetting, { ...s, ...(s.key === 'market_timezone' ? { value: options.marketTimeZone } : {}) });
    created++;
  }
  count('system settings', created, SETTINGS_CATALOG.length);
  await em.flush();
  return report;
}
