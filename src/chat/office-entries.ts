// An entry voided from the office (the API and the console alike): the domain voids it and the farmer's receipt is
// queued, in one transaction, so a void is never made without its receipt nor a receipt without its void.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { StaffActor } from '../domain/audit/actor.js';
import { voidOfficeEntry } from '../domain/entries/entries.service.js';
import { queueReceipt, receiptFarmer } from './receipts.js';

export async function voidOfficeEntryAndTell(em: EntityManager, input: { entryId: string; reason: string; at: Date }, actor: StaffActor) {
  await em.transactional(async (tx) => {
    const done = await voidOfficeEntry(tx, input, actor);
    await queueReceipt(tx, receiptFarmer(done.farmer), { kind: 'void', entry: done.entry, flower: done.flower }, done.balanceAfter);
  });
}
