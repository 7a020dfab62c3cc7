import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { money, quantity, rate, uuidPk, createdAt } from '../columns.js';
import { Settlement } from './settlement.entity.js';
import { CashAdvance } from '../advances/cash-advance.entity.js';
import { Adjustment } from '../adjustments/adjustment.entity.js';

// An entry's line is the entry itself (daily_entries.settlement_id): storing it again here cost a row, four index
// entries and two foreign-key checks per settled entry. What is kept here is what has no row of its own.
export const SETTLEMENT_ITEM_TYPES = ['advance', 'fee', 'adjustment'] as const;

export const SettlementItem = defineEntity({
  name: 'SettlementItem',
  tableName: 'settlement_items',
  properties: {
    id: uuidPk(),
    settlement: () => p.manyToOne(Settlement).index(),
    itemType: p.enum(SETTLEMENT_ITEM_TYPES),
    cashAdvance: () => p.manyToOne(CashAdvance).nullable().deleteRule('restrict').index(),
    adjustment: () => p.manyToOne(Adjustment).nullable().deleteRule('restrict').index(),
    description: p.text(),
    quantity: quantity().nullable(),
    rate: rate().nullable(),
    amount: money(),
    createdAt: createdAt(),
  },
  checks: [
    {
      name: 'settlement_items_link_check',
      expression:
        "(item_type = 'advance' and cash_advance_id is not null) or (item_type = 'adjustment' and adjustment_id is not null) or item_type = 'fee'",
    },
  ],
});
export type SettlementItem = InferEntity<typeof SettlementItem>;
