// Who sent a message, by phone: staff/admin (users), farmer, both (one phone may be staff and farmer), or nobody.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../domain/columns.js';
import { Farmer } from '../domain/farmers/farmer.entity.js';
import { User } from '../domain/users/user.entity.js';

export interface Sender {
  phone: string;
  /** An active admin or staff member with this phone. */
  user: User | null;
  /** An active farmer whose WhatsApp number (or, without one, phone) is this phone. */
  farmer: Farmer | null;
  language: Language;
}

export async function identifySender(em: EntityManager, phone: string): Promise<Sender> {
  const user = await em.findOne(User, { phone, isActive: true });
  const farmer =
    (await em.findOne(Farmer, { whatsappNumber: phone, isActive: true })) ??
    (await em.findOne(Farmer, { phone, whatsappNumber: null, isActive: true }));
  // Office people chose their language in their user row; a farmer-only phone uses the farmer's.
  const language = user?.languagePreference ?? farmer?.languagePreference ?? 'ta';
  return { phone, user, farmer, language };
}

export const isStaff = (s: Sender) => s.user !== null;
