// The chat side of statements and payments: `stmt`, `stmt FAR001`, `paid FAR001 <ref>` call the settlements
// feature; this file only turns its results into replies in the sender's language.
import type { EntityManager } from '@mikro-orm/postgresql';
import { Farmer } from '../domain/farmers/farmer.entity.js';
import { requestStatement } from '../domain/settlements/statement.service.js';
import { paySettlement } from './payments.js';
import { formatRupees } from '../domain/money.js';
import { translator } from '../i18n.js';
import type { StatementsPort } from './dispatch.js';

export function settlementStatements(options: { timeZone: string; now?: () => Date }): StatementsPort {
  const now = options.now ?? (() => new Date());
  return {
    async requestStatement(em: EntityManager, request) {
      const result = await requestStatement(em, {
        farmerId: request.farmerId,
        now: now(),
        timeZone: options.timeZone,
        recipientPhone: request.requesterPhone,
        language: request.language,
        userId: request.actorUserId,
      });
      const t = translator(request.language);
      return t(result.kind === 'settlement' ? 'chat.statementQueued' : 'chat.statementProvisionalQueued', { filename: result.payload.filename });
    },
    async markPaid(em: EntityManager, request) {
      const farmer = await em.findOneOrFail(Farmer, { id: request.farmerId });
      const paid = await paySettlement(em, {
        farmerCode: farmer.farmerCode,
        reference: request.reference,
        actor: request.actor,
      });
      return translator(request.language)('chat.paidConfirmed', {
        number: paid.settlementNumber,
        farmer: paid.farmerCode,
        amount: formatRupees(paid.netPayable),
        reference: paid.reference,
      });
    },
  };
}
