// The PDF statement: every glyph exists in the font that draws it, the numbers read back from the PDF, and it
// renders to a PNG (pdftoppm) a reviewer can open. STATEMENT_SAMPLE_PNG=docs/statement-sample.png keeps a copy.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as fontkit from 'fontkit';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { settlePeriod } from '../../src/domain/settlements/settlement.service.js';
import { parsePeriod } from '../../src/domain/settlements/period.js';
import { inlineRenderer } from '../../src/pdf/render-pool.js';
import { renderStatementDocument, requestStatement, settlementStatementData } from '../../src/domain/settlements/statement.service.js';
import { statementDocument } from '../../src/outbox/documents.js';
import { renderStatementPdf } from '../../src/pdf/statement.js';
import { FONT_DIR, FONT_FILES, type FontName } from '../../src/pdf/fonts.js';
import { addAdvance, addEntry, addFarmer, ledgerProblems, run } from './fixture.js';

let t: TestDatabase;
let settlementId: string;
let farmerId: string;
const TZ = 'Asia/Kolkata';
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'statement-'));

async function pdfText(bytes: Buffer): Promise<string[]> {
  const task = getDocument({ data: new Uint8Array(bytes), useSystemFonts: false });
  const pdf = await task.promise;
  const items: string[] = [];
  for (let p = 1; p <= pdf.numPages; p++) {
    const content = await (await pdf.getPage(p)).getTextContent();
    for (const item of content.items) if ('str' in item && item.str.trim()) items.push(item.str);
  }
  await task.destroy();
  return items;
}

beforeAll(async () => {
  t = await createTestDatabase();
  // A name and village that need two-part vowel signs (கௌ, கோ) and a conjunct (க்ஷ); கொ is in the labels.
  const code = await addFarmer(t.db, { code: 'FAR101', name: 'கௌதம் கோபால்', village: 'லக்ஷ்மிபுரம்', language: 'ta', commissionRate: '7.50' });
  farmerId = (await run<{ id: string }>(t.db, `select id from farmers where farmer_code = $1`, [code]))[0]!.id;
  // 12.345 kg × ₹450.50 = ₹5,561.42; commission 7.5% = 417.11; fee 10.00.
  await addEntry(t.db, { farmerCode: code, date: '2026-11-03', quantity: '12.345', rate: '450.50', commissionRate: '7.50', fee: '10.00' });
  // 25 lotus × ₹12.00 = 300.00; commission 22.50.
  await addEntry(t.db, { farmerCode: code, flowerCode: 'FLW004', date: '2026-11-05', quantity: '25', rate: '12.00', commissionRate: '7.50' });
  // 4.25 kg chrysanthemum × ₹1,20,000.00 would be silly; ₹1,250.00 × 100 kg = 1,25,000.00 shows lakh grouping; commission 9,375.00.
  await addEntry(t.db, { farmerCode: code, flowerCode: 'FLW005', date: '2026-11-06', quantity: '100.000', rate: '1250.00', commissionRate: '7.50' });
  await addAdvance(t.db, { farmerCode: code, amount: '2000.00', createdAt: '2026-11-04T04:30:00Z' });
  // gross 5561.42 + 300.00 + 125000.00 = 130861.42; commission 417.11 + 22.50 + 9375.00 = 9814.61; fees 10.00;
  // advance 2000.00; net 130861.42 − 9814.61 − 10.00 − 2000.00 = 119036.81.
  await settlePeriod(t.db.orm, { period: parsePeriod('weekly', '2026-W45'), timeZone: TZ, now: new Date('2026-11-25T00:00:00Z') });
  settlementId = (await run<{ id: string }>(t.db, `select id from settlements where farmer_id = $1`, [farmerId]))[0]!.id;
});
afterAll(async () => {
  await t?.close();
  if (!process.env.KEEP_STATEMENT_OUTPUT) fs.rmSync(outDir, { recursive: true, force: true });
  else console.log(`statement output kept in ${outDir}`);
});

describe('the PDF statement', () => {
  it('draws every glyph from the font that has it (no .notdef boxes), Tamil shaped', async () => {
    const data = await settlementStatementData(t.db.orm.em.fork(), settlementId);
    const runs: { text: string; font: FontName }[] = [];
    await renderStatementPdf(data, { onRun: (r) => runs.push(r) });
    const fonts = Object.fromEntries(Object.entries(FONT_FILES).map(([name, file]) => [name, fontkit.openSync(path.join(FONT_DIR, file))])) as Record<
      FontName,
      fontkit.Font
    >;
    const missing = runs.flatMap((r) => (fonts[r.font].layout(r.text).glyphs.some((g) => g.id === 0) ? [`${r.font}: ${r.text}`] : []));
    expect(missing).toEqual([]);
    const drawn = runs.map((r) => r.text).join('|');
    for (const word of ['கௌதம் கோபால்', 'லக்ஷ்மிபுரம்', 'கொடுக்க', 'மல்லிகை', 'தாமரை']) expect(drawn).toContain(word);
    // Shaping: கொ becomes the e-sign, then க, then the aa-sign (the vowel drawn around the consonant); க்ஷ one glyph.
    const tamil = fonts.tamil;
    expect(tamil.layout('கொ').glyphs.map((g) => g.name)).toEqual(['evowelsigntamil', 'katamil', 'aavowelsigntamil']);
    expect(tamil.layout('கோ').glyphs.map((g) => g.name)).toEqual(['eevowelsigntamil', 'katamil', 'aavowelsigntamil']);
    expect(tamil.layout('கௌ').glyphs.map((g) => g.name)).toEqual(['evowelsigntamil', 'katamil', 'aulengthmarktamil']);
    expect(tamil.layout('க்ஷ').glyphs).toHaveLength(1);
  });

  it('reads back the right numbers and embeds the shipped fonts', async () => {
    const doc = await statementDocument(t.db.orm.em.fork(), { settlementId }, TZ, inlineRenderer);
    expect(doc.mimeType).toBe('application/pdf');
    expect(doc.filename).toBe('S-2026W45-FAR101.pdf');
    expect(doc.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(doc.bytes.includes(Buffer.from('NotoSansTamil'))).toBe(true);
    const text = await pdfText(doc.bytes);
    for (const figure of [
      '₹5,561.42',
      '₹450.50',
      '12.345',
      '₹1,25,000.00',
      '₹1,30,861.42',
      '- ₹9,814.61',
      '- ₹10.00',
      '- ₹2,000.00',
      '₹1,19,036.81',
      '03-11-2026',
      '02-11-2026 – 08-11-2026',
    ]) {
      expect(
        text.some((s) => s.includes(figure)),
        `${figure} in ${JSON.stringify(text)}`,
      ).toBe(true);
    }
    expect(doc.caption).toBe(`02-11-2026 முதல் 08-11-2026 வரையிலான கணக்கு அறிக்கை ${doc.filename.replace('.pdf', '')}: நிகரத் தொகை ₹1,19,036.81`);
    // The same settlement renders the same bytes.
    const again = await renderStatementDocument(t.db.orm.em.fork(), { settlementId }, TZ, inlineRenderer);
    expect(again.bytes.equals(doc.bytes)).toBe(true);
  });

  it('words the caption when sent, in the language queued; a caption stored by an older row is sent as it is', async () => {
    const english = await statementDocument(t.db.orm.em.fork(), { settlementId, language: 'en' }, TZ, inlineRenderer);
    expect(english.caption).toBe('Statement S-2026W45-FAR101 for 02-11-2026 to 08-11-2026: net payable ₹1,19,036.81');
    const stored = await statementDocument(
      t.db.orm.em.fork(),
      { settlementId, language: 'en', caption: 'Queued before the change' },
      TZ,
      inlineRenderer,
    );
    expect(stored.caption).toBe('Queued before the change');
  });

  it('renders to a PNG with pdftoppm', async () => {
    const doc = await renderStatementDocument(t.db.orm.em.fork(), { settlementId }, TZ, inlineRenderer);
    const pdfPath = path.join(outDir, 'statement.pdf');
    fs.writeFileSync(pdfPath, doc.bytes);
    execFileSync('pdftoppm', ['-png', '-r', '110', '-singlefile', pdfPath, path.join(outDir, 'statement')]);
    const png = fs.readFileSync(path.join(outDir, 'statement.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // A4 (595.28 × 841.89 pt) at 110 dpi: 909.4 × 1286.2, rounded up by pdftoppm (IHDR width and height).
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([910, 1287]);
    const keep = process.env.STATEMENT_SAMPLE_PNG;
    if (keep) fs.copyFileSync(path.join(outDir, 'statement.png'), keep);
  });

  it('a statement of what is unsettled so far', async () => {
    const code = (await run<{ farmer_code: string }>(t.db, `select farmer_code from farmers where id = $1`, [farmerId]))[0]!.farmer_code;
    // 2 kg × ₹300.00 = 600.00; commission 45.00; net 555.00; nothing owed.
    await addEntry(t.db, { farmerCode: code, date: '2026-11-24', quantity: '2.000', rate: '300.00', commissionRate: '7.50' });
    const em = t.db.orm.em.fork();
    const asked = await requestStatement(em, { farmerId, now: new Date(), timeZone: TZ });
    await em.flush();
    expect(asked.kind).toBe('provisional');
    const doc = await renderStatementDocument(t.db.orm.em.fork(), asked.payload, TZ, inlineRenderer);
    const text = await pdfText(doc.bytes);
    expect(text.some((s) => s.includes('₹555.00'))).toBe(true);
    expect(text.some((s) => s.includes('₹1,25,000.00'))).toBe(false);
    const [n] = await run<{ type: string; recipient_phone: string }>(
      t.db,
      `select type, recipient_phone from notifications where farmer_id = $1 and payload ? 'asOf'`,
      [farmerId],
    );
    expect(n).toMatchObject({ type: 'statement' });
    expect(await ledgerProblems(t.db)).toEqual({ settlements: [], balances: [] });
  });
});

describe('a long statement, paid, in English', () => {
  it('breaks across pages with the table header repeated and the payment shown', async () => {
    // 60 lines of 1.000 kg × ₹100.00 = ₹100.00: gross ₹6,000.00.
    const lines = Array.from({ length: 60 }, (_, i) => ({
      date: `2026-11-${String(16 + (i % 7)).padStart(2, '0')}`,
      slot: 'Early Morning',
      slotTa: 'காலை',
      flower: 'Rose',
      flowerTa: 'ரோஜா',
      quantity: '1.000',
      unit: 'kg' as const,
      rate: '100.00',
      amount: '100.00',
    }));
    const bytes = await renderStatementPdf({
      language: 'en',
      kind: 'settlement',
      market: { name: 'Malar Flower Market', nameTa: 'மலர் பூ சந்தை', address: 'Flower Market, Madurai', addressTa: 'பூ சந்தை, மதுரை' },
      farmer: { code: 'FAR002', name: 'Kumar Raja', village: 'Dindigul' },
      settlementNumber: 'S-2026W47-FAR002',
      periodStart: '2026-11-16',
      periodEnd: '2026-11-22',
      generatedAt: '2026-11-23T00:30:00.000Z',
      lines,
      commissionRate: '5',
      grossAmount: '6000.00',
      totalCommission: '300.00',
      totalFees: '0.00',
      totalAdvances: '0.00',
      advancesOutstanding: '0.00',
      netPayable: '5700.00',
      status: 'paid',
      paidAt: '2026-11-24T05:00:00.000Z',
      paymentReference: 'UPI-778899',
    });
    fs.writeFileSync(path.join(outDir, 'long.pdf'), bytes);
    const text = await pdfText(bytes);
    expect(text.filter((s) => s === 'Date')).toHaveLength(2);
    // Pages 1 and 2 hold the 60 rows (the table header repeated on page 2); the totals block
    // (about 240 pt) no longer fits below them, so it starts page 3.
    expect(text.filter((s) => /Page|பக்கம்/.test(s))).toEqual(['Page 1 of 3', 'Page 2 of 3', 'Page 3 of 3']);
    expect(text.filter((s) => s === '₹100.00')).toHaveLength(120);
    expect(text).toContain('Net amount payable to you');
    expect(text).toContain('₹5,700.00');
    expect(text).toContain('Paid on 24-11-2026, reference UPI-778899');
  });
});
