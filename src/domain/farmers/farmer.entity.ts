import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, LANGUAGES, money, percent, updatedAt, uuidPk } from '../columns.js';

export const Farmer = defineEntity({
  name: 'Farmer',
  tableName: 'farmers',
  properties: {
    id: uuidPk(),
    farmerCode: p.string().length(20).unique(),
    name: p.string().length(255),
    village: p.string().length(255).nullable(),
    phone: p.string().length(20).nullable().index(),
    // Who the bot recognises; unique so a message is never credited to the wrong farmer.
    whatsappNumber: p.string().length(20).nullable().unique(),
    address: p.text().nullable(),
    languagePreference: p.enum(LANGUAGES).default('ta'),
    // null: the market's default commission_rate setting applies.
    commissionRate: percent().nullable(),
    isActive: p.boolean().default(true),
    // Kept in step with the ledger in the same transaction; db:validate recomputes them.
    currentBalance: money().default('0'),
    totalSettlements: money().default('0'),
    totalAdvances: money().default('0'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  checks: [{ name: 'farmers_commission_rate_check', expression: 'commission_rate is null or (commission_rate >= 0 and commission_rate <= 100)' }],
});
export type Farmer = InferEntity<typeof Farmer>;
