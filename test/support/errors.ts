import { AppError } from '../../src/errors.js';

/** The AppError a promise fails with; any other outcome fails the test. */
export async function errorOf(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}
