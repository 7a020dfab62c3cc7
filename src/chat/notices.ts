// Notices to a farmer about office decisions, worded in the farmer's language from the domain's facts.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AdvanceFact } from '../domain/advances/advances.service.js';
import { formatRupees } from '../domain/money.js';
import { enqueueNotification } from '../domain/notifications/outbox.js';
import { translator } from '../i18n.js';

/** An advance approved or rejected at the office: the farmer is told, with the balance after. */
export function tellAdvance(tx: EntityManager, fact: AdvanceFact): void {
  if (fact.outcome === 'pending') return;
  const to = fact.farmer.whatsappNumber ?? fact.farmer.phone;
  if (!to) return;
  const lang = fact.farmer.languagePreference;
  const text = translator(lang)(`advances.${fact.outcome}`, {
    amount: formatRupees(fact.advance.amount),
    reason: fact.advance.reversalReason ?? fact.advance.rejectionReason ?? '',
    balance: formatRupees(fact.balanceAfter),
  });
  enqueueNotification(tx, {
    recipientPhone: to,
    type: 'notice',
    language: lang,
    payload: { text, advanceId: fact.advance.id },
    farmerId: fact.farmer.id,
  });
}
