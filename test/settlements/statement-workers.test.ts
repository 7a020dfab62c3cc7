// Render workers that read their own statements (a server database): the PDF is the very one the main thread
// would draw from the data it reads, the summary that comes back names and captions it, many at once keep apart,
// and an unknown settlement is a 404. On the embedded database there is no such pool: the main thread reads.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { settlePeriod } from '../../src/domain/settlements/settlement.service.js';
import { renderStatementDocument, settlementStatementData } from '../../src/domain/settlements/statement.service.js';
import { readSettlementStatements } from '../../src/domain/settlements/statement-read.js';
import { statementDocument } from '../../src/outbox/documents.js';
import { statementRenderPool, type StatementRenderPool } from '../../src/pdf/render-pool.js';
import { renderStatementPdf } from '../../src/pdf/statement.js';
import { addAdvance, addEntry, addFarmer, run, TZ, NOW, W45 } from './fixture.js';

let t: TestDatabase;
let pool: StatementRenderPool;
const ids: Record<string, string> = {};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'statement-workers-'));

const pdfToText = (bytes: Buffer) => {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, bytes);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
};

beforeAll(async () => {
  t = await createTestDatabase();
  const ta = await addFarmer(t.db, { code: 'FAR201', name: 'முருகன்', village: 'மதுரை', language: 'ta', commissionRate: '5.00' });
  const en = await addFarmer(t.db, { code: 'FAR202', name: 'Selvi', village: 'Dindigul', language: 'en', commissionRate: '10.00' });
  // FAR201: 10.000 kg × ₹100.00 = 1,000.00 and 2.500 kg × ₹80.00 = 200.00; gross 1,200.00, commission 5 % = 60.00,
  // advance 100.00: net 1,200.00 − 60.00 − 100.00 = 1,040.00.
  await addEntry(t.db, { farmerCode: ta, date: '2026-11-03', quantity: '10.000', rate: '100.00', commissionRate: '5.00' });
  await addEntry(t.db, { farmerCode: ta, date: '2026-11-04', quantity: '2.500', rate: '80.00', commissionRate: '5.00' });
  await addAdvance(t.db, { farmerCode: ta, amount: '100.00', createdAt: '2026-11-04T04:30:00Z' });
  // FAR202: 4.000 kg × ₹250.00 = 1,000.00, commission 10 % = 100.00, fee 5.00: net 895.00.
  await addEntry(t.db, { farmerCode: en, date: '2026-11-05', quantity: '4.000', rate: '250.00', commissionRate: '10.00', fee: '5.00' });
  await settlePeriod(t.db.orm, { period: W45, timeZone: TZ, now: NOW });
  for (const r of await run<{ code: string; id: string }>(
    t.db,
    `select f.farmer_code as code, s.id from settlements s join farmers f on f.id = s.farmer_id`,
  ))
    ids[r.code] = r.id;
  pool = statementRenderPool(t.db, { size: 2 });
});
afterAll(async () => {
  await pool?.close();
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('statements read in bulk', () => {
  it('gives each settlement the figures read one by one, in the order asked, undefined for an unknown one', async () => {
    const k = t.db.orm.em.fork().getKysely();
    const unknown = '00000000-0000-4000-8000-000000000000';
    const many = await readSettlementStatements(k, [ids.FAR202!, unknown, ids.FAR201!]);
    expect(many[0]).toEqual(await settlementStatementData(t.db.orm.em.fork(), ids.FAR202!));
    expect(many[1]).toBeUndefined();
    expect(many[2]).toEqual(await settlementStatementData(t.db.orm.em.fork(), ids.FAR201!));
    expect(many[2]!.lines.map((l) => [l.date, l.quantity, l.rate, l.amount])).toEqual([
      ['2026-11-03', '10.000', '100.00', '1000.00'],
      ['2026-11-04', '2.500', '80.00', '200.00'],
    ]);
    expect([many[2]!.netPayable, many[0]!.netPayable, many[0]!.totalFees]).toEqual(['1040.00', '895.00', '5.00']);
  });
});

describe.runIf(process.env.DATABASE_URL)('render workers on a server database', () => {
  it('read their own statements: the same PDF as drawn inline, its summary without the lines', async () => {
    expect(pool.renderSettlement).toBeTypeOf('function');
    const r = (await pool.renderSettlement!(ids.FAR201!))!;
    const data = await settlementStatementData(t.db.orm.em.fork(), ids.FAR201!);
    expect(Buffer.compare(r.bytes, await renderStatementPdf(data))).toBe(0);
    const { lines: _, ...summary } = data;
    expect(r.data).toEqual(summary);
    const text = pdfToText(r.bytes);
    for (const figure of ['₹1,040.00', '₹1,200.00', '- ₹60.00', '- ₹100.00', 'S-2026W45-FAR201']) expect(text).toContain(figure);
  });

  it('keeps many statements apart when they are asked for at once (batches per worker)', async () => {
    const order = Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? ids.FAR202! : ids.FAR201!));
    const got = await Promise.all(order.map((id) => pool.renderSettlement!(id)));
    const inline = {
      [ids.FAR201!]: await renderStatementPdf(await settlementStatementData(t.db.orm.em.fork(), ids.FAR201!)),
      [ids.FAR202!]: await renderStatementPdf(await settlementStatementData(t.db.orm.em.fork(), ids.FAR202!)),
    };
    got.forEach((r, i) => {
      expect(Buffer.compare(r!.bytes, inline[order[i]!]!)).toBe(0);
      expect(r!.data.farmer.code).toBe(order[i] === ids.FAR202 ? 'FAR202' : 'FAR201');
    });
  });

  it('is what the outbox sends through, caption from the summary; an unknown settlement is SETTLEMENT_NOT_FOUND', async () => {
    const doc = await statementDocument(t.db.orm.em.fork(), { settlementId: ids.FAR202!, language: 'en' }, TZ, pool);
    expect(doc.filename).toBe('S-2026W45-FAR202.pdf');
    expect(doc.caption).toContain('₹895.00');
    expect(pdfToText(doc.bytes)).toContain('₹895.00');
    expect(await pool.renderSettlement!('00000000-0000-4000-8000-000000000000')).toBeNull();
    await expect(
      renderStatementDocument(t.db.orm.em.fork(), { settlementId: '00000000-0000-4000-8000-000000000000' }, TZ, pool),
    ).rejects.toMatchObject({ code: 'SETTLEMENT_NOT_FOUND', status: 404 });
  });
});

describe.runIf(!process.env.DATABASE_URL)('render workers on the embedded database', () => {
  it('do not read (PGlite runs in this thread): the main thread reads and ships the data, same PDF', async () => {
    expect(t.kind).toBe('embedded');
    expect(pool.renderSettlement).toBeUndefined();
    const doc = await statementDocument(t.db.orm.em.fork(), { settlementId: ids.FAR201! }, TZ, pool);
    const data = await settlementStatementData(t.db.orm.em.fork(), ids.FAR201!);
    expect(Buffer.compare(doc.bytes, await renderStatementPdf(data))).toBe(0);
    expect(pdfToText(doc.bytes)).toContain('₹1,040.00');
  });
});
