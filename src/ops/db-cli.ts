// npm run db:* — each command prints what it did and exits non-zero on failure.
import { loadConfig, loadDotEnv } from '../config.js';
import { openDatabase, type Database } from '../db/orm.js';
import { migrateDown, migrateDownTo, migrationStatus, schemaDrift } from '../db/schema.js';
import { seedDemo, seedReference } from '../../seeds/ReferenceSeeder.js';
import type { Config } from '../config.js';
import type { ParseArgsOptionsConfig } from 'node:util';
import { parseCommandLine, runCli, UsageError } from './cli.js';
import { AppError } from '../errors.js';
import { initDatabase } from './db-init.js';
import { formatDryRun, pendingMigrationSql } from './migrate-dry-run.js';
import { migrateSafely } from './safe-migrate.js';

/** `samples`: the guide's sample people and rates even in production (db:seed --demo); default: not in production. */
async function printSeed(db: Database, config: Config, samples?: boolean) {
  const { pending } = await migrationStatus(db.orm);
  if (pending.length) throw new AppError('MIGRATIONS_PENDING', `${pending.length} migration(s) are pending: run npm run db:migrate first.`);
  const report = await seedReference(db.orm, { ...config, ...(samples ? { samples } : {}) });
  for (const line of report.lines) console.log(line);
  for (const c of report.createdCredentials) console.log(`New account ${c.email}, password: ${c.password} (shown once; change it after logging in)`);
}

const USAGE = {
  migrate: 'Usage: npm run db:migrate [-- --dry-run] [--no-backup]',
  rollback: 'Usage: npm run db:rollback [-- STEPS | --to MIGRATION_NAME]',
  status: 'Usage: npm run db:migrate:status',
  create: 'Usage: npm run db:migration:create -- NAME [--blank]',
  check: 'Usage: npm run db:migration:check',
  seed: 'Usage: npm run db:seed [-- --demo]',
  reset: 'Usage: npm run db:reset [-- --i-know]',
  init: 'Usage: npm run db:init -- --app-role NAME [--owner-role NAME]   (DATABASE_URL: an administrative URL)',
};
type Command = keyof typeof USAGE;

/** Each command's flags and how many plain arguments it takes, checked before any database is opened. */
const SPEC = {
  migrate: { options: { 'dry-run': { type: 'boolean' }, 'no-backup': { type: 'boolean' } } },
  rollback: { options: { to: { type: 'string' } }, positionals: { max: 1 } },
  status: { options: {} },
  create: { options: { blank: { type: 'boolean' } }, positionals: { min: 1, max: 1 } },
  check: { options: {} },
  seed: { options: { demo: { type: 'boolean' } } },
  reset: { options: { 'i-know': { type: 'boolean' } } },
  init: { options: { 'app-role': { type: 'string' }, 'owner-role': { type: 'string' } } },
} as const satisfies Record<Command, { options: ParseArgsOptionsConfig; positionals?: { min?: number; max?: number } }>;

function parse(c: Command, argv: string[]): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const spec: { options: ParseArgsOptionsConfig; positionals?: { min?: number; max?: number } } = SPEC[c];
  const r = parseCommandLine(argv, USAGE[c], spec.options, spec.positionals ?? { max: 0 });
  return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
}

/** Commands that open the configured database; init connects with the admin URL itself. */
const commands: Record<Exclude<Command, 'init'>, (db: Database, argv: string[], config: Config) => Promise<number>> = {
  async migrate(db, argv, config) {
    const { values } = parse('migrate', argv);
    if (values['dry-run']) {
      console.log(formatDryRun(await pendingMigrationSql(db.orm)));
      return 0;
    }
    const r = await migrateSafely(db, config, { backup: !values['no-backup'], print: (l) => console.log(l) });
    console.log(
      r.applied.length ? `Applied ${r.applied.length} migration(s):\n  ${r.applied.join('\n  ')}` : 'Nothing to migrate: the schema is current.',
    );
    return 0;
  },
  async rollback(db, argv) {
    const { values, positionals } = parse('rollback', argv);
    if (values.to !== undefined && positionals.length) throw new UsageError('give STEPS or --to, not both', USAGE.rollback);
    let done: string[];
    if (values.to !== undefined) {
      const executed = (await migrationStatus(db.orm)).executed;
      if (!executed.includes(String(values.to))) {
        throw new AppError('ROLLBACK_UNKNOWN', `no applied migration is named ${values.to}. Applied: ${executed.join(', ') || 'none'}`);
      }
      done = await migrateDownTo(db.orm, String(values.to));
    } else {
      const steps = Number(positionals[0] ?? 1);
      if (!Number.isInteger(steps) || steps < 1) throw new UsageError('STEPS is a whole number, e.g. db:rollback -- 2', USAGE.rollback);
      done = await migrateDown(db.orm, steps);
    }
    console.log(done.length ? `Reverted ${done.length} migration(s):\n  ${done.join('\n  ')}` : 'Nothing to roll back.');
    return 0;
  },
  async status(db, argv) {
    parse('status', argv);
    const { executed, pending } = await migrationStatus(db.orm);
    for (const name of executed) console.log(`  applied  ${name}`);
    for (const name of pending) console.log(`  pending  ${name}`);
    console.log(`${executed.length} applied, ${pending.length} pending`);
    return 0;
  },
  async create(db, argv) {
    const { values, positionals } = parse('create', argv);
    const result = await db.orm.migrator.create(undefined, Boolean(values.blank), false, positionals[0]);
    if (!result.fileName) {
      console.log('No schema changes: the entities match the migrated schema, so no migration was written.');
      return 0;
    }
    console.log(`Wrote migrations/${result.fileName}`);
    return 0;
  },
  async check(db, argv) {
    parse('check', argv);
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
  async seed(db, argv, config) {
    // --demo: the guide's sample market (people, farmers, rates) and a week of activity, in any NODE_ENV.
    const { values } = parse('seed', argv);
    await printSeed(db, config, Boolean(values.demo));
    if (values.demo) for (const line of await seedDemo(db.orm, config)) console.log(line);
    return 0;
  },
  async reset(db, argv, config) {
    const { values } = parse('reset', argv);
    if (config.nodeEnv === 'production' && !values['i-know']) {
      console.error('db:reset is refused when NODE_ENV=production: it deletes every row.');
      return 1;
    }
    await db.orm.schema.drop({ dropMigrationsTable: true });
    console.log('Dropped every table.');
    const done = (await migrateSafely(db, { ...config, migrateBackup: false })).applied;
    console.log(`Applied ${done.length} migration(s).`);
    await printSeed(db, config);
    return 0;
  },
};

async function init(argv: string[], config: Config): Promise<number> {
  const { values } = parse('init', argv);
  if (!values['app-role']) throw new UsageError('--app-role is required', USAGE.init);
  if (!config.databaseUrl) {
    console.error(
      'db:init sets up a PostgreSQL server: set DATABASE_URL to an administrative URL, e.g. postgres://postgres@127.0.0.1:5432/malar. The embedded database needs no setup.',
    );
    return 1;
  }
  const r = await initDatabase({
    adminUrl: config.databaseUrl,
    appRole: String(values['app-role']),
    ownerRole: String(values['owner-role'] ?? `${values['app-role']}_owner`),
  });
  console.log(`Database ${r.database}: ${r.databaseCreated ? 'created' : 'already there'}`);
  console.log(
    `Owner role ${r.owner.role}: ${r.owner.created ? 'created' : 'already there, password unchanged'}; owns the schema${r.reassigned ? ` (${r.reassigned} existing tables/sequences given to it)` : ''}; runs migrations.`,
  );
  console.log(
    `App role ${r.app.role}: ${r.app.created ? 'created' : 'already there, password unchanged'}; may select, insert, update, delete; no DDL.`,
  );
  console.log('\nMigrations and db:* commands (keep it off the service):');
  console.log(`  DATABASE_URL=${r.owner.url}`);
  console.log('The service (MIGRATE_ON_START=false: it cannot migrate):');
  console.log(`  DATABASE_URL=${r.app.url}`);
  if (r.owner.created || r.app.created) console.log('Passwords are shown once; keep them in your secrets store.');
  return 0;
}

await runCli(async (argv) => {
  const [command, ...args] = argv;
  const known = command !== undefined && Object.hasOwn(USAGE, command);
  if (!known)
    throw new UsageError(command ? `unknown command '${command}'` : 'missing command', `Usage: db-cli <${Object.keys(USAGE).join('|')}> [args]`);
  parse(command as Command, args);
  loadDotEnv();
  const config = loadConfig();
  if (command === 'init') return init(args, config);
  const run = commands[command as Exclude<Command, 'init'>];
  const db = await openDatabase(config);
  try {
    // On stderr with --dry-run, so the SQL on stdout can be piped or saved as it is.
    (args.includes('--dry-run') ? console.error : console.log)(
      `Database: ${db.kind === 'embedded' ? `embedded (${config.dataDir}/db)` : 'PostgreSQL server'}`,
    );
    return await run(db, args, config);
  } finally {
    await db.close();
  }
});
