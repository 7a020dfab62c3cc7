// Font files and ToUnicode maps repeat between statements; their deflated bytes are reused. zlib gives the same
// input the same output, so a reused stream must be exactly what deflating it again gives, and a statement drawn
// with the memo warm must be the statement drawn cold.
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { expect, it } from 'vitest';
import { deflated, deflateMemoHits } from '../../src/pdf/deflate-memo.js';
import { renderStatementPdf } from '../../src/pdf/statement.js';
import { thirtyLineStatement } from '../../bench/scenarios/pdf.js';

it('gives what zlib gives, first time and remembered, for font files and CMaps; page contents are not remembered', () => {
  const font = Buffer.concat([Buffer.from('true'), randomBytes(20_000)]);
  const cmap = Buffer.from('/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n<0000> <0003> [<0041> <0042>]\n');
  const page = Buffer.from('1 0 0 -1 0 841.89 cm\nBT\n/F1 10 Tf\nET\n');
  for (const bytes of [font, cmap]) {
    const before = deflateMemoHits();
    expect(deflated(bytes).equals(zlib.deflateSync(bytes))).toBe(true);
    expect(deflated(Buffer.from(bytes)).equals(zlib.deflateSync(bytes))).toBe(true);
    expect(deflateMemoHits()).toBe(before + 1);
  }
  const before = deflateMemoHits();
  expect(deflated(page).equals(zlib.deflateSync(page))).toBe(true);
  expect(deflated(page).equals(zlib.deflateSync(page))).toBe(true);
  expect(deflateMemoHits()).toBe(before);
});

it('draws the same statement to the same bytes with its fonts taken from the memo', async () => {
  const data = thirtyLineStatement();
  const cold = await renderStatementPdf(data);
  const before = deflateMemoHits();
  const warm = await renderStatementPdf(data);
  // Four fonts, each with its file and its ToUnicode map.
  expect(deflateMemoHits() - before).toBeGreaterThanOrEqual(4);
  expect(Buffer.compare(warm, cold)).toBe(0);
});
