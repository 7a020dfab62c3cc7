// Flower types: what the market trades, with the words staff really type for each.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { Actor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { FlowerType, type FlowerUnit } from './flower-type.entity.js';
import { cachedReference } from '../reference-cache.js';
import { qty } from '../money.js';

export function flowerView(f: FlowerType) {
  return {
    id: f.id,
    code: f.code,
    name: f.name,
    nameTa: f.nameTa,
    description: f.description ?? null,
    unit: f.unit,
    aliases: [...(f.aliases as string[])],
    maxLotQuantity: f.maxLotQuantity == null ? null : qty(f.maxLotQuantity),
    isActive: f.isActive,
  };
}
export type FlowerView = ReturnType<typeof flowerView>;

const notFound = () => new AppError('FLOWER_NOT_FOUND', 'No such flower type', 404);
const cleanAliases = (a: string[]) => [...new Set(a.map((s) => s.trim().toLowerCase()).filter(Boolean))];

export async function listFlowers(em: EntityManager, filter: { active?: boolean | undefined }): Promise<FlowerView[]> {
  const where = filter.active === undefined ? {} : { isActive: filter.active };
  return (await em.find(FlowerType, where, { orderBy: { code: 'asc' } })).map(flowerView);
}

export async function getFlower(em: EntityManager, id: string): Promise<FlowerView> {
  const f = await em.findOne(FlowerType, id);
  if (!f) throw notFound();
  return flowerView(f);
}

export interface FlowerInput {
  name: string;
  nameTa: string;
  description?: string | null | undefined;
  unit?: FlowerUnit | undefined;
  aliases?: string[] | undefined;
  code?: string | undefined;
  /** The largest plausible lot; null: the unit's setting (max_lot_kg / max_lot_pieces). */
  maxLotQuantity?: string | null | undefined;
}

export async function createFlower(em: EntityManager, input: FlowerInput, actor: Actor): Promise<FlowerView> {
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('malar.flower_code'))`);
    let code = input.code?.trim().toUpperCase();
    if (!code) {
      const rows = await tx.execute<{ n: number }[]>(`select coalesce(max(substring(code from '^FLW([0-9]+)$')::int), 0) + 1 as n from flower_types`);
      code = `FLW${String(rows[0]!.n).padStart(3, '0')}`;
    }
    const f = tx.create(FlowerType, {
      code,
      name: input.name.trim(),
      nameTa: input.nameTa.trim(),
      description: input.description?.trim() || null,
      unit: input.unit ?? 'kg',
      aliases: cleanAliases(input.aliases ?? []),
      maxLotQuantity: input.maxLotQuantity ?? null,
      isActive: true,
    });
    await tx.flush();
    const view = flowerView(f);
    recordSecurityEvent(tx, { actor, action: 'flower_type_created', entity: 'flower_type', entityId: f.id, details: { new: view } });
    return view;
  });
}

export async function updateFlower(
  em: EntityManager,
  id: string,
  changes: Partial<Omit<FlowerInput, 'code'>> & { isActive?: boolean | undefined },
  actor: Actor,
): Promise<FlowerView> {
  return em.transactional(async (tx) => {
    const f = await tx.findOne(FlowerType, id);
    if (!f) throw notFound();
    const before = flowerView(f);
    if (changes.name !== undefined) f.name = changes.name.trim();
    if (changes.nameTa !== undefined) f.nameTa = changes.nameTa.trim();
    if (changes.description !== undefined) f.description = changes.description?.trim() || null;
    if (changes.unit !== undefined) f.unit = changes.unit;
    if (changes.aliases !== undefined) f.aliases = cleanAliases(changes.aliases);
    if (changes.isActive !== undefined) f.isActive = changes.isActive;
    if (changes.maxLotQuantity !== undefined) f.maxLotQuantity = changes.maxLotQuantity;
    await tx.flush();
    const after = flowerView(f);
    recordSecurityEvent(tx, { actor, action: 'flower_type_updated', entity: 'flower_type', entityId: id, details: { old: before, new: after } });
    return after;
  });
}

/** Only a flower with no rates and no entries; otherwise deactivate it. */
export async function deleteFlower(em: EntityManager, id: string, actor: Actor): Promise<void> {
  await em.transactional(async (tx) => {
    const f = await tx.findOne(FlowerType, id);
    if (!f) throw notFound();
    const rows = await tx.execute<{ n: string }[]>(
      `select ((select count(*) from market_rates where flower_type_id = ?) + (select count(*) from daily_entries where flower_type_id = ?))::text as n`,
      [id, id],
    );
    if (rows[0]!.n !== '0') throw new AppError('FLOWER_IN_USE', 'This flower has rates or entries; deactivate it instead', 409);
    const before = flowerView(f);
    tx.remove(f);
    recordSecurityEvent(tx, { actor, action: 'flower_type_deleted', entity: 'flower_type', entityId: id, details: { old: before } });
  });
}

// ---- Queries: the active flowers and their words, cached per message or batch.
export const ACTIVE_FLOWERS_KEY = 'active-flowers';

export interface FlowerInfo {
  id: string;
  code: string;
  name: string;
  nameTa: string;
  unit: 'kg' | 'piece';
  aliases: string[];
  /** The largest plausible lot; null: the unit's setting. */
  maxLotQuantity: string | null;
}

/** Active flowers with every word staff may use for them (code, names, aliases). */
export async function activeFlowers(em: EntityManager): Promise<FlowerInfo[]> {
  return cachedReference(ACTIVE_FLOWERS_KEY, () => loadActiveFlowers(em));
}

async function loadActiveFlowers(em: EntityManager): Promise<FlowerInfo[]> {
  const flowers = await em.find(FlowerType, { isActive: true }, { orderBy: { code: 'asc' } });
  return flowers.map((f) => ({
    id: f.id,
    code: f.code,
    name: f.name,
    nameTa: f.nameTa,
    unit: f.unit,
    aliases: [...(f.aliases as string[])],
    maxLotQuantity: f.maxLotQuantity ?? null,
  }));
}
