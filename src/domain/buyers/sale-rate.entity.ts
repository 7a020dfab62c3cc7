import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, rate, uuidPk } from '../columns.js';
import { FlowerType } from '../flowers/flower-type.entity.js';
import { User } from '../users/user.entity.js';

/** The admin's selling rate for a flower on one market day (a sale without '@rate' uses it). */
export const SaleRate = defineEntity({
  name: 'SaleRate',
  tableName: 'sale_rates',
  properties: {
    id: uuidPk(),
    flowerType: () => p.manyToOne(FlowerType),
    rateDate: p.date(),
    ratePerUnit: rate(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    createdAt: createdAt(),
  },
  uniques: [{ name: 'sale_rates_flower_date_unique', properties: ['flowerType', 'rateDate'] }],
  checks: [{ name: 'sale_rates_rate_check', expression: 'rate_per_unit > 0' }],
});
export type SaleRate = InferEntity<typeof SaleRate>;
