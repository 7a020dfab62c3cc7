// npm run jobs -- list | run <job> [--date YYYY-MM-DD] | history [<job>] [--limit N]
// The scheduled jobs by hand: the same code, the same advisory lock, the same job_runs record as the service.
// With the console transport, what a run queued for WhatsApp is printed here, as `npm run chat` would show it.
import '../heap.js';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/orm.js';
import { createLogger } from '../logger.js';
import { prepareDatabase } from '../service.js';
import { createJobRunner } from '../jobs/jobs.js';
import { recentJobRuns } from '../domain/job-runs/job-runs.js';
import { ConsoleChannel } from '../channels/console/console-channel.js';
import { deliverPending, highestNotificationId } from '../channels/console/console-delivery.js';
import { afterLedgerDocumentSent, ledgerDocumentResolver } from '../outbox/documents.js';
import type { NotificationPayload } from '../domain/notifications/notification.entity.js';
import { textTable } from './maintenance.js';
import { parseCommandLine, runCli, UsageError } from './cli.js';

const USAGE = `Usage: npm run jobs -- list
       npm run jobs -- run <job> [--date YYYY-MM-DD]
       npm run jobs -- history [<job>] [--limit N]
  run --date   run as if due on that market date (a day's rate card or summary; the month before it for
               monthly-statements; the period before it for settlement). Default: the last due run.`;

const stamp = (d: Date | null | undefined, tz: string) =>
  d ? new Intl.DateTimeFormat('en-CA', { timeZone: tz, dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23' }).format(d).replace(',', '') : '-';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'list' && command !== 'run' && command !== 'history')
    throw new UsageError(command ? `unknown command '${command}'` : 'missing command', USAGE);
  const cl =
    command === 'run'
      ? parseCommandLine(rest, USAGE, { date: { type: 'string' } }, { min: 1, max: 1 })
      : command === 'history'
        ? parseCommandLine(rest, USAGE, { limit: { type: 'string' } }, { max: 1 })
        : parseCommandLine(rest, USAGE, {});
  const date = (cl.values as { date?: string }).date;
  if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new UsageError(`--date ${date}: write a date like 2026-12-01`, USAGE);
  const limitText = (cl.values as { limit?: string }).limit;
  const limit = limitText === undefined ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${limitText}: a whole number above 0`, USAGE);

  const config = loadConfig();
  const logger = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const db = await openDatabase(config);
  try {
    await prepareDatabase(db, config, logger);
    const runner = createJobRunner({ db, config, logger });
    const tz = config.marketTimeZone;
    if (command === 'list') {
      const rows = (await runner.list()).map((j) => [
        j.name,
        j.schedule ?? `BAD SETTING: ${j.scheduleError}`,
        stamp(j.nextDue, tz),
        j.lastRun ? `${stamp(j.lastRun.startedAt, tz)} ${j.lastRun.outcome}${j.lastRun.late ? ' (late)' : ''} ${j.lastRun.period}` : 'never',
        j.lastRun?.summary ?? '',
      ]);
      console.log(textTable(['job', 'schedule (market time)', 'next', 'last run', 'summary'], rows));
      return 0;
    }
    if (command === 'history') {
      const runs = await recentJobRuns(db.orm.em.fork(), { job: cl.positionals[0], limit });
      console.log(
        textTable(
          ['#', 'job', 'period', 'started', 'finished', 'outcome', 'trigger', 'summary'],
          runs.map((r) => [
            r.id,
            r.job,
            r.period,
            stamp(r.startedAt, tz),
            stamp(r.finishedAt, tz),
            `${r.outcome}${r.late ? ' (late)' : ''}`,
            r.trigger,
            r.summary ?? '',
          ]),
        ),
      );
      return 0;
    }
    const name = cl.positionals[0]!;
    if (!runner.jobs.some((j) => j.name === name))
      throw new UsageError(`no job named '${name}'; jobs: ${runner.jobs.map((j) => j.name).join(', ')}`, USAGE);
    const watermark = await highestNotificationId(db.orm.em.fork());
    const report = await runner.runNow(name, { date });
    if (!report) {
      console.error(`${name} is running elsewhere (its advisory lock is held); try again when it has finished.`);
      return 1;
    }
    console.log(`${report.job} ${report.period}: ${report.outcome} (job_runs #${report.runId})\n  ${report.summary}`);
    if (config.whatsapp.transport === 'console') {
      const channel = new ConsoleChannel({
        input: new PassThrough(),
        output: process.stdout,
        from: '+910000000000',
        documentsDir: path.join(config.dataDir, 'console-documents'),
      });
      await deliverPending(db.orm.em.fork(), channel, watermark, {
        resolveDocument: ledgerDocumentResolver({ orm: db.orm, dataDir: config.dataDir, timeZone: tz }),
        onSent: (n: { type: string; payload: NotificationPayload }) => afterLedgerDocumentSent(db.orm, n),
      });
    } else {
      console.log("Queued messages go out through the running service's outbox.");
    }
    return report.outcome === 'failed' ? 1 : 0;
  } finally {
    await db.close();
  }
}

await runCli(main);
