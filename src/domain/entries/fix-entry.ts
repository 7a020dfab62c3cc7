// A one-step fix: the wrong entry is voided and its replacement recorded in ONE transaction, through the owners of
// those rules (voidEntry: who may, the edit window, the row lock; recordEntries: pricing, the guard, the balance).
// The replacement points back at the original (corrects_entry_id); nothing is edited.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { StaffActor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import type { Farmer } from '../farmers/farmer.entity.js';
import type { FlowerType } from '../flowers/flower-type.entity.js';
import { dec } from '../money.js';
import type { DailyEntry } from './daily-entry.entity.js';
import { voidEntry } from './entries.service.js';
import { recordEntries, type RecordedEntry } from './record-entries.js';

export interface FixInput {
  /** The entry by its number (chat) or id (HTTP). */
  entryNo?: string;
  entryId?: string;
  /** Exactly one of the two: the right quantity, or the right rate. */
  quantity?: string | null;
  rate?: string | null;
  reason?: string | null;
  /** When the fix was asked for: the edit window is counted to this instant. */
  at: Date;
  timeZone: string;
  source: 'whatsapp' | 'web';
  sourceMessageId: string | null;
  sourceLine: number;
  /** The sender confirmed an implausible replacement (the fat-finger guard). */
  confirmed?: boolean;
}

export interface FixFact {
  old: DailyEntry;
  replacement: RecordedEntry['entry'];
  farmer: Farmer;
  flower: FlowerType;
  balanceAfter: string;
}

/** Call inside a transaction: an error after the void (the guard, pricing) must roll the void back too. */
export async function fixEntry(em: EntityManager, actor: StaffActor, input: FixInput): Promise<FixFact> {
  const quantity = input.quantity ?? null;
  const rate = input.rate ?? null;
  if ((quantity === null) === (rate === null)) throw new AppError('FIX_NEEDS_ONE', 'Give either the right quantity or the right rate', 422);
  if (quantity !== null && !dec(quantity).gt(0)) throw new AppError('QUANTITY_NOT_POSITIVE', 'The quantity must be more than zero', 422);
  if (rate !== null && !dec(rate).gt(0)) throw new AppError('RATE_NOT_POSITIVE', 'A rate must be more than zero', 422);
  let entryNo = input.entryNo;
  if (!entryNo) {
    const rows = await em.execute<{ entry_no: string }[]>('select entry_no::text as entry_no from daily_entries where id = ?', [input.entryId]);
    if (!rows[0]) throw new AppError('ENTRY_NOT_FOUND', 'No such entry', 404);
    entryNo = rows[0].entry_no;
  }
  const reason = input.reason?.trim() || 'fix';
  let old: DailyEntry;
  try {
    old = await voidEntry(em, { entryNo, actor, reason, at: input.at });
  } catch (err) {
    // A settled entry's figures are final: the fix is an adjustment on the next settlement instead.
    if (err instanceof AppError && err.code === 'ENTRY_SETTLED') {
      throw new AppError('FIX_SETTLED', `Entry #${entryNo} is settled; correct it with an adjustment`, 409, { entryNo, refusal: true });
    }
    throw err;
  }
  const sameQuantity = quantity !== null && dec(quantity).eq(old.quantity);
  const sameRate = rate !== null && dec(rate).eq(old.ratePerUnit);
  if (sameQuantity || sameRate) throw new AppError('FIX_UNCHANGED', `Entry #${entryNo} already has that figure`, 422, { entryNo });
  const farmer = old.farmer as Farmer;
  const flower = old.flowerType as FlowerType;
  const [recorded] = await recordEntries(
    em,
    actor,
    [
      {
        // The lot as it was (its time, slot and commission rate); only the figure that was wrong changes.
        farmer: { id: farmer.id, code: farmer.farmerCode, commissionRate: old.commissionRate },
        flower,
        quantity: quantity ?? old.quantity,
        slotId: old.timeSlot?.id ?? null,
        rate: rate ?? old.ratePerUnit,
        keepsRate: rate === null,
        at: old.entryTime,
        sourceMessageId: input.sourceMessageId,
        sourceLine: input.sourceLine,
        confirmed: input.confirmed ?? false,
        correctsEntryId: old.id,
      },
    ],
    { timeZone: input.timeZone, source: input.source },
  );
  const replacement = recorded!.entry;
  recordSecurityEvent(em, {
    action: 'entry.fix',
    actor,
    entity: 'daily_entry',
    entityId: replacement.id,
    details: {
      farmer: farmer.farmerCode,
      reason,
      old: { entryNo: old.entryNo, quantity: old.quantity, rate: old.ratePerUnit, netAmount: old.netAmount },
      new: { entryNo: replacement.entryNo, quantity: replacement.quantity, rate: replacement.ratePerUnit, netAmount: replacement.netAmount },
    },
  });
  return { old, replacement, farmer, flower, balanceAfter: recorded!.balanceAfter };
}
