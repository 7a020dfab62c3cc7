// Tells the admins on WhatsApp when a job failed, stopped early or ran late, in each admin's language.
import type { MikroORM } from '@mikro-orm/postgresql';
import { translator } from '../i18n.js';
import { localTime } from '../domain/market-time.js';
import { activeAdmins } from '../domain/broadcasts/recipients.js';
import { enqueueNotification } from '../domain/notifications/outbox.js';
import type { JobContext, RunReport } from './runner.js';

const BACKUP_KINDS = ['backup_failed', 'copy_failed', 'too_old'] as const;

export function adminNoticeSender(orm: MikroORM, timeZone: string) {
  return async (report: RunReport, ctx: JobContext): Promise<void> => {
    const details = report.details;
    if (report.outcome !== 'failed' && report.outcome !== 'stopped' && !report.late) return;
    const em = orm.em.fork();
    const problems = Array.isArray(details?.problems) ? (details.problems as string[]) : [];
    for (const admin of await activeAdmins(em)) {
      const t = translator(admin.language);
      const key = report.outcome === 'failed' || report.outcome === 'stopped' ? report.outcome : 'late';
      const explained = problems.filter((p) => (BACKUP_KINDS as readonly string[]).includes(p)).map((p) => t(`jobs.notice.${p}`));
      const text = t(`jobs.notice.${key}`, {
        job: t(`jobs.name.${report.job}`, { defaultValue: report.job }),
        period: report.period,
        time: localTime(ctx.now, timeZone).slice(0, 5),
        due: localTime(ctx.dueAt, timeZone).slice(0, 5),
        summary: [...explained, report.summary].join('\n'),
      });
      enqueueNotification(em, {
        recipientPhone: admin.phone,
        userId: admin.id,
        type: 'job_notice',
        language: admin.language,
        payload: { text, job: report.job, runId: report.runId },
      });
    }
    await em.flush();
  };
}
