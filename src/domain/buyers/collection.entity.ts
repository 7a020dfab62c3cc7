import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, money, uuidPk } from '../columns.js';
import { User } from '../users/user.entity.js';
import { Buyer } from './buyer.entity.js';
import { Sale } from './sale.entity.js';

export const COLLECTION_MODES = ['cash', 'upi', 'bank'] as const;
export type CollectionMode = (typeof COLLECTION_MODES)[number];

/** Money a buyer paid; applied to their oldest unpaid sales (collection_allocations). */
export const Collection = defineEntity({
  name: 'Collection',
  tableName: 'collections',
  properties: {
    id: uuidPk(),
    collectionNo: p.bigint('string').autoincrement().unique(),
    buyer: () => p.manyToOne(Buyer),
    amount: money(),
    mode: p.enum(COLLECTION_MODES),
    // UPI or bank transfer reference.
    reference: p.string().length(100).nullable(),
    collectionDate: p.date(),
    collectedAt: p.datetime(),
    recordedBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    sourceMessageId: p.string().length(255).nullable(),
    sourceLine: p.integer().default(0),
    createdAt: createdAt(),
  },
  indexes: [
    { name: 'idx_collections_buyer', properties: ['buyer', 'collectedAt'] },
    { name: 'idx_collections_date', properties: ['collectionDate'] },
  ],
  uniques: [{ name: 'collections_source_message_line_unique', properties: ['sourceMessageId', 'sourceLine'] }],
  checks: [
    { name: 'collections_amount_check', expression: 'amount > 0' },
    { name: 'collections_reference_check', expression: "mode = 'cash' or reference is not null" },
  ],
});
export type Collection = InferEntity<typeof Collection>;

/** Part of a collection applied to one sale; released (not deleted) when the sale is voided. */
export const CollectionAllocation = defineEntity({
  name: 'CollectionAllocation',
  tableName: 'collection_allocations',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    collection: () => p.manyToOne(Collection),
    sale: () => p.manyToOne(Sale),
    amount: money(),
    releasedAt: p.datetime().nullable(),
    createdAt: createdAt(),
  },
  indexes: [
    { name: 'idx_collection_allocations_sale', properties: ['sale'] },
    { name: 'idx_collection_allocations_collection', properties: ['collection'] },
  ],
  checks: [{ name: 'collection_allocations_amount_check', expression: 'amount > 0' }],
});
export type CollectionAllocation = InferEntity<typeof CollectionAllocation>;
