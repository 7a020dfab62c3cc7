// Who sent a message, by phone: staff/admin (users), farmer, both (one phone may be staff and farmer), or nobody.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor, StaffActor } from '../domain/audit/actor.js';
import type { Language } from '../domain/columns.js';
import { Buyer } from '../domain/buyers/buyer.entity.js';
import { Farmer } from '../domain/farmers/farmer.entity.js';
import { User, type UserRole } from '../domain/users/user.entity.js';

export interface Sender {
  phone: string;
  /** An active admin or staff member with this phone. */
  user: User | null;
  /** An active farmer whose WhatsApp number (or, without one, phone) is this phone. */
  farmer: Farmer | null;
  /** An active buyer with this phone (a phone may be a farmer's and a buyer's too). */
  buyer?: Buyer | null;
  language: Language;
}

/**
 * The rule, written once for the one-by-one path (identifySender) and the bulk planner's set-based read: the
 * active user with this phone; the active farmer whose WhatsApp number is this phone, else one whose phone is
 * and who has no WhatsApp number. `ambiguous`: several such farmers and none by WhatsApp number.
 */
export function chooseSender<U, F>(c: { user: U | null; byWhatsapp: F[]; byPhone: F[] }): { user: U | null; farmer: F | null; ambiguous: boolean } {
  return { user: c.user, farmer: c.byWhatsapp[0] ?? c.byPhone[0] ?? null, ambiguous: c.byWhatsapp.length === 0 && c.byPhone.length > 1 };
}

/** Office people chose their language in their user row; a farmer-only phone uses the farmer's. */
export const senderLanguage = (userLanguage: Language | undefined, farmerLanguage: Language | undefined): Language =>
  userLanguage ?? farmerLanguage ?? 'ta';

export async function identifySender(em: EntityManager, phone: string): Promise<Sender> {
  const byWhatsapp = await em.findOne(Farmer, { whatsappNumber: phone, isActive: true });
  const byPhone = byWhatsapp ? null : await em.findOne(Farmer, { phone, whatsappNumber: null, isActive: true });
  const { user, farmer } = chooseSender({
    user: await em.findOne(User, { phone, isActive: true }),
    byWhatsapp: byWhatsapp ? [byWhatsapp] : [],
    byPhone: byPhone ? [byPhone] : [],
  });
  const buyer = await em.findOne(Buyer, { phone, isActive: true });
  return { phone, user, farmer, buyer, language: senderLanguage(user?.languagePreference, farmer?.languagePreference ?? buyer?.languagePreference) };
}

export const isStaff = (s: Sender) => s.user !== null;

/**
 * The sender as the domain's Actor, built here once for the chat layer (the one-by-one path and the bulk
 * planner): their phone, and their user when they are staff. No address or agent on this channel.
 */
export function chatActor(user: { id: string; role: UserRole }, phone: string): StaffActor;
export function chatActor(user: { id: string; role: UserRole } | null, phone: string): Actor;
export function chatActor(user: { id: string; role: UserRole } | null, phone: string): Actor {
  return { userId: user?.id ?? null, role: user?.role ?? null, phone, channel: 'chat' };
}
