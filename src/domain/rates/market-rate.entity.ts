import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, rate, uuidPk } from '../columns.js';
import { FlowerType } from '../flowers/flower-type.entity.js';
import { TimeSlot } from '../slots/time-slot.entity.js';
import { User } from '../users/user.entity.js';

export const MarketRate = defineEntity({
  name: 'MarketRate',
  tableName: 'market_rates',
  properties: {
    id: uuidPk(),
    flowerType: () => p.manyToOne(FlowerType),
    timeSlot: () => p.manyToOne(TimeSlot),
    ratePerUnit: rate(),
    effectiveDate: p.date(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    createdAt: createdAt(),
  },
  uniques: [{ properties: ['flowerType', 'timeSlot', 'effectiveDate'] }],
  checks: [{ name: 'market_rates_rate_per_unit_check', expression: 'rate_per_unit > 0' }],
});
export type MarketRate = InferEntity<typeof MarketRate>;
