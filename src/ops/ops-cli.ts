// npm run db:validate | db:backup | db:restore | db:maintenance — each prints what it did; exit 1 when something is wrong.
import { loadConfig, type Config } from '../config.js';
import { openDatabase } from '../db/orm.js';
import { backupDatabase } from './backup/backup.js';
import { humanSize } from './backup/files.js';
import { restoreBackup } from './backup/restore.js';
import { runCli } from './cli.js';
import { formatMaintenance, maintenanceReport, textTable, vacuumAnalyze } from './maintenance.js';
import { expectedForeignKeys, formatReport, ormSql, validateLedger } from './validation/validate.js';

const databaseLabel = (config: Config) => (config.databaseUrl ? 'PostgreSQL server' : `embedded (${config.dataDir}/db)`);

const commands: Record<string, (config: Config, args: string[]) => Promise<number>> = {
  async validate(config, args) {
    const db = await openDatabase(config);
    try {
      const report = await validateLedger(ormSql(db.orm), expectedForeignKeys(db.orm));
      console.log(args.includes('--json') ? JSON.stringify(report, null, 2) : `Database: ${databaseLabel(config)}\n${formatReport(report)}`);
      return report.ok ? 0 : 1;
    } finally {
      await db.close();
    }
  },

  async backup(config) {
    const db = await openDatabase(config);
    try {
      console.log(`Database: ${databaseLabel(config)}`);
      const r = await backupDatabase(db, config.backupDir);
      console.log(`Backup written: ${r.file}`);
      console.log(`  format   ${r.format === 'pg_dump' ? 'pg_dump custom format (-Fc)' : 'PGlite data directory (gzipped tar)'}`);
      console.log(`  size     ${humanSize(r.bytes)} (${r.bytes} bytes)`);
      console.log(`  sha256   ${r.sha256}  (also in ${r.file}.sha256)`);
      console.log(`  verified ${r.verified}`);
      console.log(
        r.removed.length
          ? `Retention ${r.retentionDays} days: removed ${r.removed.length} older backup(s): ${r.removed.join(', ')}`
          : `Retention ${r.retentionDays} days: nothing older to remove.`,
      );
      return 0;
    } finally {
      await db.close();
    }
  },

  async restore(config, args) {
    const file = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--into');
    if (!file) {
      console.error('Usage: npm run db:restore -- FILE [--into NAME] [--force]');
      return 2;
    }
    const intoAt = args.indexOf('--into');
    const into = intoAt >= 0 ? args[intoAt + 1] : undefined;
    if (intoAt >= 0 && !into) {
      console.error('--into needs a database name');
      return 2;
    }
    console.log(`Restoring ${file} (${databaseLabel(config)})…`);
    const r = await restoreBackup(config, { file, into, force: args.includes('--force'), liveUrl: config.databaseUrl });
    console.log(`Restored into: ${r.target}`);
    console.log(`Checksum: ${r.checksum === 'match' ? 'matches the .sha256 written at backup time' : 'no .sha256 beside the file; not compared'}`);
    console.log(textTable(['table', 'in dump', 'restored', ''], r.counts.map((c) => [c.table, c.dump ?? '-', c.restored ?? '-', c.dump === c.restored ? 'ok' : 'DIFFERENT'])));
    console.log(r.countsMatch ? 'Row counts match the dump.' : 'Row counts DIFFER from the dump.');
    console.log(`\n${formatReport(r.validation)}`);
    return r.countsMatch && r.validation.ok ? 0 : 1;
  },

  async maintenance(config, args) {
    const db = await openDatabase(config);
    try {
      const run = ormSql(db.orm);
      console.log(`Database: ${databaseLabel(config)}`);
      if (args.includes('--vacuum')) {
        const done = await vacuumAnalyze(run);
        console.log(`VACUUM ANALYZE done on: ${done.join(', ')}\n`);
      }
      console.log(formatMaintenance(await maintenanceReport(run)));
      return 0;
    } finally {
      await db.close();
    }
  },
};

await runCli(async (argv) => {
  const [command, ...args] = argv;
  const run = command ? commands[command] : undefined;
  if (!run) {
    console.error(`Usage: ops-cli <${Object.keys(commands).join('|')}> [args]`);
    return 2;
  }
  return run(loadConfig(), args);
});
