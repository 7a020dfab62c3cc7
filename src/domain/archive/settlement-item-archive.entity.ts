import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { money, quantity, rate } from '../columns.js';

/**
 * Settlement lines archived before entries carried their own line (daily_entries.settlement_id): nothing moves
 * here any more, but the table keeps what earlier archiving put in it. Columns match settlement_items.
 */
export const SettlementItemArchive = defineEntity({
  name: 'SettlementItemArchive',
  tableName: 'settlement_items_archive',
  properties: {
    id: p.uuid().primary(),
    settlementId: p.uuid().index(),
    itemType: p.text(),
    cashAdvanceId: p.uuid().nullable(),
    adjustmentId: p.uuid().nullable(),
    description: p.text(),
    quantity: quantity().nullable(),
    rate: rate().nullable(),
    amount: money(),
    createdAt: p.datetime(),
    archivedAt: p.datetime().defaultRaw('now()'),
  },
});
export type SettlementItemArchive = InferEntity<typeof SettlementItemArchive>;
