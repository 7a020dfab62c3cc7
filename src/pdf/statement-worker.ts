// A worker thread that renders statements: a batch of jobs in, PDF bytes out (transferred, not copied), one
// message per statement. A job is either the statement's data, or a settlement's id when the pool gave the
// worker a reader (a database URL and the read's SQL): the worker then reads the whole batch's figures itself
// with one query over its own connection, pg alone (the main thread neither reads them nor copies them across),
// while it draws the batch before.
import { parentPort, workerData } from 'node:worker_threads';
import { renderStatementPdf } from './statement.js';
import type { StatementData, StatementSummary } from './statement-data.js';
import type { StatementReader } from './render-pool.js';

export type WorkerJob = { id: number; data: StatementData } | { id: number; settlementId: string };
export type WorkerReply = { id: number; last: boolean } & ({ bytes: Uint8Array; summary?: StatementSummary } | { missing: true } | { error: string });

const source = (workerData as { reader?: StatementReader } | undefined)?.reader;
type Read = (ids: string[]) => Promise<(StatementData | undefined)[]>;
let reader: Promise<Read> | undefined;

/** One connection per worker, opened at the first batch that needs it; pg loads only then. */
function read(ids: string[]): Promise<(StatementData | undefined)[]> {
  reader ??= (async () => {
    if (!source) throw new Error('this render worker has no database to read statements from');
    const [{ default: pg }, { statementsFromRows }] = await Promise.all([import('pg'), import('../domain/settlements/statement-rows.js')]);
    const pool = new pg.Pool({ connectionString: source.databaseUrl, max: 1, idleTimeoutMillis: 60_000 });
    return async (batch: string[]) => statementsFromRows(batch, (await pool.query(source.sql, [batch])).rows);
  })();
  return reader.then((r) => r(ids));
}

const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(reply, transfer);

async function renderBatch(jobs: WorkerJob[], figures: Promise<(StatementData | undefined)[]>) {
  let read: (StatementData | undefined)[] = [];
  let readError: unknown;
  try {
    read = await figures;
  } catch (err) {
    readError = err;
  }
  let next = 0;
  for (let j = 0; j < jobs.length; j++) {
    const job = jobs[j]!;
    const last = j === jobs.length - 1;
    try {
      if (!('data' in job) && readError) throw readError;
      const data = 'data' in job ? job.data : read[next++];
      if (!data) {
        post({ id: job.id, last, missing: true });
        continue;
      }
      const pdf = await renderStatementPdf(data);
      // A PDF that owns its whole ArrayBuffer (Buffer.concat's, past Buffer's 4 KB pool) is transferred as it is.
      const whole = pdf.byteOffset === 0 && pdf.byteLength === pdf.buffer.byteLength && !(pdf.buffer instanceof SharedArrayBuffer);
      const bytes = whole ? new Uint8Array(pdf.buffer as ArrayBuffer) : new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength).slice();
      // A statement read here goes back as its summary (for the caption and filename), without its lines.
      const summary = 'data' in job ? undefined : (({ lines: _, ...rest }) => rest)(data);
      post({ id: job.id, last, bytes, summary }, [bytes.buffer]);
    } catch (err) {
      post({ id: job.id, last, error: err instanceof Error ? err.message : String(err) });
    }
  }
}

let chain = Promise.resolve();
parentPort!.on('message', (jobs: WorkerJob[]) => {
  // The batch's read starts now, while the batch before is still being drawn; batches are drawn in order.
  const ids = jobs.flatMap((j) => ('settlementId' in j ? [j.settlementId] : []));
  const figures = ids.length ? read(ids) : Promise.resolve([]);
  figures.catch(() => undefined); // handled in renderBatch
  chain = chain.then(() => renderBatch(jobs, figures));
});
