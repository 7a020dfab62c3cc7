import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { getDecimalSetting } from '../settings/settings.service.js';
import { Farmer } from './farmer.entity.js';

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
