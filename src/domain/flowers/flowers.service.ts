import { cachedReference } from '../reference-cache.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FlowerType } from './flower-type.entity.js';

export const ACTIVE_FLOWERS_KEY = 'active-flowers';

export interface FlowerInfo {
  id: string;
  code: string;
  name: string;
  nameTa: string;
  unit: 'kg' | 'piece';
  aliases: string[];
}

/** Active flowers with every word staff may use for them (code, names, aliases). */
export async function activeFlowers(em: EntityManager): Promise<FlowerInfo[]> {
  return cachedReference(ACTIVE_FLOWERS_KEY, () => loadActiveFlowers(em));
}

async function loadActiveFlowers(em: EntityManager): Promise<FlowerInfo[]> {
  const flowers = await em.find(FlowerType, { isActive: true }, { orderBy: { code: 'asc' } });
  return flowers.map((f) => ({ id: f.id, code: f.code, name: f.name, nameTa: f.nameTa, unit: f.unit, aliases: [...(f.aliases as string[])] }));
}
