// npm run settle -- [--period 2026-W47] [--farmer FAR001] [--dry-run] [--no-statements] [--allow-open]
// Runs the same code as the scheduled job; shows progress on a terminal and prints a summary table.
import '../heap.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/orm.js';
import { formatRupees } from '../domain/money.js';
import { parsePeriod } from '../domain/settlements/period.js';
import { defaultPeriod, settlementFrequency, settlePeriod } from '../domain/settlements/settlement.service.js';
import { parseCommandLine, runCli } from './cli.js';
import { summaryTable } from './settle-summary.js';

const USAGE = `Usage: npm run settle -- [--period 2026-W47|2026-11|2026-11-18] [--farmer FAR001]... [--dry-run] [--no-statements] [--allow-open]
  --period         the period to settle (default: the last one that has ended, by settlement_frequency)
  --farmer         only this farmer (repeat for more)
  --dry-run        compute and show everything, then roll back
  --no-statements  do not queue PDF statements for the farmers
  --allow-open     settle a period that has not ended yet`;

async function main(argv: string[]): Promise<number> {
  const { values: args } = parseCommandLine(argv, USAGE, {
    period: { type: 'string' },
    farmer: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean', default: false },
    'no-statements': { type: 'boolean', default: false },
    'allow-open': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const em = db.orm.em.fork();
    const frequency = await settlementFrequency(em);
    const period = args.period ? parsePeriod(frequency, args.period) : await defaultPeriod(em, new Date(), config.marketTimeZone);
    const farmerCodes = args.farmer
      ?.flatMap((f) => f.split(','))
      .map((f) => f.trim().toUpperCase())
      .filter(Boolean);
    console.log(
      `Settling ${frequency} period ${period.label} (${period.start} to ${period.end}, ${config.marketTimeZone})` +
        `${farmerCodes?.length ? ` for ${farmerCodes.join(', ')}` : ''}${args['dry-run'] ? ' — DRY RUN, nothing is saved' : ''}`,
    );
    const tty = process.stderr.isTTY;
    const result = await settlePeriod(db.orm, {
      period,
      timeZone: config.marketTimeZone,
      farmerCodes,
      dryRun: args['dry-run'],
      sendStatements: !args['no-statements'],
      allowOpenPeriod: args['allow-open'],
      concurrency: 2,
      onProgress: ({ done, total }) => {
        if (tty) process.stderr.write(`\r  ${done}/${total} farmers${done === total ? '\n' : ''}`);
      },
    });
    if (!result.settled.length) {
      console.log('Nothing to settle: no farmer has unsettled entries or outstanding advances up to the end of this period.');
    } else {
      console.log(summaryTable(result));
    }
    for (const r of result.refused) {
      console.error(`Not settled: ${r.farmerCode}'s fees (${formatRupees(r.totalFees)}) exceed what the entries earned; check the entries.`);
    }
    if (result.dryRun) console.log('Dry run: rolled back.');
    return result.refused.length ? 1 : 0;
  } finally {
    await db.close();
  }
}

await runCli(main);
