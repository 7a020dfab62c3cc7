// pdf: one 30-line statement drawn again and again on this thread: render time and size.
import { renderStatementPdf } from '../../src/pdf/statement.js';
import type { StatementData } from '../../src/pdf/statement-data.js';
import type { Figure } from '../lib/report.js';
import { mean, percentile } from '../lib/stats.js';

export function thirtyLineStatement(): StatementData {
  const flowers = [
    ['Jasmine', 'மல்லிகை'],
    ['Rose', 'ரோஜா'],
    ['Marigold', 'செண்டுமல்லி'],
    ['Chrysanthemum', 'சாமந்தி'],
  ] as const;
  const lines = Array.from({ length: 30 }, (_, i) => {
    const [flower, flowerTa] = flowers[i % flowers.length]!;
    return {
      date: `2026-11-${String(16 + (i % 7)).padStart(2, '0')}`,
      slot: 'Morning Peak',
      slotTa: 'காலை உச்சம்',
      flower,
      flowerTa,
      quantity: '12.500',
      unit: 'kg' as const,
      rate: '180.00',
      amount: '2250.00',
    };
  });
  return {
    language: 'ta',
    kind: 'settlement',
    market: { name: 'Malar Flower Market', nameTa: 'மலர் பூ சந்தை', address: 'Mattuthavani, Madurai', addressTa: 'மாட்டுத்தாவணி, மதுரை' },
    farmer: { code: 'FAR1001', name: 'Raj Kumar', village: 'Madurai' },
    settlementNumber: 'S-2026-W47-FAR1001',
    periodStart: '2026-11-16',
    periodEnd: '2026-11-22',
    generatedAt: '2026-11-23T00:30:00.000Z',
    lines,
    commissionRate: '5.00',
    grossAmount: '67500.00',
    totalCommission: '3375.00',
    totalFees: '0.00',
    totalAdvances: '1000.00',
    advancesOutstanding: '0.00',
    netPayable: '63125.00',
    status: 'finalized',
    paidAt: null,
    paymentReference: null,
  };
}

export async function pdf(o: { quick: boolean; log: (s: string) => void }): Promise<{ figures: Figure[]; details: unknown }> {
  const data = thirtyLineStatement();
  for (let i = 0; i < 5; i++) await renderStatementPdf(data); // fonts parsed, code warmed
  const times: number[] = [];
  let bytes = 0;
  const n = o.quick ? 50 : 300;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    bytes = (await renderStatementPdf(data)).length;
    times.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / n;
  times.sort((a, b) => a - b);
  o.log(
    `  pdf: CPU ${cpuMs.toFixed(2)} ms per statement; mean ${mean(times).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms, ${bytes} bytes`,
  );
  return {
    figures: [
      {
        scenario: 'pdf',
        figure: '30-line statement mean',
        value: mean(times),
        unit: 'ms',
        target: null,
        better: 'lower',
        note: `${n} renders, one thread`,
      },
      { scenario: 'pdf', figure: '30-line statement CPU', value: cpuMs, unit: 'ms', target: null, better: 'lower' },
      { scenario: 'pdf', figure: '30-line statement p99', value: percentile(times, 99), unit: 'ms', target: null, better: 'lower' },
      { scenario: 'pdf', figure: 'bytes per PDF', value: bytes / 1024, unit: 'KiB', target: null, better: 'lower' },
      {
        scenario: 'pdf',
        figure: 'bench process peak RSS',
        value: process.resourceUsage().maxRSS / 1024,
        unit: 'MB',
        target: 300,
        better: 'lower',
        note: 'includes the bench itself',
      },
    ],
    details: { n, mean: mean(times), p50: percentile(times, 50), p99: percentile(times, 99), bytes },
  };
}
