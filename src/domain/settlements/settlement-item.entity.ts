import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { money, quantity, rate, uuidPk, createdAt } from '../columns.js';
import { Settlement } from './settlement.entity.js';
import { DailyEntry } from '../entries/daily-entry.entity.js';
import { CashAdvance } from '../advances/cash-advance.entity.js';

export const SETTLEMENT_ITEM_TYPES = ['entry', 'advance', 'fee'] as const;

export const SettlementItem = defineEntity({
  name: 'SettlementItem',
  tableName: 'settlement_items',
  properties: {
    id: uuidPk(),
    settlement: () => p.manyToOne(Settlement).index(),
    itemType: p.enum(SETTLEMENT_ITEM_TYPES),
    // Unique: an entry belongs to one settlement at most.
    dailyEntry: () => p.manyToOne(DailyEntry).nullable().deleteRule('restrict').unique(),
    cashAdvance: () => p.manyToOne(CashAdvance).nullable().deleteRule('restrict').index(),
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
        "(item_type = 'entry' and daily_entry_id is not null) or (item_type = 'advance' and cash_advance_id is not null) or item_type = 'fee'",
    },
  ],
});
export type SettlementItem = InferEntity<typeof SettlementItem>;
