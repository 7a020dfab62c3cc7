import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, money, uuidPk } from '../columns.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { User } from '../users/user.entity.js';

export const SETTLEMENT_STATUSES = ['finalized', 'paid'] as const;

export const Settlement = defineEntity({
  name: 'Settlement',
  tableName: 'settlements',
  properties: {
    id: uuidPk(),
    settlementNumber: p.string().length(50).unique(),
    farmer: () => p.manyToOne(Farmer),
    periodStart: p.date(),
    periodEnd: p.date(),
    grossAmount: money(),
    totalCommission: money(),
    totalFees: money(),
    totalAdvances: money(),
    netPayable: money(),
    // Approved advances still owed after this settlement: the statement shows it, the same figure every time.
    advancesOutstanding: money().default('0'),
    status: p.enum(SETTLEMENT_STATUSES).default('finalized'),
    paidAt: p.datetime().nullable(),
    paidBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    paymentReference: p.string().length(100).nullable(),
    generatedAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
    sentAt: p.datetime().nullable(),
    createdAt: createdAt(),
  },
  uniques: [{ name: 'settlements_farmer_period_unique', properties: ['farmer', 'periodStart', 'periodEnd'] }],
  checks: [
    { name: 'settlements_period_check', expression: 'period_end >= period_start' },
    { name: 'settlements_net_payable_check', expression: 'net_payable >= 0' },
    { name: 'settlements_paid_check', expression: "(status = 'paid') = (paid_at is not null)" },
  ],
});
export type Settlement = InferEntity<typeof Settlement>;
