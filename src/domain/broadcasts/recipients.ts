// Who the scheduled messages go to: the office's admins, and the farmers who have not opted out.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../columns.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { BroadcastPreference } from './broadcast-preference.entity.js';
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
  const column = kind === 'rateCard' ? 'rate_card_opt_out' : 'monthly_statement_opt_out';
  const rows = await em.execute<{ id: string; farmer_code: string; name: string; whatsapp_number: string; language_preference: Language }[]>(
    `select f.id, f.farmer_code, f.name, f.whatsapp_number, f.language_preference
       from farmers f left join farmer_broadcast_preferences p on p.farmer_id = f.id
      where f.is_active and f.whatsapp_number is not null and not coalesce(p.${column}, false)
      order by f.farmer_code`,
  );
  return rows.map((f) => ({ id: f.id, phone: f.whatsapp_number, name: f.name, language: f.language_preference, farmerCode: f.farmer_code }));
}

/** `stop rates` / `rates on` and their statement twins: stores the farmer's choice; returns whether it changed. */
export async function setBroadcastOptOut(em: EntityManager, farmerId: string, kind: BroadcastKind, optOut: boolean): Promise<boolean> {
  const farmer = await em.findOne(Farmer, farmerId);
  if (!farmer) throw new AppError('FARMER_NOT_FOUND', 'No such farmer', 404);
  const field = kind === 'rateCard' ? 'rateCardOptOut' : 'monthlyStatementOptOut';
  const pref =
    (await em.findOne(BroadcastPreference, { farmer: farmerId })) ??
    em.create(BroadcastPreference, { farmer, rateCardOptOut: false, monthlyStatementOptOut: false });
  if (pref[field] === optOut) return false;
  pref[field] = optOut;
  await em.flush();
  return true;
}
