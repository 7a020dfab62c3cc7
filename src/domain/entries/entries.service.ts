// Entries: voiding one, the day's totals, and the office form's checks. Recording them: record-entries.ts.
// The office's calls return facts; the HTTP layer queues the farmer's receipt (src/chat/receipts.ts) in the same transaction.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { StaffActor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { applyBalanceChanges, getBalance } from '../balances/balances.service.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { FlowerType } from '../flowers/flower-type.entity.js';
import { dec, rupees } from '../money.js';
import { getNumberSetting } from '../settings/settings.service.js';
import { TimeSlot } from '../slots/time-slot.entity.js';
import { User } from '../users/user.entity.js';
import { DailyEntry } from './daily-entry.entity.js';
import { entryFarmer, recordEntries } from './record-entries.js';

/**
 * Voids an entry. Staff: only their own, within the edit window (setting edit_window_minutes) counted from
 * the entry's time. Admins: any unsettled entry. Nobody: a settled entry.
 */
export async function voidEntry(em: EntityManager, input: { entryNo: string; actor: StaffActor; reason: string; at: Date }): Promise<DailyEntry> {
  // Lock the row first: two voids (or a void and a settlement) of one entry must not both see it active,
  // or the farmer's balance would move twice. refresh: the identity map may hold an older copy.
  await em.execute('select 1 from daily_entries where entry_no = ? for update', [input.entryNo]);
  const entry = await em.findOne(DailyEntry, { entryNo: input.entryNo }, { populate: ['farmer', 'flowerType'], refresh: true });
  if (!entry) throw new AppError('ENTRY_NOT_FOUND', `No entry #${input.entryNo}`, 404, { entryNo: input.entryNo });
  if (entry.status === 'voided') {
    // Fixed already: name the replacement, which is the entry to fix or cancel now.
    const [next] = await em.execute<{ entry_no: string }[]>(
      'select entry_no::text as entry_no from daily_entries where corrects_entry_id = ? order by entry_no desc limit 1',
      [entry.id],
    );
    if (next) {
      throw new AppError('ALREADY_FIXED', `Entry #${input.entryNo} was already fixed as #${next.entry_no}`, 409, {
        entryNo: input.entryNo,
        replacementNo: next.entry_no,
      });
    }
    throw new AppError('ALREADY_VOIDED', `Entry #${input.entryNo} is already void`, 409, { entryNo: input.entryNo });
  }
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
    actor: input.actor,
    entity: 'daily_entry',
    entityId: entry.id,
    details: { entryNo: entry.entryNo, farmer: entry.farmer.farmerCode, reason: input.reason, netAmount: entry.netAmount },
  });
  return entry;
}

/** Voids the actor's most recent active entry (the `undo` command). */
export async function undoLastEntry(em: EntityManager, input: { actor: StaffActor; at: Date }): Promise<DailyEntry> {
  const last = await em.findOne(DailyEntry, { recordedBy: input.actor.userId, status: 'active' }, { orderBy: { entryNo: 'desc' } });
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

// ---- The office form (the web API).

/** The office user's phone on the actor: entries record it (actor_phone), as a chat sender's does. */
export async function withPhone(em: EntityManager, actor: StaffActor): Promise<StaffActor> {
  const user = await em.findOneOrFail(User, actor.userId);
  return { ...actor, userId: user.id, phone: user.phone };
}

export interface OfficeEntryInput {
  farmerId: string;
  flowerTypeId: string;
  quantity: string;
  /** A named slot; otherwise the slot of the entry's time. */
  timeSlotId?: string | undefined;
  /** A given rate; otherwise the rate in force. */
  rate?: string | undefined;
  at: Date;
  timeZone: string;
  /** The sender confirmed an implausible line (the fat-finger guard). */
  confirmed?: boolean | undefined;
}

/** What an office write did: the entry, its farmer and flower, and the farmer's balance after. */
export interface OfficeEntryFact {
  entry: EntryFigures & { id: string };
  farmer: Farmer;
  flower: { name: string; nameTa: string };
  balanceAfter: string;
}

type EntryFigures = {
  entryNo: string;
  quantity: string;
  unit: 'kg' | 'piece';
  ratePerUnit: string;
  totalAmount: string;
  commissionAmount: string;
  feeAmount: string;
  netAmount: string;
};

/** Records an office entry; call inside a transaction (the caller queues the receipt in the same one). */
export async function addOfficeEntry(tx: EntityManager, input: OfficeEntryInput, actor: StaffActor): Promise<OfficeEntryFact> {
  if (!dec(input.quantity).gt(0)) throw new AppError('QUANTITY_NOT_POSITIVE', 'The quantity must be more than zero', 422);
  if (input.rate !== undefined && !dec(input.rate).gt(0)) throw new AppError('RATE_NOT_POSITIVE', 'A rate must be more than zero', 422);
  const farmer = await tx.findOne(Farmer, input.farmerId);
  if (!farmer) throw new AppError('FARMER_NOT_FOUND', 'No such farmer', 404);
  if (!farmer.isActive) throw new AppError('FARMER_INACTIVE', `Farmer ${farmer.farmerCode} is not active`, 409, { farmerCode: farmer.farmerCode });
  const flower = await tx.findOne(FlowerType, input.flowerTypeId);
  if (!flower) throw new AppError('FLOWER_NOT_FOUND', 'No such flower', 404);
  if (!flower.isActive) throw new AppError('FLOWER_INACTIVE', `${flower.name} is switched off`, 409, { flower: flower.name });
  if (input.timeSlotId) {
    const slot = await tx.findOne(TimeSlot, input.timeSlotId);
    if (!slot) throw new AppError('SLOT_NOT_FOUND', 'No such time slot', 404);
    if (!slot.isActive) throw new AppError('SLOT_INACTIVE', `${slot.name} is switched off`, 409, { slot: slot.name });
  }
  const [recorded] = await recordEntries(
    tx,
    await withPhone(tx, actor),
    [
      {
        farmer: entryFarmer(farmer),
        flower,
        quantity: input.quantity,
        slotId: input.timeSlotId ?? null,
        rate: input.rate ?? null,
        at: input.at,
        sourceMessageId: null,
        sourceLine: 0,
        confirmed: input.confirmed ?? false,
      },
    ],
    { timeZone: input.timeZone, source: 'web' },
  );
  return { entry: recorded!.entry, farmer, flower, balanceAfter: recorded!.balanceAfter };
}

/** Voids an office entry by id; call inside a transaction (the caller queues the receipt in the same one). */
export async function voidOfficeEntry(
  tx: EntityManager,
  input: { entryId: string; reason: string; at: Date },
  actor: StaffActor,
): Promise<OfficeEntryFact> {
  // Lock the row first: a settlement running now either has it already (→ ENTRY_SETTLED) or waits for us.
  const rows = await tx.execute<{ entry_no: string }[]>('select entry_no::text as entry_no from daily_entries where id = ? for update', [
    input.entryId,
  ]);
  if (!rows[0]) throw new AppError('ENTRY_NOT_FOUND', 'No such entry', 404);
  const entry = await voidEntry(tx, { entryNo: rows[0].entry_no, actor: await withPhone(tx, actor), reason: input.reason, at: input.at });
  const balance = await getBalance(tx, entry.farmer.id);
  return { entry, farmer: entry.farmer as Farmer, flower: entry.flowerType as FlowerType, balanceAfter: balance.currentBalance };
}
