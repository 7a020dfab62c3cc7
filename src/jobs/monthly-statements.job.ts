// The monthly statement: on the 1st, each farmer who has not opted out and had any business last month gets a
// one-page PDF of it. `stmt month` / `மாத அறிக்கை` asks for one any time. The PDF is written under DATA_DIR and
// sent as a document notification (fileDocumentResolver), once per farmer per month.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { translator } from '../i18n.js';
import { formatRupees } from '../domain/money.js';
import { broadcastFarmers } from '../domain/broadcasts/recipients.js';
import { enqueueBroadcast } from '../domain/broadcasts/broadcast.js';
import type { NewNotification } from '../domain/notifications/outbox.js';
import { monthlyStatementData, type MonthlyStatementData } from '../domain/monthly-statements/monthly-statement.js';
import { monthName, renderMonthlyStatementPdf } from '../pdf/monthly-statement.js';
import type { JobResult } from './runner.js';

const hasBusiness = (d: MonthlyStatementData) =>
  d.deliveries.length + d.settlements.length + d.advances.length + d.adjustments.length + d.payments.length > 0;

/** Renders a farmer's month to DATA_DIR/statements/monthly/<month>/<code>.pdf; returns the notification to send. */
export async function monthlyStatementMessage(
  em: EntityManager,
  o: { farmerId: string; month: string; dataDir: string; timeZone: string; now: Date; recipientPhone?: string },
): Promise<{ data: MonthlyStatementData; message: NewNotification }> {
  const data = await monthlyStatementData(em, o.farmerId, o.month, o.timeZone);
  const bytes = await renderMonthlyStatementPdf(data, o.now);
  const filename = `statement-${data.farmer.code}-${o.month}.pdf`;
  const relative = path.join('statements', 'monthly', o.month, filename);
  await fs.mkdir(path.join(o.dataDir, path.dirname(relative)), { recursive: true });
  await fs.writeFile(path.join(o.dataDir, relative), bytes);
  const t = translator(data.language);
  return {
    data,
    message: {
      recipientPhone: o.recipientPhone ?? data.farmer.phone!,
      farmerId: data.farmer.id,
      type: 'monthly_statement',
      language: data.language,
      payload: {
        documentPath: relative,
        filename,
        caption: t('jobs.monthly.caption', { month: monthName(o.month, data.language), balance: formatRupees(data.closingBalance) }),
        month: o.month,
      },
    },
  };
}

export async function runMonthlyStatements(orm: MikroORM, o: { month: string; dataDir: string; timeZone: string; now: Date }): Promise<JobResult> {
  const em = orm.em.fork();
  const farmers = await broadcastFarmers(em, 'monthlyStatement');
  const messages: NewNotification[] = [];
  let quiet = 0;
  for (const f of farmers) {
    const { data, message } = await monthlyStatementMessage(em, { ...o, farmerId: f.id });
    if (hasBusiness(data)) messages.push(message);
    else quiet++;
  }
  const r = await enqueueBroadcast(em, { type: 'monthly_statement', key: o.month, messages });
  return {
    summary: `${o.month}: statements queued for ${r.queued} farmers (${r.alreadySent} already had theirs, ${quiet} had no business that month)`,
    details: { month: o.month, ...r, quiet },
  };
}
