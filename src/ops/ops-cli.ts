// npm run db:validate | db:backup | db:restore | db:maintenance — each prints what it did; exit 1 when something is wrong.
import { loadConfig, type Config } from '../config.js';
import { openDatabase } from '../db/orm.js';
import { backupDatabase } from './backup/backup.js';
import { humanSize, type BackupScope } from './backup/files.js';
import { restoreBackup } from './backup/restore.js';
import { opsUrl, restoreTable, type TableDiff } from './backup/table-restore.js';
import { parseCommandLine, runCli, UsageError } from './cli.js';
import { formatMaintenance, maintenanceReport, textTable, vacuumAnalyze } from './maintenance.js';
import { expectedForeignKeys, formatReport, ormSql, validateLedger } from './validation/validate.js';

const databaseLabel = (config: Config) => (config.databaseUrl ? 'PostgreSQL server' : `embedded (${config.dataDir}/db)`);

const USAGE = {
  validate: 'Usage: npm run db:validate [-- --json]',
  backup: 'Usage: npm run db:backup [-- --schema-only | --data-only | --table NAME [--table NAME]...]',
  restore:
    'Usage: npm run db:restore -- FILE [--into NAME] [--force]\n' +
    '       npm run db:restore -- FILE --table NAME [--columns a,b] [--apply] [--force]   (one table into the live database; without --apply, only the differences)',
  maintenance: 'Usage: npm run db:maintenance [-- --vacuum]',
};

const show = (v: unknown) => (v === null || v === undefined ? 'null' : typeof v === 'string' ? v : JSON.stringify(v));

export function formatTableDiff(d: TableDiff): string {
  const lines = [
    `Table ${d.table} (key ${d.key.join(', ')}): ${d.liveRows} live row(s), ${d.backupRows} in the backup.`,
    `  would add     ${d.added}${d.examples.added.length ? `   e.g. ${d.examples.added.join('; ')}` : ''}`,
    `  would remove  ${d.removed}${d.examples.removed.length ? `   e.g. ${d.examples.removed.join('; ')}` : ''}`,
    `  would change  ${d.changed}`,
  ];
  for (const c of d.examples.changed) {
    lines.push(`    ${c.key}: ${c.columns.map((x) => `${x.column} ${show(x.live)} → ${show(x.backup)}`).join(', ')}`);
  }
  if (d.changed > d.examples.changed.length) lines.push(`    … and ${d.changed - d.examples.changed.length} more`);
  return lines.join('\n');
}

const commands: Record<keyof typeof USAGE, (config: Config, argv: string[]) => Promise<number>> = {
  async validate(config, argv) {
    const { values } = parseCommandLine(argv, USAGE.validate, { json: { type: 'boolean' } });
    const db = await openDatabase(config);
    try {
      const report = await validateLedger(ormSql(db.orm), expectedForeignKeys(db.orm));
      console.log(values.json ? JSON.stringify(report, null, 2) : `Database: ${databaseLabel(config)}\n${formatReport(report)}`);
      return report.ok ? 0 : 1;
    } finally {
      await db.close();
    }
  },

  async backup(config, argv) {
    const { values } = parseCommandLine(argv, USAGE.backup, {
      'schema-only': { type: 'boolean' },
      'data-only': { type: 'boolean' },
      table: { type: 'string', multiple: true },
    });
    const chosen = [values['schema-only'], values['data-only'], values.table?.length].filter(Boolean).length;
    if (chosen > 1) throw new UsageError('choose one of --schema-only, --data-only, --table', USAGE.backup);
    const scope: BackupScope = values['schema-only']
      ? { kind: 'schema' }
      : values['data-only']
        ? { kind: 'data' }
        : values.table?.length
          ? { kind: 'tables', tables: [...new Set(values.table)] }
          : { kind: 'full' };
    const db = await openDatabase(config);
    try {
      console.log(`Database: ${databaseLabel(config)}`);
      const r = await backupDatabase(db, config.backupDir, new Date(), scope);
      const holds =
        scope.kind === 'full'
          ? 'everything'
          : scope.kind === 'tables'
            ? `tables ${scope.tables.join(', ')} (definition and rows)`
            : `${scope.kind} only`;
      console.log(`Backup written: ${r.file}`);
      console.log(`  holds    ${holds}`);
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

  async restore(config, argv) {
    const { values, positionals } = parseCommandLine(
      argv,
      USAGE.restore,
      { into: { type: 'string' }, force: { type: 'boolean' }, table: { type: 'string' }, columns: { type: 'string' }, apply: { type: 'boolean' } },
      { min: 1, max: 1 },
    );
    const file = positionals[0]!;
    if (values.table !== undefined && values.into !== undefined)
      throw new UsageError('--table restores into the live database; --into is for a whole backup', USAGE.restore);
    if ((values.apply || values.columns !== undefined) && values.table === undefined)
      throw new UsageError('--apply and --columns go with --table', USAGE.restore);
    if (values.table !== undefined) {
      const columns = values.columns
        ?.split(',')
        .map((c) => c.trim())
        .filter(Boolean);
      return restoreOneTable(config, file, values.table, { apply: Boolean(values.apply), force: Boolean(values.force), columns });
    }
    console.log(`Restoring ${file} (${databaseLabel(config)})…`);
    const r = await restoreBackup(config, { file, into: values.into, force: Boolean(values.force), liveUrl: config.databaseUrl });
    console.log(`Restored into: ${r.target}`);
    console.log(`Checksum: ${r.checksum === 'match' ? 'matches the .sha256 written at backup time' : 'no .sha256 beside the file; not compared'}`);
    console.log(
      textTable(
        ['table', 'in dump', 'restored', ''],
        r.counts.map((c) => [c.table, c.dump ?? '-', c.restored ?? '-', c.dump === c.restored ? 'ok' : 'DIFFERENT']),
      ),
    );
    console.log(r.countsMatch ? 'Row counts match the dump.' : 'Row counts DIFFER from the dump.');
    console.log(`\n${formatReport(r.validation)}`);
    return r.countsMatch && r.validation.ok ? 0 : 1;
  },

  async maintenance(config, argv) {
    const { values } = parseCommandLine(argv, USAGE.maintenance, { vacuum: { type: 'boolean' } });
    const db = await openDatabase(config);
    try {
      const run = ormSql(db.orm);
      console.log(`Database: ${databaseLabel(config)}`);
      if (values.vacuum) {
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

async function restoreOneTable(
  config: Config,
  file: string,
  table: string,
  opts: { apply: boolean; force: boolean; columns?: string[] },
): Promise<number> {
  const db = await openDatabase(config, config.databaseUrl ? { url: opsUrl(config.databaseUrl) } : {});
  try {
    console.log(`Database: ${databaseLabel(config)}`);
    console.log(`Loading ${table} from ${file} into a scratch schema…`);
    const r = await restoreTable(db, { file, table, ...opts });
    console.log(`Checksum: ${r.checksum === 'match' ? 'matches the .sha256 written at backup time' : 'no .sha256 beside the file; not compared'}`);
    console.log(formatTableDiff(r.diff));
    if (!r.applied) {
      console.log(`\nNothing was changed. To replace the live rows of ${table} with the backup's: add --apply.`);
      return 0;
    }
    console.log(
      `\nApplied in one transaction${opts.columns?.length ? ` (columns ${opts.columns.join(', ')} only)` : ''}: ${r.diff.added} added, ${r.diff.removed} removed, ${r.diff.changed} changed; audit row db.table_restored written.`,
    );
    console.log(`\n${formatReport(r.validation!)}`);
    return r.validation!.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

await runCli(async (argv) => {
  const [command, ...args] = argv;
  const run = command && Object.hasOwn(commands, command) ? commands[command as keyof typeof USAGE] : undefined;
  if (!run)
    throw new UsageError(command ? `unknown command '${command}'` : 'missing command', `Usage: ops-cli <${Object.keys(commands).join('|')}> [args]`);
  return run(loadConfig(), args);
});
