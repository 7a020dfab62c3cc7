import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { money, percent, quantity, rate } from '../columns.js';

/**
 * Settled entries older than a year, moved out of daily_entries with every column as it was. Plain columns,
 * no foreign keys or checks: the rows are history and must stay insertable exactly as they were stored.
 * Column names and types match daily_entries (a test compares them), so `insert … select` moves rows as they are.
 */
export const DailyEntryArchive = defineEntity({
  name: 'DailyEntryArchive',
  tableName: 'daily_entries_archive',
  properties: {
    id: p.uuid().primary(),
    entryNo: p.bigint('string'),
    farmerId: p.uuid().index(),
    flowerTypeId: p.uuid(),
    timeSlotId: p.uuid().nullable(),
    entryDate: p.date(),
    entryTime: p.datetime(),
    quantity: quantity(),
    unit: p.text(),
    ratePerUnit: rate(),
    totalAmount: money(),
    commissionRate: percent(),
    commissionAmount: money(),
    feeAmount: money(),
    netAmount: money(),
    recordedById: p.uuid().nullable(),
    source: p.text(),
    sourceMessageId: p.string().length(255).nullable(),
    sourceLine: p.integer(),
    status: p.text(),
    voidedById: p.uuid().nullable(),
    voidedAt: p.datetime().nullable(),
    voidReason: p.text().nullable(),
    settlementId: p.uuid().nullable().index(),
    syncStatus: p.string().length(20),
    correctsEntryId: p.uuid().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    archivedAt: p.datetime().defaultRaw('now()'),
  },
});
export type DailyEntryArchive = InferEntity<typeof DailyEntryArchive>;
