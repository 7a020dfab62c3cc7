import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { money, quantity, rate } from '../columns.js';

/**
 * The settlement lines of archived entries. settlement_items.daily_entry_id references daily_entries, so a line
 * moves with its entry; the settlement itself stays, and validation reads both tables together.
 */
export const SettlementItemArchive = defineEntity({
  name: 'SettlementItemArchive',
  tableName: 'settlement_items_archive',
  properties: {
    id: p.uuid().primary(),
    settlementId: p.uuid().index(),
    itemType: p.text(),
    dailyEntryId: p.uuid().nullable().index(),
    cashAdvanceId: p.uuid().nullable(),
    description: p.text(),
    quantity: quantity().nullable(),
    rate: rate().nullable(),
    amount: money(),
    createdAt: p.datetime(),
    archivedAt: p.datetime().defaultRaw('now()'),
  },
});
export type SettlementItemArchive = InferEntity<typeof SettlementItemArchive>;
