// A last resort for SIGTERM: a worker thread that kills the process after `ms`, whatever the main thread is
// doing. It does not keep the process alive; a clean stop exits before it fires.
import { Worker } from 'node:worker_threads';

export function forceExitWatchdog(ms: number): void {
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     setTimeout(() => process.kill(workerData.pid, 'SIGKILL'), workerData.ms);`,
    { eval: true, workerData: { pid: process.pid, ms } },
  );
  worker.unref();
}
