// Statements rendered on worker threads: drawing a PDF is pure CPU, so a pool uses every core and keeps the
// service's event loop free for webhooks. Each worker parses the fonts once and then renders job after job.
import os from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { StatementData, StatementRenderer } from '../domain/settlements/statement-data.js';

export type { StatementRenderer };

type Job = { id: number; data: StatementData; resolve: (b: Buffer) => void; reject: (e: Error) => void };

/**
 * Renders on the calling thread (tests, one-off CLI use, the service). pdfkit and fontkit (~25 MB) are loaded at
 * the first statement, not when the service starts.
 */
export const inlineRenderer: StatementRenderer = {
  render: async (data) => (await import('./statement.js')).renderStatementPdf(data),
  close: async () => undefined,
};

const workerUrl = () => {
  const ts = import.meta.url.endsWith('.ts');
  return { url: new URL(ts ? './statement-worker.ts' : './statement-worker.js', import.meta.url), ts };
};

/**
 * Each worker is its own V8 heap. A statement leaves little behind (the fonts, their shaped words and glyphs:
 * ~35 MB live), but V8's default young generation and heap growth let an idle-looking worker hold ~100 MB.
 * Smaller limits make it collect sooner; a worker that still ran out would fail its job, not the service.
 */
export const WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 64 };

export class StatementRenderPool implements StatementRenderer {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly busy = new Map<Worker, Job>();
  private next = 0;
  private closed = false;

  private started = false;

  /** Workers start at the first render: a service that never draws a statement never pays for them. */
  constructor(
    private readonly wanted = Math.max(1, os.availableParallelism()),
    private readonly resourceLimits: ResourceLimits = WORKER_LIMITS,
  ) {}

  private start() {
    this.started = true;
    const { url, ts } = workerUrl();
    // Running from TypeScript sources (tsx): the worker needs the same loader.
    const execArgv = ts && !process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv, '--import', 'tsx'] : undefined;
    for (let i = 0; i < this.wanted; i++) {
      const w = new Worker(url, { resourceLimits: this.resourceLimits, ...(execArgv ? { execArgv } : {}) });
      w.on('message', (m: { id: number; bytes?: Uint8Array; error?: string }) => this.done(w, m));
      w.on('error', (err) => this.fail(w, err));
      // An idle worker does not keep the process alive; a busy one does (see dispatch), or a script whose only
      // pending work is a render would exit before it is drawn.
      w.unref();
      this.all.push(w);
      this.idle.push(w);
    }
  }

  get size(): number {
    return this.started ? this.all.length : this.wanted;
  }

  render(data: StatementData): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('the statement render pool is closed'));
    if (!this.started) this.start();
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.next++, data, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new Error('the statement render pool is closed'));
    await Promise.all(this.all.map((w) => w.terminate()));
  }

  private dispatch() {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.busy.set(w, job);
      w.ref();
      w.postMessage({ id: job.id, data: job.data });
    }
  }

  private done(w: Worker, m: { id: number; bytes?: Uint8Array; error?: string }) {
    const job = this.busy.get(w);
    this.busy.delete(w);
    w.unref();
    this.idle.push(w);
    if (job) {
      if (m.bytes) job.resolve(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
      else job.reject(new Error(m.error ?? 'statement render failed'));
    }
    this.dispatch();
  }

  private fail(w: Worker, err: Error) {
    const job = this.busy.get(w);
    this.busy.delete(w);
    job?.reject(err);
    // A worker that crashed is gone; the others carry on.
    const i = this.all.indexOf(w);
    if (i >= 0) this.all.splice(i, 1);
    if (!this.all.length) for (const j of this.queue.splice(0)) j.reject(err);
  }
}
