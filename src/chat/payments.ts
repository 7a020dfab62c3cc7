// Paying a settlement and telling the farmer, for the chat's `paid` and the office's POST alike: the domain marks
// it paid and returns the facts; the confirmation is worded here, in the farmer's language, in the same transaction.
import type { EntityManager } from '@mikro-orm/postgresql';
import { formatRupees } from '../domain/money.js';
import { enqueueNotification } from '../domain/notifications/outbox.js';
import { markSettlementPaid, type MarkPaidInput, type PaidSettlement } from '../domain/settlements/payment.service.js';
import { translator } from '../i18n.js';

export async function paySettlement(em: EntityManager, input: MarkPaidInput): Promise<PaidSettlement> {
  return em.transactional(async (tx) => {
    const paid = await markSettlementPaid(tx, input);
    if (paid.recipient) {
      const text = translator(paid.language)('statement.paidNotice', {
        amount: formatRupees(paid.netPayable),
        number: paid.settlementNumber,
        ref: paid.reference,
      });
      enqueueNotification(tx, {
        recipientPhone: paid.recipient,
        type: 'payment_confirmation',
        language: paid.language,
        payload: { text, settlementId: paid.settlementId },
        farmerId: paid.farmerId,
      });
    }
    return paid;
  });
}
