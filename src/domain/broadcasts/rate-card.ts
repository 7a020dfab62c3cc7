// The day's rate card as facts: each flower × slot rate in force today, with yesterday's for the ▲▼.
import type { EntityManager } from '@mikro-orm/postgresql';
import { dec } from '../money.js';
import { ratesInForce } from '../rates/rate.service.js';
import { addDays } from '../settlements/period.js';

export interface RateCardLine {
  flowerName: string;
  flowerNameTa: string;
  unit: 'kg' | 'piece';
  slotName: string;
  slotNameTa: string;
  rate: string;
  /** The rate in force yesterday, or null when there was none. */
  yesterday: string | null;
  /** rate − yesterday ('20.00', '-5.50', '0.00'); null without a rate yesterday. */
  change: string | null;
}

export async function rateCard(em: EntityManager, date: string): Promise<RateCardLine[]> {
  const today = await ratesInForce(em, date);
  const before = new Map((await ratesInForce(em, addDays(date, -1))).map((r) => [`${r.flowerId}/${r.slotId}`, r.rate]));
  return today.map((r) => {
    const y = before.get(`${r.flowerId}/${r.slotId}`) ?? null;
    return {
      flowerName: r.flowerName,
      flowerNameTa: r.flowerNameTa,
      unit: r.unit,
      slotName: r.slotName,
      slotNameTa: r.slotNameTa,
      rate: r.rate,
      yesterday: y,
      change: y === null ? null : dec(r.rate).minus(y).toFixed(2),
    };
  });
}
