import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, money, uuidPk } from '../columns.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { Settlement } from '../settlements/settlement.entity.js';
import { User } from '../users/user.entity.js';

/**
 * A credit (+) or debit (−) to a farmer with a reason, by an admin: how a wrong settled figure is put right.
 * Never edited: a wrong adjustment is corrected by another one. Only settlement_id moves (settling, reopening).
 */
export const Adjustment = defineEntity({
  name: 'Adjustment',
  tableName: 'adjustments',
  properties: {
    id: uuidPk(),
    // The short reference of replies ("J3").
    adjustmentNo: p.bigint('string').autoincrement().unique(),
    farmer: () => p.manyToOne(Farmer),
    amount: money(),
    reason: p.text(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    sourceMessageId: p.string().length(255).nullable().unique(),
    // Null until a settlement carries it as a line; back to null when that settlement is reopened.
    settlement: () => p.manyToOne(Settlement).nullable().deleteRule('restrict'),
    createdAt: createdAt(),
  },
  indexes: [{ name: 'idx_adjustments_farmer_settlement', properties: ['farmer', 'settlement'] }],
  checks: [{ name: 'adjustments_amount_check', expression: 'amount <> 0' }],
  triggers: [
    {
      name: 'adjustments_immutable',
      timing: 'before',
      events: ['update'],
      body:
        "if (to_jsonb(new) - 'settlement_id') is distinct from (to_jsonb(old) - 'settlement_id') then " +
        "raise exception 'adjustment % cannot change: add another one', old.adjustment_no using errcode = 'check_violation'; end if; return new",
    },
  ],
});
export type Adjustment = InferEntity<typeof Adjustment>;
