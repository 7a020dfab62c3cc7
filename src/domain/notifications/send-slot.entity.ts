import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * The send pace of one sending number, shared by every replica: the next free instant to send at. Each
 * outbox round reserves its slots here in one atomic update, so N replicas together stay under the rate.
 */
export const SendSlot = defineEntity({
  name: 'SendSlot',
  tableName: 'outbox_send_slots',
  properties: {
    sendingNumber: p.string().length(64).primary(),
    nextSlotAt: p.datetime(),
  },
});
export type SendSlot = InferEntity<typeof SendSlot>;
