import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, money, quantity, rate, updatedAt, uuidPk } from '../columns.js';
import { FlowerType, FLOWER_UNITS } from '../flowers/flower-type.entity.js';
import { User } from '../users/user.entity.js';
import { Buyer } from './buyer.entity.js';

export const SALE_STATUSES = ['active', 'voided'] as const;

/** Flowers sold to a buyer, mostly on credit: amount = round(quantity × rate, 2) + charges. */
export const Sale = defineEntity({
  name: 'Sale',
  tableName: 'sales',
  properties: {
    id: uuidPk(),
    // The S12 of replies.
    saleNo: p.bigint('string').autoincrement().unique(),
    buyer: () => p.manyToOne(Buyer),
    flowerType: () => p.manyToOne(FlowerType),
    saleDate: p.date(),
    saleTime: p.datetime(),
    quantity: quantity(),
    unit: p.enum(FLOWER_UNITS),
    ratePerUnit: rate(),
    grossAmount: money(),
    chargesAmount: money().default('0'),
    totalAmount: money(),
    // An admin took the buyer past their credit limit ('!').
    creditOverride: p.boolean().default(false),
    recordedBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    sourceMessageId: p.string().length(255).nullable(),
    sourceLine: p.integer().default(0),
    status: p.enum(SALE_STATUSES).default('active'),
    voidedBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    voidedAt: p.datetime().nullable(),
    voidReason: p.text().nullable(),
    // A fix voids the sale and records this one in its place.
    correctsSale: () => p.manyToOne(Sale).nullable().deleteRule('restrict'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  indexes: [
    { name: 'idx_sales_buyer_date', properties: ['buyer', 'saleDate'] },
    { name: 'idx_sales_date', properties: ['saleDate'] },
  ],
  uniques: [{ name: 'sales_source_message_line_unique', properties: ['sourceMessageId', 'sourceLine'] }],
  checks: [
    { name: 'sales_quantity_check', expression: 'quantity > 0' },
    { name: 'sales_rate_check', expression: 'rate_per_unit > 0' },
    { name: 'sales_amounts_check', expression: 'gross_amount >= 0 and charges_amount >= 0 and total_amount = gross_amount + charges_amount' },
    { name: 'sales_void_check', expression: "(status = 'voided') = (voided_at is not null)" },
  ],
});
export type Sale = InferEntity<typeof Sale>;
