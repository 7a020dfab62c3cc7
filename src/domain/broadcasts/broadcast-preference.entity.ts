import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { updatedAt } from '../columns.js';
import { Farmer } from '../farmers/farmer.entity.js';

/** A farmer's choice about the scheduled messages (`stop rates`, `stop stmt`); no row: gets both. */
export const BroadcastPreference = defineEntity({
  name: 'BroadcastPreference',
  tableName: 'farmer_broadcast_preferences',
  properties: {
    farmer: () => p.manyToOne(Farmer).primary().deleteRule('restrict'),
    rateCardOptOut: p.boolean().default(false),
    monthlyStatementOptOut: p.boolean().default(false),
    updatedAt: updatedAt(),
  },
});
export type BroadcastPreference = InferEntity<typeof BroadcastPreference>;
