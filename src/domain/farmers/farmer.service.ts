// Farmers as the office manages them. A farmer with history is switched off, never deleted.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { Actor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import type { Language } from '../columns.js';
import { rupees } from '../money.js';
import { likeEscape, offsetOf, type Page, type PageRequest } from '../paging.js';
import { normalizePhone } from '../phone.js';
import { Farmer } from './farmer.entity.js';
import { getDecimalSetting } from '../settings/settings.service.js';

export function farmerView(f: Farmer) {
  return {
    id: f.id,
    farmerCode: f.farmerCode,
    name: f.name,
    village: f.village ?? null,
    phone: f.phone ?? null,
    whatsappNumber: f.whatsappNumber ?? null,
    address: f.address ?? null,
    languagePreference: f.languagePreference,
    commissionRate: f.commissionRate == null ? null : rupees(f.commissionRate),
    isActive: f.isActive,
    currentBalance: rupees(f.currentBalance),
    totalSettlements: rupees(f.totalSettlements),
    totalAdvances: rupees(f.totalAdvances),
    createdAt: f.createdAt.toISOString(),
  };
}
export type FarmerView = ReturnType<typeof farmerView>;

const notFound = () => new AppError('FARMER_NOT_FOUND', 'No such farmer', 404);

function phoneOrFail(value: string | null | undefined, field: string): string | null | undefined {
  if (value === undefined || value === null || value.trim() === '') return value === undefined ? undefined : null;
  const p = normalizePhone(value);
  if (!p) throw new AppError('INVALID_PHONE', 'That is not a phone number', 422, { field });
  return p;
}

export async function searchFarmers(
  em: EntityManager,
  filter: { q?: string | undefined; active?: boolean | undefined } & PageRequest,
): Promise<Page<FarmerView>> {
  const where: Record<string, unknown> = {};
  if (filter.active !== undefined) where.isActive = filter.active;
  const q = filter.q?.trim();
  if (q) {
    const like = `%${likeEscape(q)}%`;
    const or: Record<string, unknown>[] = [{ farmerCode: { $ilike: like } }, { name: { $ilike: like } }, { village: { $ilike: like } }];
    const digits = q.replace(/\D/g, '');
    if (digits.length >= 4) {
      or.push({ phone: { $like: `%${digits}%` } }, { whatsappNumber: { $like: `%${digits}%` } });
    }
    where.$or = or;
  }
  const [rows, total] = await em.findAndCount(Farmer, where, {
    orderBy: { farmerCode: 'asc' },
    limit: filter.pageSize,
    offset: offsetOf(filter),
  });
  return { items: rows.map(farmerView), page: filter.page, pageSize: filter.pageSize, total };
}

export async function getFarmer(em: EntityManager, id: string): Promise<FarmerView> {
  const f = await em.findOne(Farmer, id);
  if (!f) throw notFound();
  return farmerView(f);
}

/** FAR004 after FAR003; callers hold the farmer-code lock. */
async function nextFarmerCode(em: EntityManager): Promise<string> {
  const rows = await em.execute<{ n: number }[]>(`select coalesce(max(substring(farmer_code from '^FAR([0-9]+)$')::int), 0) + 1 as n from farmers`);
  return `FAR${String(rows[0]!.n).padStart(3, '0')}`;
}

export interface FarmerInput {
  name: string;
  village?: string | null | undefined;
  phone?: string | null | undefined;
  whatsappNumber?: string | null | undefined;
  address?: string | null | undefined;
  languagePreference?: Language | undefined;
  commissionRate?: string | null | undefined;
}

export async function createFarmer(em: EntityManager, input: FarmerInput, actor: Actor): Promise<FarmerView> {
  const phone = phoneOrFail(input.phone, 'phone') ?? null;
  const whatsapp = input.whatsappNumber === undefined ? phone : (phoneOrFail(input.whatsappNumber, 'whatsappNumber') ?? null);
  return em.transactional(async (tx) => {
    // One code at a time: two admins adding farmers together get FAR004 and FAR005, not a clash.
    await tx.execute(`select pg_advisory_xact_lock(hashtext('malar.farmer_code'))`);
    const f = tx.create(Farmer, {
      farmerCode: await nextFarmerCode(tx),
      name: input.name.trim(),
      village: input.village?.trim() || null,
      phone,
      whatsappNumber: whatsapp,
      address: input.address?.trim() || null,
      languagePreference: input.languagePreference ?? 'ta',
      commissionRate: input.commissionRate ?? null,
      isActive: true,
    });
    await tx.flush();
    const view = farmerView(f);
    recordSecurityEvent(tx, { actor, action: 'farmer_created', entity: 'farmer', entityId: f.id, details: { new: view } });
    return view;
  });
}

export async function updateFarmer(
  em: EntityManager,
  id: string,
  changes: Partial<FarmerInput> & { isActive?: boolean | undefined },
  actor: Actor,
): Promise<FarmerView> {
  return em.transactional(async (tx) => {
    const f = await tx.findOne(Farmer, id);
    if (!f) throw notFound();
    const before = farmerView(f);
    if (changes.name !== undefined) f.name = changes.name.trim();
    if (changes.village !== undefined) f.village = changes.village?.trim() || null;
    if (changes.phone !== undefined) f.phone = phoneOrFail(changes.phone, 'phone') ?? null;
    if (changes.whatsappNumber !== undefined) f.whatsappNumber = phoneOrFail(changes.whatsappNumber, 'whatsappNumber') ?? null;
    if (changes.address !== undefined) f.address = changes.address?.trim() || null;
    if (changes.languagePreference !== undefined) f.languagePreference = changes.languagePreference;
    if (changes.commissionRate !== undefined) f.commissionRate = changes.commissionRate;
    if (changes.isActive !== undefined) f.isActive = changes.isActive;
    await tx.flush();
    const after = farmerView(f);
    recordSecurityEvent(tx, {
      actor,
      action: changes.isActive === false && before.isActive ? 'farmer_deactivated' : 'farmer_updated',
      entity: 'farmer',
      entityId: f.id,
      details: { old: before, new: after },
    });
    return after;
  });
}

/** Only a farmer nothing refers to (a mistaken row) may go; any history means deactivate instead. */
export async function deleteFarmer(em: EntityManager, id: string, actor: Actor): Promise<void> {
  await em.transactional(async (tx) => {
    const f = await tx.findOne(Farmer, id);
    if (!f) throw notFound();
    const rows = await tx.execute<{ n: string }[]>(
      `select ((select count(*) from daily_entries where farmer_id = ?) + (select count(*) from cash_advances where farmer_id = ?)
             + (select count(*) from settlements where farmer_id = ?))::text as n`,
      [id, id, id],
    );
    if (rows[0]!.n !== '0') {
      throw new AppError('FARMER_HAS_HISTORY', 'This farmer has entries, advances or settlements; deactivate instead', 409);
    }
    const before = farmerView(f);
    tx.remove(f);
    recordSecurityEvent(tx, { actor, action: 'farmer_deleted', entity: 'farmer', entityId: id, details: { old: before } });
  });
}

// ---- Queries for the chat and the entry path.
/** An active farmer by code ('FAR001'); a clear error otherwise. */
export async function findActiveFarmer(em: EntityManager, farmerCode: string): Promise<Farmer> {
  const farmer = await em.findOne(Farmer, { farmerCode: farmerCode.toUpperCase() });
  if (!farmer) throw new AppError('FARMER_NOT_FOUND', `No farmer ${farmerCode}`, 404, { farmerCode });
  if (!farmer.isActive) throw new AppError('FARMER_INACTIVE', `Farmer ${farmerCode} is not active`, 409, { farmerCode });
  return farmer;
}

/** The farmer's own commission rate, or the market default when it is not set. */
export async function commissionRateFor(em: EntityManager, farmer: Farmer): Promise<string> {
  return farmer.commissionRate ?? (await getDecimalSetting(em, 'commission_rate'));
}
