// Who the scheduled messages go to: the office's admins, and the farmers who have not opted out.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../columns.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { User } from '../users/user.entity.js';
import { AppError } from '../../errors.js';

export interface Recipient {
  id: string;
  phone: string;
  name: string;
  language: Language;
}

export async function activeAdmins(em: EntityManager): Promise<Recipient[]> {
  const rows = await em.find(User, { role: 'admin', isActive: true }, { orderBy: { email: 'asc' } });
  return rows.map((u) => ({ id: u.id, phone: u.phone, name: u.fullName, language: u.languagePreference }));
}

export type BroadcastKind = 'rateCard' | 'monthlyStatement';

/** Active farmers with a WhatsApp number who have not opted out of this kind of message. */
export async function broadcastFarmers(em: EntityManager, kind: BroadcastKind): Promise<(Recipient & { farmerCode: string })[]> {
  const rows = await em.find(
    Farmer,
    { isActive: true, whatsappNumber: { $ne: null }, ...(kind === 'rateCard' ? { rateCardOptOut: false } : { monthlyStatementOptOut: false }) },
    { orderBy: { farmerCode: 'asc' } },
  );
  return rows.map((f) => ({ id: f.id, phone: f.whatsappNumber!, name: f.name, language: f.languagePreference, farmerCode: f.farmerCode }));
}

/** `stop rates` / `rates on` and their statement twins: stores the farmer's choice; returns whether it changed. */
export async function setBroadcastOptOut(em: EntityManager, farmerId: string, kind: BroadcastKind, optOut: boolean): Promise<boolean> {
  const farmer = await em.findOne(Farmer, farmerId);
  if (!farmer) throw new AppError('FARMER_NOT_FOUND', 'No such farmer', 404);
  const field = kind === 'rateCard' ? 'rateCardOptOut' : 'monthlyStatementOptOut';
  if (farmer[field] === optOut) return false;
  farmer[field] = optOut;
  await em.flush();
  return true;
}
