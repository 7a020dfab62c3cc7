import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, updatedAt, uuidPk } from '../columns.js';

/** A part of the market morning with its own rates; [start_time, end_time) in market time. */
export const TimeSlot = defineEntity({
  name: 'TimeSlot',
  tableName: 'time_slots',
  properties: {
    id: uuidPk(),
    name: p.string().length(100).unique(),
    nameTa: p.string().length(100).unique(),
    startTime: p.time(),
    endTime: p.time(),
    sortOrder: p.integer().default(0),
    aliases: p
      .array()
      .defaultRaw("'{}'")
      .onCreate(() => []),
    isActive: p.boolean().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  checks: [
    { name: 'time_slots_range_check', expression: 'end_time > start_time' },
    // Active slots may not overlap: [start, end) as seconds of the day.
    {
      name: 'time_slots_no_overlap',
      expression:
        'EXCLUDE USING gist (int4range((EXTRACT(epoch FROM start_time))::integer, (EXTRACT(epoch FROM end_time))::integer) WITH &&) WHERE (is_active)',
    },
  ],
});
export type TimeSlot = InferEntity<typeof TimeSlot>;
