// Statements rendered on worker threads: drawing a PDF is pure CPU, so a pool uses every core and keeps the
// service's event loop free for webhooks. Each worker parses the fonts once and then renders job after job.
import os from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { StatementData, StatementRenderer, StatementSummary } from '../domain/settlements/statement-data.js';
import { settlementStatementsSql } from '../domain/settlements/statement-read.js';
import type { WorkerJob, WorkerReply } from './statement-worker.js';

export type { StatementRenderer };

type Rendered = { bytes: Buffer; data?: StatementSummary } | null;
type Job = WorkerJob & { resolve: (r: Rendered) => void; reject: (e: Error) => void };

export interface RenderPoolOptions {
  /** Worker threads (default: one per core). */
  size?: number;
  resourceLimits?: ResourceLimits;
  /**
   * A PostgreSQL server the workers may read from, and the read's SQL (settlementStatementsSql): then each
   * worker reads its own statements' figures (renderSettlement), in batches, over its own connection, with pg
   * alone. Not for the embedded database (PGlite runs in this thread alone): without it the caller reads and
   * render() ships the data.
   */
  reader?: StatementReader;
}

/** What a render worker needs to read statements itself (plain values: they cross to the worker as they are). */
export interface StatementReader {
  databaseUrl: string;
  sql: string;
}

/** Batches of ids per worker message, and batches a worker may hold (one drawn while the next is read). */
const MAX_BATCH = 16;
const DEPTH = 2;

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
  private readonly all: Worker[] = [];
  private readonly queue: Job[] = [];
  /** Each worker's jobs sent and not answered, and how many batches that is. */
  private readonly inflight = new Map<Worker, { jobs: Map<number, Job>; batches: number }>();
  private next = 0;
  private closed = false;
  private started = false;
  private readonly wanted: number;
  private readonly resourceLimits: ResourceLimits;
  private readonly reader?: StatementReader;

  /** Set when the workers read their own statements (a reader was given). */
  readonly renderSettlement?: (settlementId: string) => Promise<{ bytes: Buffer; data: StatementSummary } | null>;

  /** Workers start at the first render: a service that never draws a statement never pays for them. */
  constructor(options: RenderPoolOptions | number = {}) {
    const o = typeof options === 'number' ? { size: options } : options;
    this.wanted = Math.max(1, o.size ?? os.availableParallelism());
    this.resourceLimits = o.resourceLimits ?? WORKER_LIMITS;
    this.reader = o.reader;
    if (o.reader) {
      this.renderSettlement = async (settlementId) => {
        const r = await this.enqueue({ id: this.next++, settlementId });
        return r && { bytes: r.bytes, data: r.data! };
      };
    }
  }

  private start() {
    this.started = true;
    const { url, ts } = workerUrl();
    // Running from TypeScript sources (tsx): the worker needs the same loader.
    const execArgv = ts && !process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv, '--import', 'tsx'] : undefined;
    for (let i = 0; i < this.wanted; i++) {
      const w = new Worker(url, {
        resourceLimits: this.resourceLimits,
        workerData: { reader: this.reader },
        ...(execArgv ? { execArgv } : {}),
      });
      w.on('message', (m: WorkerReply) => this.done(w, m));
      w.on('error', (err) => this.fail(w, err));
      // An idle worker does not keep the process alive; a busy one does (see dispatch), or a script whose only
      // pending work is a render would exit before it is drawn.
      w.unref();
      this.all.push(w);
      this.inflight.set(w, { jobs: new Map(), batches: 0 });
    }
  }

  get size(): number {
    return this.started ? this.all.length : this.wanted;
  }

  async render(data: StatementData): Promise<Buffer> {
    return (await this.enqueue({ id: this.next++, data }))!.bytes;
  }

  private enqueue(job: WorkerJob): Promise<Rendered> {
    if (this.closed) return Promise.reject(new Error('the statement render pool is closed'));
    if (!this.started) this.start();
    return new Promise((resolve, reject) => {
      this.queue.push({ ...job, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new Error('the statement render pool is closed'));
    await Promise.all(this.all.map((w) => w.terminate()));
  }

  /** Least-loaded worker first; a batch is a fair share of the queue, so every worker gets work. */
  private dispatch() {
    while (this.queue.length) {
      let w: Worker | undefined;
      for (const c of this.all) {
        const f = this.inflight.get(c)!;
        if (f.batches < DEPTH && (!w || f.jobs.size < this.inflight.get(w)!.jobs.size)) w = c;
      }
      if (!w) return;
      const f = this.inflight.get(w)!;
      const n = Math.min(MAX_BATCH, Math.ceil(this.queue.length / this.all.length));
      const batch = this.queue.splice(0, n);
      for (const j of batch) f.jobs.set(j.id, j);
      f.batches++;
      w.ref();
      w.postMessage(batch.map(({ resolve: _r, reject: _j, ...job }) => job));
    }
  }

  private done(w: Worker, m: WorkerReply) {
    const f = this.inflight.get(w)!;
    const job = f.jobs.get(m.id);
    f.jobs.delete(m.id);
    if (m.last) f.batches--;
    if (!f.jobs.size) w.unref();
    if (job) {
      if ('bytes' in m) job.resolve({ bytes: Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), data: m.summary });
      else if ('missing' in m) job.resolve(null);
      else job.reject(new Error(m.error || 'statement render failed'));
    }
    this.dispatch();
  }

  private fail(w: Worker, err: Error) {
    const f = this.inflight.get(w);
    for (const j of f?.jobs.values() ?? []) j.reject(err);
    this.inflight.delete(w);
    // A worker that crashed is gone; the others carry on.
    const i = this.all.indexOf(w);
    if (i >= 0) this.all.splice(i, 1);
    if (!this.all.length) for (const j of this.queue.splice(0)) j.reject(err);
    else this.dispatch();
  }
}

/**
 * The pool the composition root wants for its database: over a PostgreSQL server each worker reads its own
 * statements; over the embedded database (one process, PGlite in the main thread) the main thread reads them.
 */
export function statementRenderPool(
  db: { kind: 'server' | 'embedded'; url: string; orm: MikroORM },
  options: Omit<RenderPoolOptions, 'reader'> = {},
) {
  const reader = db.kind === 'server' ? { databaseUrl: db.url, sql: settlementStatementsSql(db.orm.em.getKysely()) } : undefined;
  return new StatementRenderPool({ ...options, reader });
}
