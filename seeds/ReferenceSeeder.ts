// MikroORM seeder for the reference data; the rows themselves are in reference-data.ts.
import type { EntityManager } from '@mikro-orm/postgresql';
import { Seeder } from '@mikro-orm/seeder';
import type { MikroORM } from '@mikro-orm/postgresql';
import { seedReferenceData, type ReferenceSeedOptions, type SeedReport } from './reference.js';
import { seedDemoData } from './demo.js';

/** A seeder class bound to this run's options (the seed manager takes classes, not instances). */
export function referenceSeeder(options: ReferenceSeedOptions, onReport: (r: SeedReport) => void) {
  return class ReferenceSeeder extends Seeder {
    async run(em: EntityManager): Promise<void> {
      // One transaction: a failure halfway leaves nothing half-seeded.
      onReport(await em.transactional((tx) => seedReferenceData(tx as EntityManager, options)));
    }
  };
}

export async function seedReference(orm: MikroORM, options: ReferenceSeedOptions): Promise<SeedReport> {
  let report: SeedReport = { lines: [], createdCredentials: [] };
  await orm.seeder.seed(referenceSeeder(options, (r) => (report = r)));
  return report;
}

/** The demo week (seeds/demo.ts) through the seeder, in one transaction. */
export async function seedDemo(orm: MikroORM, options: { marketTimeZone: string; now?: Date }): Promise<string[]> {
  let lines: string[] = [];
  class DemoSeeder extends Seeder {
    async run(em: EntityManager): Promise<void> {
      lines = await em.transactional((tx) => seedDemoData(tx as EntityManager, options));
    }
  }
  await orm.seeder.seed(DemoSeeder);
  return lines;
}
