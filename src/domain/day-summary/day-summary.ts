// The figures of a market day for the admins' day-end summary: deliveries by flower, advances waiting, the
// messages that failed (by Meta's code) and the last backup run. Facts only; the words are made in src/jobs.
import type { EntityManager } from '@mikro-orm/postgresql';
import { CashAdvance } from '../advances/cash-advance.entity.js';
import { dayTotals, type DayTotal } from '../entries/entries.service.js';
import { lastJobRuns, type JobRunFacts } from '../job-runs/job-runs.js';
import { failuresByCode } from '../notifications/failures.js';
import { sum } from '../money.js';
import { dayStock, type StockRow } from '../buyers/buyer.queries.js';

export interface DayFigures {
  date: string;
  flowers: DayTotal[];
  entries: number;
  total: string;
  net: string;
  advancesWaiting: { count: number; amount: string };
  failed: { code: string | null; count: number }[];
  backup: JobRunFacts | null;
  /** Per flower: received from farmers, sold to buyers, left unsold. */
  stock: StockRow[];
  /** The buyers' side of the day: active sales and collections. */
  sales: { count: number; total: string; collected: string };
}

/** `dayStart`/`dayEnd`: the market day's bounds as instants (the caller knows the market's zone). */
export async function dayFigures(em: EntityManager, date: string, dayStart: Date, dayEnd: Date): Promise<DayFigures> {
  const flowers = await dayTotals(em, date);
  const pending = await em.find(CashAdvance, { status: 'pending' }, { fields: ['id', 'amount'] });
  return {
    date,
    flowers,
    entries: flowers.reduce((n, f) => n + f.entries, 0),
    total: sum(flowers.map((f) => f.totalAmount)),
    net: sum(flowers.map((f) => f.netAmount)),
    advancesWaiting: { count: pending.length, amount: sum(pending.map((a) => a.amount)) },
    failed: await failuresByCode(em, dayStart, dayEnd),
    backup: (await lastJobRuns(em, ['daily-backup'])).get('daily-backup') ?? null,
    stock: await dayStock(em, date),
    sales: await daySales(em, date),
  };
}

async function daySales(em: EntityManager, date: string) {
  const [r] = await em.execute<{ n: number; total: string; collected: string }[]>(
    `select (select count(*)::int from sales where sale_date = ? and status = 'active') as n,
            (select coalesce(sum(total_amount), 0)::numeric(14,2)::text from sales where sale_date = ? and status = 'active') as total,
            (select coalesce(sum(amount), 0)::numeric(14,2)::text from collections where collection_date = ?) as collected`,
    [date, date, date],
  );
  return { count: r!.n, total: r!.total, collected: r!.collected };
}
