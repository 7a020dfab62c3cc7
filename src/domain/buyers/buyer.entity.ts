import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, LANGUAGES, money, updatedAt, uuidPk } from '../columns.js';

/** A buyer: retailer, garland maker, temple supplier or exporter who buys on credit. */
export const Buyer = defineEntity({
  name: 'Buyer',
  tableName: 'buyers',
  properties: {
    id: uuidPk(),
    buyerCode: p.string().length(20).unique(),
    name: p.string().length(255),
    // Who the bot recognises; unique so a sale is never shown to the wrong buyer.
    phone: p.string().length(20).nullable().unique(),
    village: p.string().length(255).nullable(),
    languagePreference: p.enum(LANGUAGES).default('ta'),
    // null: no limit.
    creditLimit: money().nullable(),
    isActive: p.boolean().default(true),
    // What the buyer owes (negative: a credit); moved only by domain/buyers/buyer-balances.ts.
    currentBalance: money().default('0'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  checks: [{ name: 'buyers_credit_limit_check', expression: 'credit_limit is null or credit_limit >= 0' }],
});
export type Buyer = InferEntity<typeof Buyer>;
