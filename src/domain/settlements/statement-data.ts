// What a statement shows, as plain data: the domain builds it, a renderer (src/pdf, chosen by the composition
// root) draws it. Plain JSON-safe values,
// so a worker thread can render it without a database.
import type { Language } from '../columns.js';

export interface StatementLine {
  /** Market date, YYYY-MM-DD. */
  date: string;
  slot: string | null;
  slotTa: string | null;
  flower: string;
  flowerTa: string | null;
  quantity: string;
  unit: 'kg' | 'piece';
  rate: string;
  amount: string;
}

/** An adjustment the statement carries: a credit (+) or debit (−) with its reason. */
export interface StatementAdjustment {
  /** 'J3' */
  ref: string;
  reason: string;
  amount: string;
}

export interface StatementData {
  language: Language;
  kind: 'settlement' | 'provisional';
  market: { name: string; nameTa: string; address: string; addressTa: string };
  farmer: { code: string; name: string; village: string | null };
  settlementNumber: string | null;
  periodStart: string;
  periodEnd: string;
  /** ISO instant the figures were fixed (settlement generated_at, or the as-of time). */
  generatedAt: string;
  lines: StatementLine[];
  /** The commission percentage when every line shares one, else null. */
  commissionRate: string | null;
  grossAmount: string;
  totalCommission: string;
  totalFees: string;
  totalAdvances: string;
  /** Absent on data made before adjustments existed (a queued render): none. */
  adjustments?: StatementAdjustment[];
  advancesOutstanding: string;
  netPayable: string;
  status: 'finalized' | 'paid' | 'reopened' | 'provisional';
  paidAt: string | null;
  paymentReference: string | null;
}

/** DD-MM-YYYY: the order people here write dates in. */
export const displayDate = (isoDate: string) => `${isoDate.slice(8, 10)}-${isoDate.slice(5, 7)}-${isoDate.slice(0, 4)}`;

export function statementFilename(data: Pick<StatementData, 'settlementNumber' | 'farmer' | 'periodEnd'>): string {
  return data.settlementNumber ? `${data.settlementNumber}.pdf` : `statement-${data.farmer.code}-${data.periodEnd}.pdf`;
}

/** What a statement shows apart from its lines: enough to name and caption the document. */
export type StatementSummary = Omit<StatementData, 'lines'>;

/** Draws a statement; src/pdf implements it (inline or on worker threads), the composition root picks one. */
export interface StatementRenderer {
  render(data: StatementData): Promise<Buffer>;
  /**
   * Present when the renderer reads a settlement's figures itself (render workers with their own database
   * connection): the PDF and its summary, or null when there is no such settlement.
   */
  renderSettlement?: (settlementId: string) => Promise<{ bytes: Buffer; data: StatementSummary } | null>;
  close(): Promise<void>;
}
