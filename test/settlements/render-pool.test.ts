// Statements drawn on worker threads are the very bytes drawn inline (rendering is deterministic), and the
// pool keeps every job's answer apart when many run at once.
import { afterAll, describe, expect, it } from 'vitest';
import { renderStatementPdf } from '../../src/pdf/statement.js';
import { StatementRenderPool } from '../../src/pdf/render-pool.js';
import type { StatementData } from '../../src/pdf/statement-data.js';

const pool = new StatementRenderPool(2);
afterAll(() => pool.close());

function statement(code: string, lines: number, language: 'en' | 'ta'): StatementData {
  return {
    language,
    kind: 'settlement',
    market: { name: 'Malar Flower Market', nameTa: 'மலர் பூ சந்தை', address: 'Madurai', addressTa: 'மதுரை' },
    farmer: { code, name: `Farmer ${code}`, village: 'Dindigul' },
    settlementNumber: `S-2026-W47-${code}`,
    periodStart: '2026-11-16',
    periodEnd: '2026-11-22',
    generatedAt: '2026-11-23T00:30:00.000Z',
    lines: Array.from({ length: lines }, (_, i) => ({
      date: '2026-11-17',
      slot: 'Morning Peak',
      slotTa: 'காலை உச்சம்',
      flower: 'Jasmine',
      flowerTa: 'மல்லிகை',
      quantity: `${i + 1}.000`,
      unit: 'kg' as const,
      rate: '400.00',
      amount: `${(i + 1) * 400}.00`,
    })),
    commissionRate: '5.00',
    grossAmount: '0.00',
    totalCommission: '0.00',
    totalFees: '0.00',
    totalAdvances: '0.00',
    advancesOutstanding: '0.00',
    netPayable: '0.00',
    status: 'finalized',
    paidAt: null,
    paymentReference: null,
  };
}

describe('StatementRenderPool', () => {
  it('gives each statement the same bytes as rendering it inline, with many in flight', async () => {
    const inputs = [statement('FAR101', 3, 'ta'), statement('FAR102', 30, 'en'), statement('FAR103', 1, 'ta'), statement('FAR104', 12, 'en')];
    const pooled = await Promise.all(inputs.map((d) => pool.render(d)));
    for (let i = 0; i < inputs.length; i++) {
      const inline = await renderStatementPdf(inputs[i]!);
      expect(pooled[i]!.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(Buffer.compare(pooled[i]!, inline)).toBe(0);
    }
    // Different statements are different documents (the answers were not mixed up).
    expect(Buffer.compare(pooled[0]!, pooled[1]!)).not.toBe(0);
  });

  it('refuses work once closed', async () => {
    const closed = new StatementRenderPool(1);
    await closed.close();
    await expect(closed.render(statement('FAR105', 1, 'en'))).rejects.toThrow('closed');
  });
});
