// Paying a settlement: `paid FAR001 <ref>` by staff or POST by an admin. One transaction moves the settlement
// to paid, moves the farmer's totals by the balance rule (a paid settlement leaves the balance) and writes the
// audit row. It returns facts; the caller queues the farmer's confirmation in its words (src/chat/payments.ts).
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { Language } from '../columns.js';
import type { Actor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { applyBalanceChanges } from '../balances/balances.service.js';

export interface MarkPaidInput {
  /** The settlement by id, or the farmer's oldest unpaid settlement by farmer code. */
  settlementId?: string;
  farmerCode?: string;
  reference: string;
  paidAt?: Date;
  /** Who marked it paid (paid_by_id and the audit row); none for an unattended script. */
  actor?: Actor | null;
}

export interface PaidSettlement {
  settlementId: string;
  settlementNumber: string;
  farmerId: string;
  farmerCode: string;
  netPayable: string;
  paidAt: Date;
  reference: string;
  currentBalance: string;
  /** Where and in which language the farmer's confirmation goes (null: no phone). */
  language: Language;
  recipient: string | null;
}

export async function markSettlementPaid(em: EntityManager, input: MarkPaidInput): Promise<PaidSettlement> {
  const reference = input.reference.trim();
  if (!reference || reference.length > 100) {
    throw new AppError('BAD_PAYMENT_REFERENCE', 'A payment reference (1 to 100 characters) is required', 400);
  }
  if (!input.settlementId && !input.farmerCode) throw new AppError('SETTLEMENT_REQUIRED', 'Say which settlement was paid', 400);
  return em.transactional(async (tx) => {
    const k = tx.getKysely();
    const { rows: found } = await sql<{ id: string; farmer_id: string; status: string; settlement_number: string }>`
      select s.id, s.farmer_id, s.status, s.settlement_number from settlements s join farmers f on f.id = s.farmer_id
      where ${input.settlementId ? sql`s.id = ${input.settlementId}::uuid` : sql`upper(f.farmer_code) = upper(${input.farmerCode!}) and s.status = 'finalized'`}
      order by s.period_end, s.generated_at limit 1`.execute(k);
    const target = found[0];
    if (!target) {
      throw input.settlementId
        ? new AppError('SETTLEMENT_NOT_FOUND', 'No such settlement', 404)
        : new AppError('NOTHING_TO_PAY', `Farmer ${input.farmerCode} has no unpaid settlement`, 404, { farmerCode: input.farmerCode });
    }
    // The farmer's row is what settling and entry recording lock too: their totals change one at a time.
    await sql`select id from farmers where id = ${target.farmer_id}::uuid for update`.execute(k);
    const paidAt = input.paidAt ?? new Date();
    const { rows: updated } = await sql<{ net: string; number: string }>`
      update settlements set status = 'paid', paid_at = ${paidAt}, paid_by_id = ${input.actor?.userId ?? null}, payment_reference = ${reference}
      where id = ${target.id}::uuid and status = 'finalized'
      returning net_payable::text as net, settlement_number as number`.execute(k);
    if (!updated[0]) throw new AppError('ALREADY_PAID', `Settlement ${target.settlement_number} is already paid`, 409);
    const net = updated[0].net;
    const moved = await applyBalanceChanges(tx, [{ farmerId: target.farmer_id, settlementsPaid: net }]);
    const farmer = moved.get(target.farmer_id)!;
    recordSecurityEvent(tx, {
      action: 'settlement.paid',
      actor: input.actor ?? null,
      entity: 'settlement',
      entityId: target.id,
      details: { settlementNumber: updated[0].number, netPayable: net, reference, paidAt: paidAt.toISOString() },
    });
    return {
      settlementId: target.id,
      settlementNumber: updated[0].number,
      farmerId: target.farmer_id,
      farmerCode: farmer.farmerCode,
      language: farmer.language,
      recipient: farmer.recipient,
      netPayable: net,
      paidAt,
      reference,
      currentBalance: farmer.currentBalance,
    };
  });
}
