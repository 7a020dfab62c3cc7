import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { ConfigError } from '../config.js';
import { AppError } from '../errors.js';

/** A command line that does not fit the command's usage: printed with the usage line, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

export interface ParsedCommandLine<T extends ParseArgsOptionsConfig> {
  values: ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: true }>>['values'];
  positionals: string[];
}

/**
 * The one way every operator command reads its arguments: node:util parseArgs in strict mode, so an unknown
 * flag or a flag missing its value is refused (UsageError → usage line, exit 2) instead of silently ignored.
 * `positionals` bounds how many plain arguments the command takes.
 */
export function parseCommandLine<T extends ParseArgsOptionsConfig>(
  argv: string[],
  usage: string,
  options: T,
  positionals: { min?: number; max?: number } = { max: 0 },
): ParsedCommandLine<T> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message, usage);
  }
  const n = parsed.positionals.length;
  if (positionals.min !== undefined && n < positionals.min) throw new UsageError('missing argument', usage);
  if (positionals.max !== undefined && n > positionals.max)
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals.max]}'`, usage);
  return { values: parsed.values as ParsedCommandLine<T>['values'], positionals: parsed.positionals };
}

/** Runs a command-line entry point: clear one-line errors, an exit code, never a stack trace for expected failures. */
export async function runCli(main: (argv: string[]) => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${err.usage}`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof ConfigError) {
      for (const problem of err.problems) console.error(`Configuration error: ${problem}`);
    } else if (err instanceof AppError) {
      console.error(`Error: ${err.message}`);
    } else if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', '28P01', '28000', '3D000'].includes(String((err as { code?: string }).code))) {
      // The database cannot be reached or refuses us: one line, with what to check.
      console.error(
        `Error: cannot use the database: ${(err as Error).message}. Check DATABASE_URL and that PostgreSQL is running (psql "$DATABASE_URL" -c 'select 1').`,
      );
    } else {
      console.error(err);
    }
    process.exitCode = 1;
  }
}
