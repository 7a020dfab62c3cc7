// The HTTP thread's side of the pipeline worker (src/pipeline/worker.ts): starts it, hands it the ids of stored
// messages, stops it, and reports its failure. A worker that dies is not restarted here: the service stops and
// exits non-zero (src/main.ts), and its supervisor starts it again; nothing is lost, because every message was
// stored before its ack and the start-up sweep (or another replica's sweep) processes what was left.
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { BackgroundTuning } from './background.js';
import type { ThreadPriority } from './priority.js';

export interface PipelineWorkerData {
  config: Config;
  poolSize: number;
  tuning: BackgroundTuning;
}
export type ToPipeline = { type: 'submit'; ids: string[] } | { type: 'idle'; seq: number } | { type: 'stop' };
export type FromPipeline = { type: 'ready'; priority: ThreadPriority } | { type: 'idle'; seq: number } | { type: 'stopped' };

/** DB_POOL_SIZE split between the HTTP thread (webhook INSERTs, the API) and the pipeline: 4 + 6 of 10. */
export function splitPool(size: number): { http: number; pipeline: number } {
  const http = Math.max(2, Math.round(size * 0.4));
  return { http, pipeline: Math.max(2, size - http) };
}

/**
 * The worker is a second V8 heap beside the HTTP thread's. With V8's default young generation the service peaked
 * at 337–347 MB in the ingest bench, with 16 MB at 316–323 MB, with 8 MB at 314 MB (one run; load 9–14; with
 * PIPELINE_THREAD=main 236–243 MB; bench/HISTORY.md). Its scavenges no longer pause the acks. The old generation is not capped: a larger
 * live set must fit, not crash the worker.
 */
export const PIPELINE_LIMITS = { maxYoungGenerationSizeMb: 16 };

export class PipelineThread {
  private state: 'starting' | 'ready' | 'stopping' | 'stopped' | 'failed' = 'starting';
  private seq = 0;
  private readonly idleWaiters = new Map<number, () => void>();
  private stopped: Promise<void> | undefined;
  private failure: Error | undefined;
  /** The worker's thread id and nice value once it is ready (Linux), or why it could not be lowered. */
  priority: ThreadPriority | undefined;

  private constructor(
    readonly worker: Worker,
    private readonly log: Logger,
  ) {}

  /**
   * Resolves once the worker has swept what was left and started its outbox and jobs; rejects if it fails
   * first. After that, an unexpected error or exit is logged and handed to onFailure.
   */
  static start(config: Config, logger: Logger, options: { poolSize: number; tuning: BackgroundTuning; onFailure: (err: Error) => void }) {
    const ts = import.meta.url.endsWith('.ts');
    const url = new URL(ts ? './worker.ts' : './worker.js', import.meta.url);
    // Running from TypeScript sources (tsx): the worker needs the same loader.
    const execArgv = ts && !process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv, '--import', 'tsx'] : undefined;
    const data: PipelineWorkerData = { config, poolSize: options.poolSize, tuning: options.tuning };
    const worker = new Worker(url, { workerData: data, resourceLimits: PIPELINE_LIMITS, ...(execArgv ? { execArgv } : {}) });
    const thread = new PipelineThread(worker, logger.child({ component: 'pipeline-thread' }));
    return new Promise<PipelineThread>((resolve, reject) => {
      const fail = (err: Error) => {
        const was = thread.state;
        if (was === 'stopped' || was === 'failed') return;
        thread.state = 'failed';
        thread.failure = err;
        for (const w of thread.idleWaiters.values()) w();
        if (was === 'starting') return reject(err);
        thread.log.fatal({ err }, was === 'stopping' ? 'the pipeline worker failed while stopping' : 'the pipeline worker failed');
        // While stopping, stop() itself reports it.
        if (was === 'ready') options.onFailure(err);
      };
      worker.on('message', (m: FromPipeline) => {
        if (m.type === 'ready') {
          thread.state = 'ready';
          thread.priority = m.priority;
          if (!m.priority.ok && config.pipelineNice > 0)
            thread.log.warn(
              { reason: m.priority.reason },
              "PIPELINE_NICE could not be applied: the pipeline thread runs at the HTTP thread's priority",
            );
          resolve(thread);
        } else if (m.type === 'idle') {
          thread.idleWaiters.get(m.seq)?.();
          thread.idleWaiters.delete(m.seq);
        } else if (m.type === 'stopped') thread.state = 'stopped';
      });
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (thread.state !== 'stopped') fail(new Error(`the pipeline worker exited (code ${code}) before it was stopped`));
      });
    });
  }

  get ok(): boolean {
    return this.state === 'ready';
  }

  /** Ids of newly stored messages. */
  submit(ids: string[]): void {
    if (this.state === 'ready' || this.state === 'starting') this.post({ type: 'submit', ids });
  }

  /** Resolves when the worker's inbox has nothing queued or running (tests). */
  idle(): Promise<void> {
    if (!this.ok) return Promise.resolve();
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.idleWaiters.set(seq, resolve);
      this.post({ type: 'idle', seq });
    });
  }

  /** The worker finishes its batch in hand and its outbox round, closes its pool and exits. */
  stop(): Promise<void> {
    return (this.stopped ??= (async () => {
      if (this.state !== 'ready') return void (await this.worker.terminate());
      this.state = 'stopping';
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      const done = new Promise<void>((resolve) =>
        this.worker.on('message', (m: FromPipeline) => {
          if (m.type === 'stopped') resolve();
        }),
      );
      this.post({ type: 'stop' });
      // Either it reports a clean stop (then it is ended here) or it dies trying (logged by the error handler).
      await Promise.race([done.then(() => this.worker.terminate()), exited]);
      if (this.failure) throw this.failure;
    })());
  }

  private post(m: ToPipeline) {
    this.worker.postMessage(m);
  }
}
