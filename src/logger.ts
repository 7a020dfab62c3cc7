import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/** How long one log write may wait for a full stdout pipe before the line is dropped. */
export const STDOUT_STALL_MS = 200;

/**
 * JSON lines on stdout; one logger for the process, children per component.
 *
 * Written synchronously (a crash loses no line), but never at any cost: when the reader of stdout has gone
 * and the pipe is full or closed (a crashed `tee`, a restarted log collector), a write waits at most
 * STDOUT_STALL_MS and the line is then dropped, so the service keeps serving and SIGTERM still stops it.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, fd = 1): Logger {
  let stalledSince: number | undefined;
  const destination = pino.destination({
    dest: fd,
    sync: true,
    // A full pipe: keep trying for a moment (a slow reader catches up), then give the line up.
    retryEAGAIN: () => {
      stalledSince ??= Date.now();
      return Date.now() - stalledSince < STDOUT_STALL_MS;
    },
    // Bounds what is held back while stdout refuses writes.
    maxLength: 4 * 1024 * 1024,
  });
  // A retry reports a write of 0 bytes: only bytes that really went out end the stall.
  destination.on('write', (n: number) => {
    if (n > 0) stalledSince = undefined;
  });
  // EPIPE (no reader at all), or the EAGAIN given up above: the line is lost, the service is not.
  destination.on('error', () => {});
  return pino(
    {
      level: config.logLevel,
      base: { service: 'malar-ledger' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.passwordHash', '*.accessToken'],
    },
    destination,
  );
}
