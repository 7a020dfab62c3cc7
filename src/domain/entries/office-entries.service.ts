// Entries typed in at the office (the web API): the checks a form needs, then the ledger's recordEntries/voidEntry.
// They return facts; the HTTP layer queues the farmer's receipt (src/chat/receipts.ts) in the same transaction.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { getBalance } from '../balances/balances.service.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { FlowerType } from '../flowers/flower-type.entity.js';
import { dec } from '../money.js';
import { TimeSlot } from '../slots/time-slot.entity.js';
import { User, type UserRole } from '../users/user.entity.js';
import { voidEntry, type Actor } from './entries.service.js';
import { entryFarmer, recordEntries } from './record-entries.js';

/** A signed-in office user and where the request came from (the audit row's actor, address and agent). */
export interface OfficeActor {
  userId: string;
  role: UserRole;
  ipAddress: string | null;
  userAgent: string | null;
}

async function ledgerActor(em: EntityManager, actor: OfficeActor): Promise<Actor> {
  const user = await em.findOneOrFail(User, actor.userId);
  return { userId: user.id, role: actor.role, phone: user.phone, ipAddress: actor.ipAddress, userAgent: actor.userAgent };
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
}

/** What an office write did: the entry, its farmer and flower, and the farmer's balance after. */
export interface OfficeEntryFact {
  entry: EntryFigures & { id: string };
  farmer: Farmer;
  flower: { name: string; nameTa: string };
  balanceAfter: string;
}

type EntryFigures = { entryNo: string; quantity: string; unit: 'kg' | 'piece'; ratePerUnit: string; totalAmount: string; commissionAmount: string; feeAmount: string; netAmount: string };

/** Records an office entry; call inside a transaction (the caller queues the receipt in the same one). */
export async function addOfficeEntry(tx: EntityManager, input: OfficeEntryInput, actor: OfficeActor): Promise<OfficeEntryFact> {
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
    await ledgerActor(tx, actor),
    [{ farmer: entryFarmer(farmer), flower, quantity: input.quantity, slotId: input.timeSlotId ?? null, rate: input.rate ?? null, at: input.at, sourceMessageId: null, sourceLine: 0 }],
    { timeZone: input.timeZone, source: 'web' },
  );
  return { entry: recorded!.entry, farmer, flower, balanceAfter: recorded!.balanceAfter };
}

/** Voids an office entry by id; call inside a transaction (the caller queues the receipt in the same one). */
export async function voidOfficeEntry(tx: EntityManager, input: { entryId: string; reason: string; at: Date }, actor: OfficeActor): Promise<OfficeEntryFact> {
  // Lock the row first: a settlement running now either has it already (→ ENTRY_SETTLED) or waits for us.
  const rows = await tx.execute<{ entry_no: string }[]>('select entry_no::text as entry_no from daily_entries where id = ? for update', [input.entryId]);
  if (!rows[0]) throw new AppError('ENTRY_NOT_FOUND', 'No such entry', 404);
  const entry = await voidEntry(tx, { entryNo: rows[0].entry_no, actor: await ledgerActor(tx, actor), reason: input.reason, at: input.at });
  const balance = await getBalance(tx, entry.farmer.id);
  return { entry, farmer: entry.farmer as Farmer, flower: entry.flowerType as FlowerType, balanceAfter: balance.currentBalance };
}
