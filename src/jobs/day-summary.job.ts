// The day-end summary for the admins, at market close and on `summary` / `சுருக்கம்`.
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { translator } from '../i18n.js';
import type { Language } from '../domain/columns.js';
import { dayFigures, type DayFigures } from '../domain/day-summary/day-summary.js';
import { localTime } from '../domain/market-time.js';
import { addDays } from '../domain/settlements/period.js';
import { activeAdmins } from '../domain/broadcasts/recipients.js';
import { enqueueBroadcast } from '../domain/broadcasts/broadcast.js';
import { marketInstant } from '../channels/console/market-clock.js';
import { expectedForeignKeys, validateLedger } from '../ops/validation/validate.js';
import { marketDate, money, nameIn, quantity, unitWord } from '../chat/render.js';
import { explainMetaError } from './meta-errors.js';
import type { JobResult } from './runner.js';

export interface DaySummary {
  figures: DayFigures;
  validationErrors: number;
}

/** The day's figures and db:validate's checks, read through `em` (a chat line's transaction, or a fork). */
export async function daySummary(em: EntityManager, date: string, timeZone: string): Promise<DaySummary> {
  const start = marketInstant(date, '00:00', timeZone);
  const end = marketInstant(addDays(date, 1), '00:00', timeZone);
  const figures = await dayFigures(em, date, start, end);
  const run = (sql: string, params: unknown[] = []) => em.execute<Record<string, unknown>[]>(sql, params);
  const report = await validateLedger(run, expectedForeignKeys({ getMetadata: () => em.getMetadata() } as unknown as MikroORM));
  return { figures, validationErrors: report.errors };
}

export function daySummaryText(s: DaySummary, lang: Language, timeZone: string): string {
  const t = translator(lang);
  const f = s.figures;
  const lines = [t('jobs.summary.title', { date: marketDate(f.date, lang) })];
  if (!f.flowers.length) lines.push(t('jobs.summary.noEntries'));
  else {
    lines.push(t('jobs.summary.entries', { count: f.entries, total: money(f.total), net: money(f.net) }));
    for (const r of f.flowers) {
      lines.push(
        t('jobs.summary.flowerLine', {
          flower: nameIn(lang, { name: r.flowerName, nameTa: r.flowerNameTa }),
          qty: quantity(r.quantity),
          unit: unitWord(t, r.unit),
          total: money(r.totalAmount),
          count: r.entries,
        }),
      );
    }
  }
  if (f.stock.length) {
    lines.push(t('buyers.stockTitle'));
    for (const r of f.stock)
      lines.push(
        t('buyers.stockLine', {
          flower: nameIn(lang, { name: r.flowerName, nameTa: r.flowerNameTa }),
          received: quantity(r.received),
          sold: quantity(r.sold),
          unsold: quantity(r.unsold),
          unit: unitWord(t, r.unit),
        }),
      );
  }
  if (f.sales.count || Number(f.sales.collected) > 0)
    lines.push(t('buyers.summarySales', { count: f.sales.count, total: money(f.sales.total), collected: money(f.sales.collected) }));
  lines.push(t('jobs.summary.advances', { count: f.advancesWaiting.count, amount: money(f.advancesWaiting.amount) }));
  const failed = f.failed.reduce((n, x) => n + x.count, 0);
  if (!failed) lines.push(t('jobs.summary.failedNone'));
  else {
    lines.push(t('jobs.summary.failed', { count: failed }));
    for (const x of f.failed)
      lines.push(t('jobs.summary.failedLine', { count: x.count, reason: `${x.code ? `${x.code} ` : ''}${explainMetaError(x.code, lang)}` }));
  }
  lines.push(s.validationErrors ? t('jobs.summary.validationBad', { count: s.validationErrors }) : t('jobs.summary.validationOk'));
  const b = f.backup;
  lines.push(
    b
      ? t('jobs.summary.backup', {
          outcome: b.outcome,
          time: `${b.period} ${localTime(b.startedAt, timeZone).slice(0, 5)}`,
          summary: b.summary ?? '',
        })
      : t('jobs.summary.backupNone'),
  );
  return lines.join('\n');
}

export async function runDaySummary(orm: MikroORM, date: string, timeZone: string): Promise<JobResult> {
  const em = orm.em.fork();
  const s = await daySummary(em, date, timeZone);
  const admins = await activeAdmins(em);
  const r = await enqueueBroadcast(em, {
    type: 'day_summary',
    key: date,
    messages: admins.map((a) => ({
      recipientPhone: a.phone,
      userId: a.id,
      type: 'day_summary',
      language: a.language,
      payload: { text: daySummaryText(s, a.language, timeZone), date },
    })),
  });
  const f = s.figures;
  return {
    summary: `${date}: sent to ${r.queued} admins (${r.alreadySent} already had it); ${f.entries} entries ₹${f.total}, ${f.advancesWaiting.count} advances waiting, ${f.failed.reduce((n, x) => n + x.count, 0)} failed messages, ${s.validationErrors} validation errors`,
    details: { date, ...r },
  };
}
