// Cash advances: approved at once up to the auto-approve limit (or when an admin records them), pending above it.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { applyBalanceChange } from '../balances/balances.service.js';
import type { Actor } from '../entries/entries.service.js';
import type { Farmer } from '../farmers/farmer.entity.js';
import { dec, rupees } from '../money.js';
import { getDecimalSetting } from '../settings/settings.service.js';
import { CashAdvance } from './cash-advance.entity.js';

export interface NewAdvance {
  farmer: Farmer;
  amount: string;
  reason: string | null;
  actor: Actor;
  at: Date;
  sourceMessageId: string | null;
}

export async function recordAdvance(em: EntityManager, input: NewAdvance): Promise<CashAdvance> {
  const amount = rupees(input.amount);
  if (dec(amount).lte(0)) throw new AppError('ADVANCE_NOT_POSITIVE', 'An advance must be more than zero', 422);
  const limit = await getDecimalSetting(em, 'advance_auto_approve_limit');
  const approved = input.actor.role === 'admin' || dec(amount).lte(limit);
  const advance = em.create(CashAdvance, {
    farmer: input.farmer,
    amount,
    reason: input.reason,
    status: approved ? 'approved' : 'pending',
    recordedBy: input.actor.userId,
    approvedBy: approved ? input.actor.userId : null,
    approvedAt: approved ? input.at : null,
    sourceMessageId: input.sourceMessageId,
  });
  await em.flush();
  if (approved) await applyBalanceChange(em, input.farmer.id, { advances: amount });
  recordSecurityEvent(em, {
    action: 'advance.create',
    actorUserId: input.actor.userId,
    actorPhone: input.actor.phone,
    entity: 'cash_advance',
    entityId: advance.id,
    details: { farmer: input.farmer.farmerCode, amount, status: advance.status, limit },
  });
  return advance;
}
