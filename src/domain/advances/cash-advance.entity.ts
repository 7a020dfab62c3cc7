import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, money, updatedAt, uuidPk } from '../columns.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { User } from '../users/user.entity.js';

export const ADVANCE_STATUSES = ['pending', 'approved', 'rejected', 'reversed'] as const;

/** Cash given to a farmer ahead of settlement; settlements recover it oldest first. */
export const CashAdvance = defineEntity({
  name: 'CashAdvance',
  tableName: 'cash_advances',
  properties: {
    id: uuidPk(),
    // The short reference of replies and of `approve A12` / `reverse A12`.
    advanceNo: p.bigint('string').autoincrement().unique(),
    farmer: () => p.manyToOne(Farmer),
    amount: money(),
    reason: p.text().nullable(),
    status: p.enum(ADVANCE_STATUSES).default('pending'),
    recordedBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    approvedBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    approvedAt: p.datetime().nullable(),
    rejectionReason: p.text().nullable(),
    amountRecovered: money().default('0'),
    // An approved advance given by mistake is reversed (never deleted); only one nothing has recovered yet.
    reversedBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    reversedAt: p.datetime().nullable(),
    reversalReason: p.text().nullable(),
    sourceMessageId: p.string().length(255).nullable().unique(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  indexes: [{ name: 'idx_cash_advances_farmer_status', properties: ['farmer', 'status', 'createdAt'] }],
  checks: [
    { name: 'cash_advances_amount_check', expression: 'amount > 0' },
    { name: 'cash_advances_recovered_check', expression: 'amount_recovered >= 0 and amount_recovered <= amount' },
    { name: 'cash_advances_reversed_check', expression: "(status = 'reversed') = (reversed_at is not null)" },
  ],
});
export type CashAdvance = InferEntity<typeof CashAdvance>;
