import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { expectedForeignKeys, ormSql, validateLedger } from '../../src/ops/validation/validate.js';
import {
  archiveCutoff,
  archiveSettledEntries,
  cleanupNotifications,
  cleanupConfirmations,
  cleanupSecurityLogs,
  cleanupSessions,
} from '../../src/domain/housekeeping/housekeeping.service.js';
import { buildLedger, IDS } from './ledger-fixture.js';
import { auditCategory, NOISE_ACTIONS } from '../../src/domain/audit/categories.js';

const NOW = new Date('2026-11-25T09:00:00Z');

describe('scheduled cleanup and archiving', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await buildLedger(ormSql(t.db.orm));
    // Notifications: 40 days old and sent (goes), 40 days old and still pending (stays), 10 days old (stays).
    await sql(
      t.db,
      `insert into notifications (recipient_phone, type, language, payload, status, created_at) values
         ('+919876543211', 'receipt', 'ta', '{}', 'sent', '2026-10-16T09:00:00Z'),
         ('+919876543211', 'receipt', 'ta', '{}', 'pending', '2026-10-16T09:00:00Z'),
         ('+919876543211', 'receipt', 'ta', '{}', 'delivered', '2026-11-15T09:00:00Z')`,
    );
    // Security logs: noise 100 days old (goes), noise 80 days old (stays), a sign-in 100 days old (stays: access).
    await sql(
      t.db,
      `insert into security_logs (action, created_at) values
         ('chat.unknown_sender', '2026-08-17T09:00:00Z'), ('webhook_signature_rejected', '2026-09-06T09:00:00Z'), ('login', '2026-08-17T09:00:00Z')`,
    );
  });
  afterAll(() => t?.close());

  it('deletes notifications after 30 days unless still unsent, and audit noise after 90', async () => {
    expect(await cleanupNotifications(t.db.orm.em, NOW, 1)).toEqual({ deleted: 1, days: 30 });
    expect(await cleanupSecurityLogs(t.db.orm.em, NOW, 1)).toEqual({ deleted: 1, days: 90 });
    expect(await sql(t.db, 'select status from notifications order by status')).toEqual([{ status: 'delivered' }, { status: 'pending' }]);
    expect(
      await sql(
        t.db,
        `select action, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as d from security_logs where created_at < '2026-10-01' order by action`,
      ),
    ).toEqual([
      { action: 'login', d: '2026-08-17' },
      { action: 'webhook_signature_rejected', d: '2026-09-06' },
    ]);

    // The settings decide: at 5 days the 10-day-old delivered one goes too.
    await sql(t.db, `update system_settings set value = '5' where key = 'notification_retention_days'`);
    expect(await cleanupNotifications(t.db.orm.em, NOW)).toEqual({ deleted: 1, days: 5 });
    expect(await sql(t.db, 'select status from notifications')).toEqual([{ status: 'pending' }]);
  });

  it('at +400 days deletes only noise: every money and access row is kept, whatever the retention setting', async () => {
    const later = new Date(NOW.getTime() + 400 * 86_400_000);
    // One row of every action the code writes, as old as everything else here.
    const actions = [
      'entry.create',
      'entry.void',
      'advance.create',
      'advance.approve',
      'advance.reject',
      'settlement.created',
      'settlement.run',
      'settlement.paid',
      'rate_set',
      'setting_changed',
      'farmer_created',
      'farmer_updated',
      'farmer_deactivated',
      'farmer_deleted',
      'flower_type_created',
      'time_slot_updated',
      'user_created',
      'user_updated',
      'password_changed',
      'password_reset',
      'login',
      'logout',
      'login_refused',
      'chat.refused',
      ...NOISE_ACTIONS,
    ];
    await sql(t.db, `delete from security_logs`);
    for (const action of actions) await sql(t.db, `insert into security_logs (action, created_at) values (?, ?)`, [action, NOW]);
    await sql(t.db, `update system_settings set value = '1' where key = 'audit_noise_retention_days'`);
    expect(await cleanupSecurityLogs(t.db.orm.em, later)).toEqual({ deleted: NOISE_ACTIONS.length, days: 1 });
    const kept = (await sql<{ action: string }>(t.db, 'select action from security_logs order by id')).map((r) => r.action);
    expect(kept).toEqual(actions.filter((a) => !(NOISE_ACTIONS as readonly string[]).includes(a)));
    expect(kept.map(auditCategory).filter((c) => c === 'noise')).toEqual([]);
    expect(kept).toContain('settlement.paid');
    expect(kept).toContain('entry.create');
  });

  it('computes the cutoff one year back in market time', () => {
    // 25 Nov 2026 02:00 in Kolkata is still 24 Nov in UTC.
    expect(archiveCutoff(new Date('2026-11-24T20:30:00Z'), 'Asia/Kolkata')).toBe('2025-11-25');
    expect(archiveCutoff(new Date('2028-02-29T06:00:00Z'), 'Asia/Kolkata')).toBe('2027-02-28');
  });

  it('deletes sign-in sessions ended over a day ago and fat-finger holds whose window closed 30 days ago', async () => {
    const user = `(select id from users order by email limit 1)`;
    // Sessions: expired 2 days ago (goes), revoked 2 days ago (goes), revoked an hour ago (stays), live (stays).
    await sql(
      t.db,
      `insert into user_sessions (user_id, expires_at, revoked_at) values
         (${user}, '2026-11-23T09:00:00Z', null), (${user}, '2026-12-20T09:00:00Z', '2026-11-23T09:00:00Z'),
         (${user}, '2026-12-20T09:00:00Z', '2026-11-25T08:00:00Z'), (${user}, '2026-12-20T09:00:00Z', null)`,
    );
    // Holds: window closed 31 days ago, confirmed (goes) and never answered (goes); closed 29 days ago (stays); live (stays).
    const hold = (status: string, expires: string) =>
      `('+919876543211', ${user}, 'entry', '{}', '{}', '${status}', '${expires}'::timestamptz - interval '10 minutes', '${expires}')`;
    await sql(
      t.db,
      `insert into pending_confirmations (sender_phone, actor_user_id, kind, payload, guard, status, created_at, expires_at) values
         ${hold('confirmed', '2026-10-25T08:00:00Z')}, ${hold('held', '2026-10-25T08:00:00Z')},
         ${hold('dropped', '2026-10-27T09:00:00Z')}, ${hold('held', '2026-11-25T09:05:00Z')}`,
    );
    expect(await cleanupSessions(t.db.orm.em, NOW, 1)).toEqual({ deleted: 2 });
    expect(await sql(t.db, `select count(*)::int as n from user_sessions`)).toEqual([{ n: 2 }]);
    // The retention is the notifications' one (set here: another test in this file changes it).
    await sql(t.db, `update system_settings set value = '30' where key = 'notification_retention_days'`);
    expect(await cleanupConfirmations(t.db.orm.em, NOW, 1)).toEqual({ deleted: 2, days: 30 });
    expect(await sql(t.db, `select status from pending_confirmations order by expires_at`)).toEqual([{ status: 'dropped' }, { status: 'held' }]);
  });

  it('moves year-old settled entries (their own lines) to the archive, batch by batch, and the ledger still validates', async () => {
    const result = await archiveSettledEntries(t.db.orm.em, archiveCutoff(NOW, 'Asia/Kolkata'), 1);
    // E101 and E102 (June 2025, settlement S1 paid): one per batch.
    expect(result).toEqual({ archived: 2, batches: 2 });
    expect(await sql(t.db, 'select entry_no from daily_entries_archive order by entry_no')).toEqual([{ entry_no: '101' }, { entry_no: '102' }]);
    expect(await sql(t.db, 'select entry_no from daily_entries order by entry_no')).toEqual(
      [103, 104, 105, 106].map((n) => ({ entry_no: String(n) })),
    );
    // An entry is its own settlement line: it moves with its settlement_id; nothing is copied to settlement_items_archive.
    expect(await sql(t.db, `select count(*)::int as n from daily_entries_archive where settlement_id = ?`, [IDS.s1])).toEqual([{ n: 2 }]);
    expect(await sql(t.db, `select count(*)::int as n from settlement_items_archive`)).toEqual([{ n: 0 }]);
    // The advance line of S1 stays with the settlement.
    expect(await sql(t.db, `select item_type from settlement_items where settlement_id = ?`, [IDS.s1])).toEqual([{ item_type: 'advance' }]);
    // Every column kept: the archived row is the one that was live.
    expect(await sql(t.db, `select net_amount, source_message_id, status from daily_entries_archive where entry_no = 102`)).toEqual([
      { net_amount: '379.55', source_message_id: 'wamid.102', status: 'active' },
    ]);

    const report = await validateLedger(ormSql(t.db.orm), expectedForeignKeys(t.db.orm));
    expect(report.checks.filter((c) => c.count > 0)).toEqual([]);

    // Nothing left to move; a second run is harmless.
    expect(await archiveSettledEntries(t.db.orm.em, archiveCutoff(NOW, 'Asia/Kolkata'))).toEqual({ archived: 0, batches: 0 });

    // S2 is finalized, not paid: its entry E105 stays live even with a cutoff far in the future.
    expect(await archiveSettledEntries(t.db.orm.em, '2030-01-01')).toEqual({ archived: 0, batches: 0 });
    expect(await sql(t.db, `select count(*)::int as n from daily_entries where entry_no = 105`)).toEqual([{ n: 1 }]);
  });
});
