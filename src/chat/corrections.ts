// Corrections and the notices they cause, worded here in each reader's language, for chat and HTTP alike: the
// domain makes the change and returns facts; the farmer's (or the admins') notice is queued in the same transaction.
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAdjustments, type AdjustmentFact, type NewAdjustment } from '../domain/adjustments/adjustments.service.js';
import { adminsToTell, type AdvanceFact } from '../domain/advances/advances.service.js';
import type { StaffActor } from '../domain/audit/actor.js';
import { formatRupees } from '../domain/money.js';
import { enqueueNotifications, type NewNotification } from '../domain/notifications/outbox.js';
import {
  reopenSettlement,
  settlementIdFor,
  unpaySettlement,
  type SettlementCorrection,
  type SettlementTarget,
} from '../domain/settlements/corrections.service.js';
import type { TFunction } from 'i18next';
import { translator } from '../i18n.js';
import { tellAdvance } from './notices.js';

/** Signed rupees as people read them: +₹150.00 / -₹200.00. */
export const signedMoney = (amount: string) => (amount.startsWith('-') ? formatRupees(amount) : `+${formatRupees(amount)}`);

/** Records the adjustments and tells each farmer, in one transaction. */
export async function adjustAndTell(em: EntityManager, actor: StaffActor, rows: NewAdjustment[]): Promise<AdjustmentFact[]> {
  return em.transactional(async (tx) => {
    const facts = await recordAdjustments(tx, actor, rows);
    await enqueueNotifications(
      tx,
      facts
        .filter((f) => f.recipient)
        .map((f) => ({
          recipientPhone: f.recipient!,
          type: 'notice',
          language: f.language,
          farmerId: f.farmerId,
          payload: {
            text: translator(f.language)('corrections.adjustedNotice', {
              amount: signedMoney(f.amount),
              reason: f.reason,
              balance: formatRupees(f.balanceAfter),
            }),
            adjustmentId: f.id,
          },
        })),
    );
    return facts;
  });
}

function tellSettlement(tx: EntityManager, fact: SettlementCorrection, key: 'unpaidNotice' | 'reopenedNotice') {
  if (!fact.recipient) return Promise.resolve();
  const text = translator(fact.language)(`corrections.${key}`, {
    amount: formatRupees(fact.netPayable),
    number: fact.settlementNumber,
    reason: fact.reason,
    balance: formatRupees(fact.balanceAfter),
  });
  return enqueueNotifications(tx, [
    {
      recipientPhone: fact.recipient,
      type: 'notice',
      language: fact.language,
      farmerId: fact.farmerId,
      payload: { text, settlementId: fact.settlementId },
    },
  ]);
}

export async function unpayAndTell(em: EntityManager, input: { settlementId: string; reason: string; actor: StaffActor }) {
  return em.transactional(async (tx) => {
    const fact = await unpaySettlement(tx, input);
    await tellSettlement(tx, fact, 'unpaidNotice');
    return fact;
  });
}

export async function reopenAndTell(em: EntityManager, input: { settlementId: string; reason: string; actor: StaffActor; at: Date }) {
  return em.transactional(async (tx) => {
    const fact = await reopenSettlement(tx, input);
    await tellSettlement(tx, fact, 'reopenedNotice');
    return fact;
  });
}

/** An admin's `unpay` / `reopen` by chat: the same use cases as the office's routes; the reply in the admin's language. */
export async function correctSettlementByChat(
  em: EntityManager,
  actor: StaffActor,
  command: { kind: 'unpay' | 'reopen'; settlement: SettlementTarget; reason: string },
  at: Date,
  t: TFunction,
): Promise<string> {
  const settlementId = await settlementIdFor(em, command.settlement, command.kind);
  if (command.kind === 'unpay') {
    const fact = await unpayAndTell(em, { settlementId, reason: command.reason, actor });
    return t('corrections.unpaidReply', {
      amount: formatRupees(fact.netPayable),
      number: fact.settlementNumber,
      farmer: fact.farmerCode,
      reason: fact.reason,
      balance: formatRupees(fact.balanceAfter),
    });
  }
  const fact = await reopenAndTell(em, { settlementId, reason: command.reason, actor, at });
  return t('corrections.reopenedReply', {
    number: fact.settlementNumber,
    farmer: fact.farmerCode,
    amount: formatRupees(fact.netPayable),
    reason: fact.reason,
    entries: t('corrections.entryCount', { count: fact.entries ?? 0 }),
    adjustments: t('corrections.adjustmentCount', { count: fact.adjustments ?? 0 }),
    advances: formatRupees(fact.advancesReleased ?? '0'),
  });
}

/**
 * The advance notices: the farmer is told of a decision (tellAdvance); every active admin with a phone is told
 * when an advance waits for approval, with the reply that approves it.
 */
export async function tellAdvanceAll(tx: EntityManager, fact: AdvanceFact): Promise<void> {
  if (fact.outcome !== 'pending') return tellAdvance(tx, fact);
  const admins = await adminsToTell(tx);
  const rows: NewNotification[] = admins.map((a) => ({
    recipientPhone: a.phone,
    type: 'notice',
    language: a.language,
    userId: a.userId,
    payload: {
      text: translator(a.language)('corrections.advancePendingAdmin', {
        ref: fact.advance.ref,
        amount: formatRupees(fact.advance.amount),
        farmer: fact.farmer.farmerCode,
        name: fact.farmer.name,
      }),
      advanceId: fact.advance.id,
    },
  }));
  await enqueueNotifications(tx, rows);
}
