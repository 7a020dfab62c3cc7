import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, money, percent, quantity, rate, updatedAt, uuidPk } from '../columns.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { FlowerType, FLOWER_UNITS } from '../flowers/flower-type.entity.js';
import { TimeSlot } from '../slots/time-slot.entity.js';
import { User } from '../users/user.entity.js';
import { Settlement } from '../settlements/settlement.entity.js';

export const ENTRY_SOURCES = ['whatsapp', 'web', 'import'] as const;
export const ENTRY_STATUSES = ['active', 'voided'] as const;

/** One weighed lot: a farmer's flowers in a slot, priced at the rate in force. */
export const DailyEntry = defineEntity({
  name: 'DailyEntry',
  tableName: 'daily_entries',
  properties: {
    id: uuidPk(),
    // Short number staff can read back and type ("void 1234").
    entryNo: p.bigint('string').autoincrement().unique(),
    farmer: () => p.manyToOne(Farmer),
    flowerType: () => p.manyToOne(FlowerType),
    // Nullable only for imported rows; the slot data migration fills them in.
    timeSlot: () => p.manyToOne(TimeSlot).nullable().deleteRule('restrict'),
    entryDate: p.date(),
    entryTime: p.datetime(),
    quantity: quantity(),
    unit: p.enum(FLOWER_UNITS),
    ratePerUnit: rate(),
    totalAmount: money(),
    commissionRate: percent(),
    commissionAmount: money(),
    feeAmount: money().default('0'),
    netAmount: money(),
    recordedBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    source: p.enum(ENTRY_SOURCES).default('whatsapp'),
    // A chat message may carry several lines; (message id, line) makes each line's entry unique.
    sourceMessageId: p.string().length(255).nullable(),
    sourceLine: p.integer().default(0),
    status: p.enum(ENTRY_STATUSES).default('active'),
    voidedBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    voidedAt: p.datetime().nullable(),
    voidReason: p.text().nullable(),
    // Not indexed, and the table keeps free room on each page (fillfactor 50, migration
    // Migration20261125171745_settlement_lines_from_entries): settling an entry changes only this column and
    // updated_at, so PostgreSQL rewrites the row in place (a HOT update) without touching any of its indexes.
    // A settlement's entries are found by farmer and dates (settlements.first_entry_date .. period_end).
    settlement: () => p.manyToOne(Settlement).nullable().deleteRule('restrict'),
    syncStatus: p.string().length(20).default('synced'),
    // A fix's replacement points at the entry it corrects, which the same transaction voided.
    correctsEntry: () => p.manyToOne(DailyEntry).nullable().deleteRule('restrict'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  indexes: [
    { name: 'idx_daily_entries_farmer_date', properties: ['farmer', 'entryDate'] },
    { name: 'idx_daily_entries_date', properties: ['entryDate'] },
    { name: 'idx_daily_entries_recorded_by_created', properties: ['recordedBy', 'createdAt'] },
  ],
  uniques: [{ name: 'daily_entries_source_message_line_unique', properties: ['sourceMessageId', 'sourceLine'] }],
  checks: [
    { name: 'daily_entries_quantity_check', expression: 'quantity > 0' },
    { name: 'daily_entries_rate_check', expression: 'rate_per_unit > 0' },
    { name: 'daily_entries_amounts_check', expression: 'total_amount >= 0 and commission_amount >= 0 and fee_amount >= 0' },
    { name: 'daily_entries_commission_rate_check', expression: 'commission_rate >= 0 and commission_rate <= 100' },
    { name: 'daily_entries_void_check', expression: "(status = 'voided') = (voided_at is not null)" },
  ],
  // A settled entry never changes, whatever code path tries (the settlement feature relies on it).
  triggers: [
    {
      name: 'daily_entries_settled_immutable',
      timing: 'before',
      events: ['update'],
      // Only a settled row runs the function: settling thousands of entries calls nothing.
      when: '(old.settlement_id IS NOT NULL)', // as PostgreSQL prints it back (the schema check compares text)
      // The one change allowed: reopening its settlement (status 'reopened') unlinks it, and nothing else moves.
      body:
        "if new.settlement_id is null and (to_jsonb(new) - 'settlement_id' - 'updated_at') = (to_jsonb(old) - 'settlement_id' - 'updated_at') " +
        "and exists (select 1 from settlements s where s.id = old.settlement_id and s.status = 'reopened') then return new; end if; " +
        "raise exception 'entry % is settled and cannot change', old.entry_no using errcode = 'check_violation'",
    },
  ],
});
export type DailyEntry = InferEntity<typeof DailyEntry>;
