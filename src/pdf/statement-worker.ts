// A worker thread that renders statements: a batch of jobs in, PDF bytes out (transferred, not copied), one
// message per statement. A job is either the statement's data, or a settlement's id when the pool gave the
// worker a database URL: the worker then reads the whole batch's figures itself with one query over its own
// connection (the main thread neither reads them nor copies them across), while it draws the batch before.
import { parentPort, workerData } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import { renderStatementPdf } from './statement.js';
import type { StatementData, StatementSummary } from './statement-data.js';

export type WorkerJob = { id: number; data: StatementData } | { id: number; settlementId: string };
export type WorkerReply = { id: number; last: boolean } & ({ bytes: Uint8Array; summary?: StatementSummary } | { missing: true } | { error: string });

const databaseUrl = (workerData as { databaseUrl?: string } | undefined)?.databaseUrl;
type Read = (ids: string[]) => Promise<(StatementData | undefined)[]>;
let reader: Promise<Read> | undefined;

/** One connection per worker, opened at the first batch that needs it; pg and the reader load only then. */
function read(ids: string[]): Promise<(StatementData | undefined)[]> {
  reader ??= (async () => {
    if (!databaseUrl) throw new Error('this render worker has no database to read statements from');
    const [{ default: pg }, { Kysely: KyselyClass, PostgresDialect }, { readSettlementStatements }] = await Promise.all([
      import('pg'),
      import('kysely'),
      import('../domain/settlements/statement-read.js'),
    ]);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, idleTimeoutMillis: 60_000 });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const k: Kysely<any> = new KyselyClass({ dialect: new PostgresDialect({ pool }) });
    return (batch: string[]) => readSettlementStatements(k, batch);
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
      const bytes = new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength).slice();
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
