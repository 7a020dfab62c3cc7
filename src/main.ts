// npm start: read the configuration, start the service, stop cleanly on SIGTERM/SIGINT.
import './heap.js';
import { ConfigError, loadConfig, loadDotEnv, type Config } from './config.js';
import { AppError } from './errors.js';
import { createLogger } from './logger.js';
import { startService, type RunningService } from './service.js';
import { forceExitWatchdog } from './shutdown-watchdog.js';

let config: Config;
try {
  loadDotEnv();
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  for (const problem of err.problems) console.error(`Configuration error: ${problem}`);
  process.exit(1);
}

const logger = createLogger(config);
let service: RunningService | undefined;
let failed = false;
function shutdown(signal: string) {
  const grace = config.shutdownGraceMs;
  const force = setTimeout(() => {
    logger.error({ graceMs: grace }, 'shutdown took longer than its grace period; exiting');
    process.exit(1);
  }, grace);
  force.unref();
  // The timer above needs a free main thread; this one does not (a blocked write, a stuck native call).
  forceExitWatchdog(grace + 1_000);
  if (!service) return void process.exit(1);
  service.stop(signal).then(
    () => process.exit(failed ? 1 : 0),
    (err: unknown) => {
      logger.error({ err }, 'error while shutting down');
      process.exit(1);
    },
  );
}
try {
  // The pipeline worker died (logged already): stop cleanly, then exit non-zero so the supervisor restarts us;
  // what was stored and not processed is swept at the next start (or by another replica).
  service = await startService(config, logger, {
    onFatal: () => {
      failed = true;
      shutdown('pipeline worker failed');
    },
  });
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (err) {
  if (err instanceof AppError) logger.fatal({ code: err.code }, err.message);
  else logger.fatal({ err }, 'failed to start');
  process.exit(1);
}
