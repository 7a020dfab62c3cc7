// Chat commands for the scheduled messages: `summary` / `சுருக்கம்` (admins), `stop rates` / `விலை வேண்டாம்`
// and `rates on` / `விலை வேண்டும்` (and the same for the monthly statement), `stmt month` / `மாத அறிக்கை`.
import type { TFunction } from 'i18next';
import { AppError } from '../errors.js';
import { setBroadcastOptOut } from '../domain/broadcasts/recipients.js';
import { enqueueNotification } from '../domain/notifications/outbox.js';
import { previousMonth } from '../domain/monthly-statements/monthly-statement.js';
import { daySummary, daySummaryText } from '../jobs/day-summary.job.js';
import { monthlyStatementMessage } from '../jobs/monthly-statements.job.js';
import { monthName } from '../pdf/monthly-statement.js';
import type { Command } from './parse.js';
import type { LineContext } from './dispatch.js';

type BroadcastCommand = Extract<Command, { kind: 'summary' | 'optOut' | 'monthStatement' }>;

export async function runBroadcastCommand(ctx: LineContext, command: BroadcastCommand, t: TFunction): Promise<string> {
  switch (command.kind) {
    case 'summary': {
      if (ctx.sender.user?.role !== 'admin') throw new AppError('ADMINS_ONLY', t('jobs.summary.adminsOnly'), 403, { refusal: true });
      return daySummaryText(await daySummary(ctx.em, ctx.date, ctx.timeZone), ctx.lang, ctx.timeZone);
    }
    case 'optOut': {
      if (!ctx.sender.farmer) throw new AppError('FARMERS_ONLY', t('jobs.optOut.farmersOnly'), 403);
      await setBroadcastOptOut(ctx.em, ctx.sender.farmer.id, command.what, command.optOut);
      const key = command.what === 'rateCard' ? (command.optOut ? 'rateCardOff' : 'rateCardOn') : command.optOut ? 'statementOff' : 'statementOn';
      return t(`jobs.optOut.${key}`);
    }
    case 'monthStatement': {
      if (!ctx.sender.farmer) throw new AppError('FARMERS_ONLY', t('jobs.optOut.farmersOnly'), 403);
      if (!ctx.dataDir) return t('chat.statementsUnavailable');
      const month = previousMonth(ctx.date);
      const { message } = await monthlyStatementMessage(ctx.em, {
        farmerId: ctx.sender.farmer.id,
        month,
        dataDir: ctx.dataDir,
        timeZone: ctx.timeZone,
        now: ctx.at,
        recipientPhone: ctx.sender.phone,
      });
      enqueueNotification(ctx.em, { ...message, language: ctx.lang });
      return t('jobs.monthly.asked', { month: monthName(month, ctx.lang) });
    }
  }
}
