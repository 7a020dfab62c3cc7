// A worker thread that renders statements: StatementData in, PDF bytes out (transferred, not copied).
import { parentPort } from 'node:worker_threads';
import { renderStatementPdf } from './statement.js';
import type { StatementData } from './statement-data.js';

parentPort!.on('message', async (job: { id: number; data: StatementData }) => {
  try {
    const pdf = await renderStatementPdf(job.data);
    const bytes = new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength).slice();
    parentPort!.postMessage({ id: job.id, bytes }, [bytes.buffer]);
  } catch (err) {
    parentPort!.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
