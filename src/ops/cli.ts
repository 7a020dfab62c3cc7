import { ConfigError } from '../config.js';
import { AppError } from '../errors.js';

/** Runs a command-line entry point: clear one-line errors, an exit code, never a stack trace for expected failures. */
export async function runCli(main: (argv: string[]) => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) console.error(`Configuration error: ${problem}`);
    } else if (err instanceof AppError) {
      console.error(`Error: ${err.message}`);
    } else {
      console.error(err);
    }
    process.exitCode = 1;
  }
}
