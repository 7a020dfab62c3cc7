// Entries typed in at the office (the web API): the chat ledger's recordEntry/voidEntry, one transaction each,
// with the farmer's receipt queued in the outbox the way the chat queues it (when farmer_receipts is on).
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TFunction } from 'i18next';
import { AppError } from '../../errors.js';
import { translator } from '../../i18n.js';
import { getBalance } from '../balances/balances.service.js';
import type { Language } from '../columns.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { FlowerType } from '../flowers/flower-type.entity.js';
import { dec, formatRupees } from '../money.js';
import { enqueueNotification } from '../notifications/outbox.js';
import { getBooleanSetting, getStringSetting } from '../settings/settings.service.js';
import { TimeSlot } from '../slots/time-slot.entity.js';
import { User, type UserRole } from '../users/user.entity.js';
import type { DailyEntry } from './daily-entry.entity.js';
import { recordEntry, voidEntry, type Actor } from './entries.service.js';
import { getEntryRow, type EntryRow } from './entry.queries.js';

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

export async function addOfficeEntry(em: EntityManager, input: OfficeEntryInput, actor: OfficeActor): Promise<EntryRow> {
  if (!dec(input.quantity).gt(0)) throw new AppError('QUANTITY_NOT_POSITIVE', 'The quantity must be more than zero', 422);
  if (input.rate !== undefined && !dec(input.rate).gt(0)) throw new AppError('RATE_NOT_POSITIVE', 'A rate must be more than zero', 422);
  const id = await em.transactional(async (tx) => {
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
    const entry = await recordEntry(tx, {
      farmer,
      flowerId: flower.id,
      quantity: input.quantity,
      slotId: input.timeSlotId ?? null,
      rate: input.rate ?? null,
      at: input.at,
      timeZone: input.timeZone,
      recordedBy: await ledgerActor(tx, actor),
      sourceMessageId: null,
      sourceLine: 0,
      source: 'web',
    });
    await queueReceipt(tx, farmer, (t, lang) =>
      t('chat.receiptEntry', {
        ...figures(entry, flower, t, lang),
        fee: dec(entry.feeAmount).gt(0) ? t('chat.receiptFee', { fee: formatRupees(entry.feeAmount) }) : '',
      }),
    );
    return entry.id;
  });
  return getEntryRow(em, id);
}

export async function voidOfficeEntry(em: EntityManager, input: { entryId: string; reason: string; at: Date }, actor: OfficeActor): Promise<EntryRow> {
  await em.transactional(async (tx) => {
    // Lock the row first: a settlement running now either has it already (→ ENTRY_SETTLED) or waits for us.
    const rows = await tx.execute<{ entry_no: string }[]>('select entry_no::text as entry_no from daily_entries where id = ? for update', [input.entryId]);
    if (!rows[0]) throw new AppError('ENTRY_NOT_FOUND', 'No such entry', 404);
    const entry = await voidEntry(tx, { entryNo: rows[0].entry_no, actor: await ledgerActor(tx, actor), reason: input.reason, at: input.at });
    await queueReceipt(tx, entry.farmer as Farmer, (t, lang) => t('chat.receiptVoid', figures(entry, entry.flowerType as FlowerType, t, lang)));
  });
  return getEntryRow(em, input.entryId);
}

function figures(entry: DailyEntry, flower: FlowerType, t: TFunction, lang: Language) {
  return {
    no: entry.entryNo,
    flower: lang === 'ta' ? flower.nameTa : flower.name,
    qty: dec(entry.quantity).toString(),
    unit: t(`chat.unit.${entry.unit}`),
    rate: formatRupees(entry.ratePerUnit),
    total: formatRupees(entry.totalAmount),
    commission: formatRupees(entry.commissionAmount),
    net: formatRupees(entry.netAmount),
  };
}

/** The farmer's receipt in their language with the new balance, as the chat sends it. */
async function queueReceipt(em: EntityManager, farmer: Farmer, line: (t: TFunction, lang: Language) => string) {
  const to = farmer.whatsappNumber ?? farmer.phone;
  if (!to || !(await getBooleanSetting(em, 'farmer_receipts'))) return;
  const lang: Language = farmer.languagePreference;
  const t = translator(lang);
  const market = await getStringSetting(em, lang === 'ta' ? 'market_name_ta' : 'market_name');
  const balance = await getBalance(em, farmer.id);
  const text = [
    t('chat.receiptTitle', { market, farmer: `${farmer.name} (${farmer.farmerCode})` }),
    line(t, lang),
    t('chat.receiptBalance', { balance: formatRupees(balance.currentBalance) }),
  ].join('\n');
  enqueueNotification(em, { recipientPhone: to, type: 'receipt', language: lang, payload: { text }, farmerId: farmer.id });
}
