// Tamil that copies right: the statement's text, taken out of the PDF by poppler's pdftotext, is the Tamil it
// was drawn from, word for word (not the glyphs' visual order, which gives சந்ைத for சந்தை).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderStatementPdf } from '../../src/pdf/statement.js';
import type { StatementData } from '../../src/pdf/statement-data.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tamil-pdf-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const data: StatementData = {
  language: 'ta',
  kind: 'settlement',
  market: { name: 'Malar Flower Market', nameTa: 'மலர் பூ சந்தை', address: 'Flower Market, Madurai', addressTa: 'பூ சந்தை, மதுரை' },
  farmer: { code: 'FAR101', name: 'கௌதம் கோபால்', village: 'லக்ஷ்மிபுரம்' },
  settlementNumber: 'S-2026W47-FAR101',
  periodStart: '2026-11-16',
  periodEnd: '2026-11-22',
  generatedAt: '2026-11-23T00:30:00.000Z',
  lines: [
    {
      date: '2026-11-16',
      slot: 'Early Morning',
      slotTa: 'அதிகாலை',
      flower: 'Jasmine',
      flowerTa: 'மல்லிகை',
      quantity: '12.345',
      unit: 'kg',
      rate: '450.50',
      amount: '150000000.00',
    },
    {
      date: '2026-11-17',
      slot: 'Evening',
      slotTa: 'மாலை',
      flower: 'Lotus',
      flowerTa: 'தாமரை',
      quantity: '25.000',
      unit: 'piece',
      rate: '12.00',
      amount: '300.00',
    },
  ],
  commissionRate: null,
  grossAmount: '150000300.00',
  totalCommission: '7500015.00',
  totalFees: '0.00',
  totalAdvances: '0.00',
  advancesOutstanding: '0.00',
  netPayable: '142500285.00',
  status: 'finalized',
  paidAt: null,
  paymentReference: null,
};

// Every Tamil string the statement draws: the data above and the Tamil labels (templates/locales/ta/statement.json).
const TAMIL_SOURCES = [
  'மலர் பூ சந்தை',
  'பூ சந்தை, மதுரை',
  'கணக்கு அறிக்கை',
  'விவசாயி',
  'குறியீடு',
  'ஊர்',
  'காலம்',
  'அறிக்கை எண்',
  'தயாரித்த நாள்',
  'கௌதம் கோபால்',
  'லக்ஷ்மிபுரம்',
  'தேதி',
  'நேரம்',
  'பூ',
  'அளவு',
  'விலை',
  'தொகை',
  'அதிகாலை',
  'மல்லிகை',
  'கிலோ',
  'மாலை',
  'தாமரை',
  'எண்',
  'மொத்த விற்பனை',
  'கமிஷன்',
  'கட்டணங்கள்',
  'கழிக்கப்பட்ட முன்பணம்',
  'உங்களுக்குக் கொடுக்க வேண்டிய நிகரத் தொகை',
  'இன்னும் திருப்பித் தர வேண்டிய முன்பணம்',
  'இன்னும் கொடுக்கப்படவில்லை',
  'பக்கம்',
];
const tamilWords = (text: string) => text.split(/[\s,()/:]+/).filter((w) => /[\u0B80-\u0BFF]/.test(w));

describe('Tamil text in the PDF', () => {
  it('pdftotext reads back the Tamil it was drawn from, word for word; language and title are set', async () => {
    const bytes = await renderStatementPdf(data);
    const file = path.join(dir, 'statement.pdf');
    fs.writeFileSync(file, bytes);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('சந்தை');
    expect(text).toContain('அறிக்கை');
    // What used to come out: the vowel sign ை before its consonant.
    expect(text).not.toContain('சந்ைத');
    expect(text).not.toContain('அறிக்ைக');
    const extracted = tamilWords(text);
    const expected = TAMIL_SOURCES.flatMap(tamilWords);
    // Each source word is there as written, and every Tamil word read out is one of the source words.
    expect([...new Set(extracted)].sort()).toEqual([...new Set(expected)].sort());
    // Word for word in each label: the lines keep their words in order.
    for (const phrase of ['மலர் பூ சந்தை', 'உங்களுக்குக் கொடுக்க வேண்டிய நிகரத் தொகை', 'இன்னும் திருப்பித் தர வேண்டிய முன்பணம்']) expect(text).toContain(phrase);
    const raw = bytes.toString('latin1');
    expect(raw).toContain('/Lang (ta-IN)');
    expect(raw).toContain('/DisplayDocTitle true');
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info).toMatch(/^Title:\s+கணக்கு அறிக்கை S-2026W47-FAR101$/m);
  });

  it('₹15,00,00,000.00 keeps clear of the rate column', async () => {
    const bytes = await renderStatementPdf(data);
    const file = path.join(dir, 'wide.pdf');
    fs.writeFileSync(file, bytes);
    // -bbox: every word with its box. The amount must start right of where the rate ends.
    const html = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8' });
    const box = (word: string) => {
      const m = new RegExp(`<word xMin="([\\d.]+)" yMin="([\\d.]+)" xMax="([\\d.]+)" yMax="[\\d.]+">${word.replace(/[.$]/g, '\\$&')}</word>`).exec(
        html,
      );
      expect(m, word).not.toBeNull();
      return { xMin: Number(m![1]), y: Number(m![2]), xMax: Number(m![3]) };
    };
    const rate = box('₹450.50');
    const amount = box('₹15,00,00,000.00');
    expect(amount.y).toBeCloseTo(rate.y, 0);
    expect(amount.xMin).toBeGreaterThan(rate.xMax + 2);
    // Inside the page's right margin (595.28 − 40).
    expect(amount.xMax).toBeLessThanOrEqual(555.3);
  });
});
