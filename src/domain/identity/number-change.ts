// The one owner of "this person's WhatsApp number changed": who holds the old number, whether the new one is
// free, and the move itself with its audit row, all in the caller's transaction. Channels report the change
// (the Cloud API's `user_changed_number`); the chat layer words what the people involved are told.
//
// Each kind of person the bot recognises by phone is a NumberHolderKind in NUMBER_HOLDERS.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../columns.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { Buyer } from '../buyers/buyer.entity.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { User } from '../users/user.entity.js';

export interface NumberHolder {
  kind: string;
  id: string;
  name: string;
  /** The farmer code, a user's email: how the admin knows who it is. */
  label: string;
  language: Language;
}

export interface NumberHolderKind {
  kind: string;
  /** Who the bot recognises by this phone (the sender rule of src/chat/identify.ts). */
  recognisedBy(em: EntityManager, phone: string): Promise<NumberHolder[]>;
  /** Anyone of this kind whose row already names this phone, active or not (the rows that would clash). */
  using(em: EntityManager, phone: string): Promise<NumberHolder[]>;
  move(em: EntityManager, holder: NumberHolder, to: string): Promise<void>;
}

const farmerHolder = (f: Farmer): NumberHolder => ({ kind: 'farmer', id: f.id, name: f.name, label: f.farmerCode, language: f.languagePreference });
const userHolder = (u: User): NumberHolder => ({ kind: 'user', id: u.id, name: u.fullName, label: u.email, language: u.languagePreference });

export const FARMERS: NumberHolderKind = {
  kind: 'farmer',
  async recognisedBy(em, phone) {
    const byWhatsapp = await em.find(Farmer, { whatsappNumber: phone, isActive: true });
    const rows = byWhatsapp.length ? byWhatsapp : await em.find(Farmer, { phone, whatsappNumber: null, isActive: true });
    return rows.map(farmerHolder);
  },
  async using(em, phone) {
    const rows = await em.find(Farmer, { $or: [{ whatsappNumber: phone }, { phone, whatsappNumber: null, isActive: true }] });
    return rows.map(farmerHolder);
  },
  async move(em, holder, to) {
    // The WhatsApp number is what the bot recognises and sends to; `phone` stays the contact number on file.
    await em.nativeUpdate(Farmer, { id: holder.id }, { whatsappNumber: to });
  },
};

export const USERS: NumberHolderKind = {
  kind: 'user',
  async recognisedBy(em, phone) {
    return (await em.find(User, { phone, isActive: true })).map(userHolder);
  },
  async using(em, phone) {
    return (await em.find(User, { phone })).map(userHolder);
  },
  async move(em, holder, to) {
    await em.nativeUpdate(User, { id: holder.id }, { phone: to });
  },
};

const buyerHolder = (b: Buyer): NumberHolder => ({ kind: 'buyer', id: b.id, name: b.name, label: b.buyerCode, language: b.languagePreference });

export const BUYERS: NumberHolderKind = {
  kind: 'buyer',
  async recognisedBy(em, phone) {
    return (await em.find(Buyer, { phone, isActive: true })).map(buyerHolder);
  },
  async using(em, phone) {
    return (await em.find(Buyer, { phone })).map(buyerHolder);
  },
  async move(em, holder, to) {
    await em.nativeUpdate(Buyer, { id: holder.id }, { phone: to });
  },
};

export const NUMBER_HOLDERS: NumberHolderKind[] = [FARMERS, USERS, BUYERS];

export type NumberChange =
  | { kind: 'unknown' }
  | { kind: 'unchanged'; people: NumberHolder[] }
  | { kind: 'moved'; from: string; to: string; people: NumberHolder[] }
  | { kind: 'clash'; from: string; to: string; people: NumberHolder[]; owners: NumberHolder[] };

const same = (a: NumberHolder, b: NumberHolder) => a.kind === b.kind && a.id === b.id;

/**
 * Moves everyone recognised by `from` to `to`, unless `to` already belongs to someone else: then nothing
 * moves and the fact says who holds it (the admin decides). Either way one audit row. Call in a transaction.
 */
export async function changeWhatsappNumber(
  em: EntityManager,
  change: { from: string; to: string; source: { entity: string; entityId: string } },
  holders: NumberHolderKind[] = NUMBER_HOLDERS,
): Promise<NumberChange> {
  const { from, to } = change;
  // Two changes touching the same numbers wait for each other (sorted: no deadlock between them).
  for (const phone of [from, to].sort()) await em.execute('select pg_advisory_xact_lock(hashtext(?))', [`number:${phone}`]);
  const people: NumberHolder[] = [];
  for (const h of holders) people.push(...(await h.recognisedBy(em, from)));
  if (people.length === 0) return { kind: 'unknown' };
  if (from === to) return { kind: 'unchanged', people };
  const owners: NumberHolder[] = [];
  for (const h of holders) owners.push(...(await h.using(em, to)).filter((o) => !people.some((p) => same(p, o))));
  const details = { from, to, people: people.map(({ kind, id, label }) => ({ kind, id, label })) };
  if (owners.length) {
    recordSecurityEvent(em, {
      action: 'identity.number_change_refused',
      actorPhone: from,
      entity: change.source.entity,
      entityId: change.source.entityId,
      details: { ...details, reason: 'number_in_use', owners: owners.map(({ kind, id, label }) => ({ kind, id, label })) },
    });
    return { kind: 'clash', from, to, people, owners };
  }
  for (const person of people) await holders.find((h) => h.kind === person.kind)!.move(em, person, to);
  recordSecurityEvent(em, {
    action: 'identity.number_changed',
    actorPhone: from,
    entity: change.source.entity,
    entityId: change.source.entityId,
    details,
  });
  return { kind: 'moved', from, to, people };
}
