// npm run db:* — each command prints what it did and exits non-zero on failure.
import { loadConfig, loadDotEnv } from '../config.js';
import { openDatabase, type Database } from '../db/orm.js';
import { migrateDown, migrateUp, migrationStatus, schemaDrift } from '../db/schema.js';
import { seedDemo, seedReference } from '../../seeds/ReferenceSeeder.js';
import type { Config } from '../config.js';
import { runCli } from './cli.js';
import { AppError } from '../errors.js';
import { formatDryRun, pendingMigrationSql } from './migrate-dry-run.js';

/** `samples`: the guide's sample people and rates even in production (db:seed --demo); default: not in production. */
async function printSeed(db: Database, config: Config, samples?: boolean) {
  const { pending } = await migrationStatus(db.orm);
  if (pending.length) throw new AppError('MIGRATIONS_PENDING', `${pending.length} migration(s) are pending: run npm run db:migrate first.`);
  const report = await seedReference(db.orm, { ...config, ...(samples ? { samples } : {}) });
  for (const line of report.lines) console.log(line);
  for (const c of report.createdCredentials) console.log(`New account ${c.email}, password: ${c.password} (shown once; change it after logging in)`);
}

const commands: Record<string, (db: Database, args: string[], config: Config) => Promise<number>> = {
  async migrate(db, args) {
    if (args.includes('--dry-run')) {
      console.log(formatDryRun(await pendingMigrationSql(db.orm)));
      return 0;
    }
    const done = await migrateUp(db.orm);
    console.log(done.length ? `Applied ${done.length} migration(s):\n  ${done.join('\n  ')}` : 'Nothing to migrate: the schema is current.');
    return 0;
  },
  async rollback(db, args) {
    const steps = Number(args[0] ?? 1);
    if (!Number.isInteger(steps) || steps < 1) throw new Error('rollback takes a whole number of steps, e.g. db:rollback -- 2');
    const done = await migrateDown(db.orm, steps);
    console.log(done.length ? `Reverted ${done.length} migration(s):\n  ${done.join('\n  ')}` : 'Nothing to roll back.');
    return 0;
  },
  async status(db) {
    const { executed, pending } = await migrationStatus(db.orm);
    for (const name of executed) console.log(`  applied  ${name}`);
    for (const name of pending) console.log(`  pending  ${name}`);
    console.log(`${executed.length} applied, ${pending.length} pending`);
    return 0;
  },
  async create(db, args) {
    const name = args[0];
    const blank = args.includes('--blank');
    const result = await db.orm.migrator.create(undefined, blank, false, name);
    if (!result.fileName) {
      console.log('No schema changes: the entities match the migrated schema, so no migration was written.');
      return 0;
    }
    console.log(`Wrote migrations/${result.fileName}`);
    return 0;
  },
  async check(db) {
    const { pending } = await migrationStatus(db.orm);
    if (pending.length) {
      console.error(`${pending.length} migration(s) are pending; run npm run db:migrate first.`);
      return 1;
    }
    const drift = await schemaDrift(db.orm);
    if (drift) {
      console.error('The entities differ from the migrated schema. A migration would need:\n' + drift);
      return 1;
    }
    console.log('No changes: the migrated schema matches the entities.');
    return 0;
  },
  async seed(db, args, config) {
    // --demo: the guide's sample market (people, farmers, rates) and a week of activity, in any NODE_ENV.
    const demo = args.includes('--demo');
    await printSeed(db, config, demo);
    if (demo) for (const line of await seedDemo(db.orm, config)) console.log(line);
    return 0;
  },
  async reset(db, args, config) {
    if (config.nodeEnv === 'production' && !args.includes('--i-know')) {
      console.error('db:reset is refused when NODE_ENV=production: it deletes every row.');
      return 1;
    }
    await db.orm.schema.drop({ dropMigrationsTable: true });
    console.log('Dropped every table.');
    const done = await migrateUp(db.orm);
    console.log(`Applied ${done.length} migration(s).`);
    await printSeed(db, config);
    return 0;
  },
};

await runCli(async (argv) => {
  const [command, ...args] = argv;
  const run = command ? commands[command] : undefined;
  if (!run) {
    console.error(`Usage: db-cli <${Object.keys(commands).join('|')}> [args]`);
    return 2;
  }
  loadDotEnv();
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    // On stderr with --dry-run, so the SQL on stdout can be piped or saved as it is.
    (args.includes('--dry-run') ? console.error : console.log)(`Database: ${db.kind === 'embedded' ? `embedded (${config.dataDir}/db)` : 'PostgreSQL server'}`);
    return await run(db, args, config);
  } finally {
    await db.close();
  }
});
