// The table `npm run settle` prints: one row per farmer (the first few), then the totals.
import { formatRupees } from '../domain/money.js';
import type { SettleResult } from '../domain/settlements/settlement.service.js';

export function summaryTable(result: SettleResult, maxRows = 40): string {
  const head = ['Farmer', 'Settlement', 'Entries', 'Gross', 'Commission', 'Fees', 'Adjustments', 'Advances', 'Net payable'];
  const rows = result.settled
    .slice(0, maxRows)
    .map((r) => [
      r.farmerCode,
      r.settlementNumber ?? '',
      String(r.entries),
      formatRupees(r.grossAmount),
      formatRupees(r.totalCommission),
      formatRupees(r.totalFees),
      formatRupees(r.totalAdjustments),
      formatRupees(r.totalAdvances),
      formatRupees(r.netPayable),
    ]);
  if (result.settled.length > maxRows) rows.push([`… ${result.settled.length - maxRows} more`, ...head.slice(1).map(() => '')]);
  const t = result.totals;
  rows.push([
    `${t.farmers} ${t.farmers === 1 ? 'farmer' : 'farmers'}`,
    'TOTAL',
    String(t.entries),
    formatRupees(t.gross),
    formatRupees(t.commission),
    formatRupees(t.fees),
    formatRupees(t.adjustments),
    formatRupees(t.advances),
    formatRupees(t.net),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(head), rule, ...rows.slice(0, -1).map(line), rule, line(rows[rows.length - 1]!)].join('\n');
}
