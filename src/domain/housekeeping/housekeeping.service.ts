// Keeping the database small without touching the ledger: old notifications and audit noise are deleted after
// their retention (settings), and settled entries older than a year move to the archive tables with their lines.
// The audit of money and access is never deleted (src/domain/audit/categories.ts).
import type { EntityManager } from '@mikro-orm/postgresql';
import { getNumberSetting } from '../settings/settings.service.js';
import { localDate } from '../market-time.js';
import { NOISE_ACTIONS, RETENTION_SETTING } from '../audit/categories.js';

export const BATCH_SIZE = 5_000;
const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function deleteInBatches(em: EntityManager, table: string, where: string, params: unknown[], batchSize: number): Promise<number> {
  let total = 0;
  for (;;) {
    // Short statements, each its own transaction, so a large backlog never holds long locks.
    const res = await em
      .fork()
      .execute<{ affectedRows: number }>(
        `delete from ${table} where id in (select id from ${table} where ${where} order by id limit ${batchSize})`,
        params,
        'run',
      );
    total += res.affectedRows;
    if (res.affectedRows < batchSize) return total;
  }
}

/** Sent, delivered, read or failed notifications older than notification_retention_days; pending ones stay. */
export async function cleanupNotifications(em: EntityManager, now = new Date(), batchSize = BATCH_SIZE): Promise<{ deleted: number; days: number }> {
  const days = await getNumberSetting(em.fork(), 'notification_retention_days');
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const deleted = await deleteInBatches(em, 'notifications', `created_at < ? and status not in ('pending', 'sending')`, [cutoff], batchSize);
  return { deleted, days };
}

/** Audit noise older than audit_noise_retention_days; rows of every other category stay, however old. */
export async function cleanupSecurityLogs(em: EntityManager, now = new Date(), batchSize = BATCH_SIZE): Promise<{ deleted: number; days: number }> {
  const days = await getNumberSetting(em.fork(), RETENTION_SETTING.noise!);
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const actions = NOISE_ACTIONS.map(() => '?').join(', ');
  const deleted = await deleteInBatches(em, 'security_logs', `created_at < ? and action in (${actions})`, [cutoff, ...NOISE_ACTIONS], batchSize);
  return { deleted, days };
}

/** Sign-in sessions that ended (expired or revoked) more than a day ago: only live ones are ever looked up. */
export async function cleanupSessions(em: EntityManager, now = new Date(), batchSize = BATCH_SIZE): Promise<{ deleted: number }> {
  const cutoff = new Date(now.getTime() - DAY_MS);
  const deleted = await deleteInBatches(em, 'user_sessions', 'expires_at < ? or revoked_at < ?', [cutoff, cutoff], batchSize);
  return { deleted };
}

/**
 * Fat-finger holds whose 10-minute window closed more than notification_retention_days ago, whatever became of
 * them: a held line is only ever confirmed inside its window, and the audit keeps the hold and its outcome.
 */
export async function cleanupConfirmations(em: EntityManager, now = new Date(), batchSize = BATCH_SIZE): Promise<{ deleted: number; days: number }> {
  const days = await getNumberSetting(em.fork(), 'notification_retention_days');
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const deleted = await deleteInBatches(em, 'pending_confirmations', 'expires_at < ?', [cutoff], batchSize);
  return { deleted, days };
}

/** The market-local date one year before `now` ('YYYY-MM-DD'); 29 February steps back to the 28th. */
export function archiveCutoff(now: Date, timeZone: string): string {
  const [y, m, d] = localDate(now, timeZone).split('-').map(Number) as [number, number, number];
  const lastDay = new Date(Date.UTC(y - 1, m, 0)).getUTCDate();
  return `${y - 1}-${String(m).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

async function columnsOf(em: EntityManager, table: string): Promise<string> {
  const rows = await em.execute<{ name: string }[]>(
    `select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ? order by ordinal_position`,
    [table],
  );
  return rows.map((r) => `"${r.name}"`).join(', ');
}

/**
 * Moves entries of paid settlements dated before `cutoff` into daily_entries_archive (an entry is its own
 * settlement line, so the line moves with it; advance lines stay with their settlement): one transaction per batch, so every check of db:validate holds after each batch.
 * An unpaid settlement's entries stay live, however old. Every column of daily_entries is copied as it is (a
 * column the archive lacks makes the insert fail rather than lose data).
 */
export async function archiveSettledEntries(
  em: EntityManager,
  cutoff: string,
  batchSize = BATCH_SIZE,
): Promise<{ archived: number; batches: number }> {
  const entryColumns = await columnsOf(em.fork(), 'daily_entries');
  let archived = 0;
  let batches = 0;
  for (;;) {
    const moved = await em.fork().transactional(async (tx) => {
      const ids = (
        await tx.execute<{ id: string }[]>(
          `select d.id from daily_entries d join settlements s on s.id = d.settlement_id
            where d.entry_date < ? and s.status = 'paid'
            order by d.entry_date, d.id limit ${batchSize} for update of d skip locked`,
          [cutoff],
        )
      ).map((r) => r.id);
      if (!ids.length) return 0;
      // Inlined (ids straight from the database, checked): an array parameter would be expanded into a list.
      if (!ids.every((id) => UUID.test(id))) throw new Error('archive: unexpected id shape');
      const batch = `'{${ids.join(',')}}'::uuid[]`;
      await tx.execute(`insert into daily_entries_archive (${entryColumns}) select ${entryColumns} from daily_entries where id = any(${batch})`);
      await tx.execute(`delete from daily_entries where id = any(${batch})`);
      return ids.length;
    });
    if (!moved) return { archived, batches };
    archived += moved;
    batches++;
    if (moved < batchSize) return { archived, batches };
  }
}
