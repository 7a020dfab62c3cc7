// npm run db:pitr -- setup [--apply] | base-backup | restore --to TIME --into DIR|PORT
import pg from 'pg';
import { loadConfig, loadDotEnv, type Config } from '../config.js';
import { openDatabase } from '../db/orm.js';
import { parseCommandLine, runCli, UsageError } from './cli.js';
import { applyPitrSettings, baseBackups, parseTarget, pitrStatus, PITR_NEEDS_SERVER, recoverToTime, takeBaseBackup, walDir } from './pitr.js';
import { textTable } from './maintenance.js';
import { expectedForeignKeys, formatReport, ormSql, validateLedger } from './validation/validate.js';

const USAGE = {
  setup: 'Usage: npm run db:pitr -- setup [--apply]',
  'base-backup': 'Usage: npm run db:pitr -- base-backup',
  restore: 'Usage: npm run db:pitr -- restore --to "2026-12-02 10:39:00+05:30"|latest [--into DIR|PORT]',
};
const ALL = 'Usage: npm run db:pitr -- <setup [--apply] | base-backup | restore --to TIME [--into DIR|PORT]>';

async function setup(config: Config, url: string, argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, USAGE.setup, { apply: { type: 'boolean' } });
  const status = await pitrStatus(url, config.backupDir);
  console.log(
    textTable(
      ['setting', 'now', 'needed', ''],
      status.settings.map((s) => [s.name, s.current, s.wanted, s.ok ? 'ok' : 'CHANGE']),
    ),
  );
  if (status.statements.length) {
    if (!values.apply) {
      console.log(`\nThe server needs (as a superuser; wal_level and archive_mode need a restart):\n  ${status.statements.join('\n  ')}`);
      console.log(`The WAL archive folder ${walDir(config.backupDir)} must be writable by the postgres user.`);
      console.log(
        'Run again with --apply to do it, restart PostgreSQL (e.g. pg_ctlcluster 15 main restart), then run setup again for the base backup.',
      );
      return 1;
    }
    await applyPitrSettings(url, status, config.backupDir);
    console.log(`\nApplied:\n  ${status.statements.join('\n  ')}`);
    const after = await pitrStatus(url, config.backupDir);
    if (after.statements.length) {
      console.log(
        `Restart PostgreSQL for ${after.settings
          .filter((s) => !s.ok)
          .map((s) => s.name)
          .join(', ')} (e.g. pg_ctlcluster 15 main restart), then run db:pitr -- setup again.`,
      );
      return 1;
    }
  }
  return baseBackup(config, url);
}

async function baseBackup(config: Config, url: string): Promise<number> {
  console.log('Taking a base backup (pg_basebackup)…');
  const b = await takeBaseBackup(url, config.backupDir);
  console.log(
    `Base backup: ${b.dir}\nRecovery is possible to any time from ${b.finishedAt.toISOString()} on, while the WAL in ${walDir(config.backupDir)} is kept.`,
  );
  console.log(
    `Base backups now: ${baseBackups(config.backupDir).length}. Take one daily (cron: npm run db:pitr -- base-backup); older ones and their WAL may then be removed.`,
  );
  return 0;
}

async function restore(config: Config, url: string, argv: string[]): Promise<number> {
  const { values } = parseCommandLine(argv, USAGE.restore, { to: { type: 'string' }, into: { type: 'string' } });
  if (!values.to) throw new UsageError('--to is required', USAGE.restore);
  const target = parseTarget(values.to);
  const into = values.into;
  const port = into && /^\d+$/.test(into) ? Number(into) : undefined;
  const dir = into && port === undefined ? into : undefined;
  let hbaFile: string | undefined;
  try {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    hbaFile = String((await c.query('show hba_file')).rows[0].hba_file);
    await c.end();
  } catch {
    // The live server may be the one that is gone.
  }
  console.log(`Recovering to ${target === 'latest' ? 'the last archived WAL record' : target.toISOString()}…`);
  const r = await recoverToTime({ backupDir: config.backupDir, liveUrl: url, target, dir, port, hbaFile });
  console.log(`Recovered cluster running: ${r.dir} on port ${r.port} (from base backup ${r.base.dir}, then the WAL archive)`);
  const db = await openDatabase(config, { url: r.url });
  let ok: boolean;
  try {
    const report = await validateLedger(ormSql(db.orm), expectedForeignKeys(db.orm));
    console.log(`\n${formatReport(report)}`);
    ok = report.ok;
  } finally {
    await db.close();
  }
  console.log(`\nCheck it, then switch the service: DATABASE_URL=${r.url.replace(/:[^:@/]*@/, ':…@')}`);
  console.log(`Stop it when done: ${process.getuid?.() === 0 ? 'runuser -u postgres -- ' : ''}${r.pgCtl} -D ${r.dir} stop`);
  return ok ? 0 : 1;
}

await runCli(async (argv) => {
  const [command, ...args] = argv;
  if (!command || !Object.hasOwn(USAGE, command)) throw new UsageError(command ? `unknown command '${command}'` : 'missing command', ALL);
  parseCommandLine(
    args,
    USAGE[command as keyof typeof USAGE],
    command === 'setup' ? { apply: { type: 'boolean' } } : command === 'restore' ? { to: { type: 'string' }, into: { type: 'string' } } : {},
  );
  loadDotEnv();
  const config = loadConfig();
  if (!config.databaseUrl) {
    console.error(`db:pitr: ${PITR_NEEDS_SERVER}`);
    return 1;
  }
  if (command === 'setup') return setup(config, config.databaseUrl, args);
  if (command === 'base-backup') return baseBackup(config, config.databaseUrl);
  return restore(config, config.databaseUrl, args);
});
