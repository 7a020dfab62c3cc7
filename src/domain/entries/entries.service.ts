// Entries: voiding one, and the day's totals. Recording them: record-entries.ts.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { applyBalanceChanges } from '../balances/balances.service.js';
import { dec, rupees } from '../money.js';
import { getNumberSetting } from '../settings/settings.service.js';
import { User, type UserRole } from '../users/user.entity.js';
import { DailyEntry } from './daily-entry.entity.js';

export interface Actor {
  userId: string;
  role: UserRole;
  phone: string;
  /** Where the change came from, for the audit row (web requests). */
  ipAddress?: string | null;
  userAgent?: string | null;
}

const from = (actor: Actor) => ({ ipAddress: actor.ipAddress ?? null, userAgent: actor.userAgent ?? null });

/**
 * Voids an entry. Staff: only their own, within the edit window (setting edit_window_minutes) counted from
 * the entry's time. Admins: any unsettled entry. Nobody: a settled entry.
 */
export async function voidEntry(em: EntityManager, input: { entryNo: string; actor: Actor; reason: string; at: Date }): Promise<DailyEntry> {
  // Lock the row first: two voids (or a void and a settlement) of one entry must not both see it active,
  // or the farmer's balance would move twice. refresh: the identity map may hold an older copy.
  await em.execute('select 1 from daily_entries where entry_no = ? for update', [input.entryNo]);
  const entry = await em.findOne(DailyEntry, { entryNo: input.entryNo }, { populate: ['farmer', 'flowerType'], refresh: true });
  if (!entry) throw new AppError('ENTRY_NOT_FOUND', `No entry #${input.entryNo}`, 404, { entryNo: input.entryNo });
  if (entry.status === 'voided') throw new AppError('ALREADY_VOIDED', `Entry #${input.entryNo} is already void`, 409, { entryNo: input.entryNo });
  if (entry.settlement) {
    throw new AppError('ENTRY_SETTLED', `Entry #${input.entryNo} is in a settlement`, 409, { entryNo: input.entryNo, refusal: true });
  }
  if (input.actor.role !== 'admin') {
    if (entry.recordedBy?.id !== input.actor.userId) {
      throw new AppError('NOT_YOUR_ENTRY', `Entry #${input.entryNo} was recorded by someone else`, 403, { entryNo: input.entryNo, refusal: true });
    }
    const windowMinutes = await getNumberSetting(em, 'edit_window_minutes');
    if (input.at.getTime() - entry.entryTime.getTime() > windowMinutes * 60_000) {
      throw new AppError('EDIT_WINDOW_PASSED', `Entry #${input.entryNo} is older than ${windowMinutes} minutes`, 403, {
        entryNo: input.entryNo,
        minutes: windowMinutes,
        refusal: true,
      });
    }
  }
  entry.status = 'voided';
  entry.voidedBy = em.getReference(User, input.actor.userId);
  entry.voidedAt = input.at;
  entry.voidReason = input.reason;
  await em.flush();
  await applyBalanceChanges(em, [{ farmerId: entry.farmer.id, entriesNet: rupees(dec(entry.netAmount).neg()) }]);
  recordSecurityEvent(em, {
    action: 'entry.void',
    actorUserId: input.actor.userId,
    actorPhone: input.actor.phone,
    ...from(input.actor),
    entity: 'daily_entry',
    entityId: entry.id,
    details: { entryNo: entry.entryNo, farmer: entry.farmer.farmerCode, reason: input.reason, netAmount: entry.netAmount },
  });
  return entry;
}

/** Voids the actor's most recent active entry (the `undo` command). */
export async function undoLastEntry(em: EntityManager, input: { actor: Actor; at: Date }): Promise<DailyEntry> {
  const last = await em.findOne(
    DailyEntry,
    { recordedBy: input.actor.userId, status: 'active' },
    { orderBy: { entryNo: 'desc' } },
  );
  if (!last) throw new AppError('NOTHING_TO_UNDO', 'You have no entry to undo', 404);
  return voidEntry(em, { entryNo: last.entryNo, actor: input.actor, reason: 'undo', at: input.at });
}

export interface DayTotal {
  flowerName: string;
  flowerNameTa: string;
  unit: 'kg' | 'piece';
  entries: number;
  quantity: string;
  totalAmount: string;
  netAmount: string;
}

/** Active entries of a market day, by flower; for one farmer when farmerId is given. */
export async function dayTotals(em: EntityManager, date: string, farmerId?: string): Promise<DayTotal[]> {
  const rows = await em.execute<Record<string, string>[]>(
    `select f.name, f.name_ta, f.unit, count(*)::int as entries, sum(e.quantity)::text as quantity,
            sum(e.total_amount)::text as total, sum(e.net_amount)::text as net
       from daily_entries e join flower_types f on f.id = e.flower_type_id
      where e.entry_date = ?::date and e.status = 'active' ${farmerId ? 'and e.farmer_id = ?' : ''}
      group by f.code, f.name, f.name_ta, f.unit order by f.code`,
    farmerId ? [date, farmerId] : [date],
  );
  return rows.map((r) => ({
    flowerName: r.name!,
    flowerNameTa: r.name_ta!,
    unit: r.unit as 'kg' | 'piece',
    entries: Number(r.entries),
    quantity: r.quantity!,
    totalAmount: rupees(r.total!),
    netAmount: rupees(r.net!),
  }));
}
