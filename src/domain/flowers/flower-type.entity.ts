import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, quantity, updatedAt, uuidPk } from '../columns.js';

export const FLOWER_UNITS = ['kg', 'piece'] as const;
export type FlowerUnit = (typeof FLOWER_UNITS)[number];

export const FlowerType = defineEntity({
  name: 'FlowerType',
  tableName: 'flower_types',
  properties: {
    id: uuidPk(),
    name: p.string().length(100).unique(),
    nameTa: p.string().length(100).unique(),
    code: p.string().length(20).unique(),
    description: p.text().nullable(),
    unit: p.enum(FLOWER_UNITS).default('kg'),
    // Words staff really type for this flower: English, Tamil and Tanglish.
    aliases: p
      .array()
      .defaultRaw("'{}'")
      .onCreate(() => []),
    // The largest plausible lot (kg or pieces); a line above it waits for confirmation. Null: the unit's setting.
    maxLotQuantity: quantity().nullable(),
    isActive: p.boolean().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
});
export type FlowerType = InferEntity<typeof FlowerType>;
