// Buyers as the office manages them, and the admin's sale rates. A buyer with history is switched off, never deleted.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { Actor, StaffActor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import type { Language } from '../columns.js';
import { dec, rupees } from '../money.js';
import { normalizePhone } from '../phone.js';
import { Buyer } from './buyer.entity.js';
import { SaleRate } from './sale-rate.entity.js';
import { FlowerType } from '../flowers/flower-type.entity.js';

export function buyerView(b: Buyer) {
  return {
    id: b.id,
    buyerCode: b.buyerCode,
    name: b.name,
    phone: b.phone ?? null,
    village: b.village ?? null,
    languagePreference: b.languagePreference,
    creditLimit: b.creditLimit == null ? null : rupees(b.creditLimit),
    isActive: b.isActive,
    currentBalance: rupees(b.currentBalance),
    createdAt: b.createdAt.toISOString(),
  };
}
export type BuyerView = ReturnType<typeof buyerView>;

/** 'B001', 'b1', 'B-01' → 'B001'; null when it is not a buyer code. */
export function buyerCodeOf(token: string): string | null {
  const m = /^b[-_]?(\d{1,6})$/i.exec(token);
  if (!m || Number(m[1]) === 0) return null;
  return `B${String(Number(m[1])).padStart(3, '0')}`;
}

export interface BuyerInput {
  buyerCode?: string | undefined;
  name?: string | undefined;
  phone?: string | null | undefined;
  village?: string | null | undefined;
  languagePreference?: Language | undefined;
  creditLimit?: string | null | undefined;
  isActive?: boolean | undefined;
}

function phoneOrFail(value: string | null | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || value.trim() === '') return null;
  const p = normalizePhone(value);
  if (!p) throw new AppError('INVALID_PHONE', 'That is not a phone number', 422, { field: 'phone' });
  return p;
}

function limitOrFail(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (!/^\d{1,12}(\.\d{1,2})?$/.test(value)) throw new AppError('INVALID_AMOUNT', 'creditLimit must be an amount like "25000.00"', 422);
  return rupees(value);
}

async function nextCode(em: EntityManager): Promise<string> {
  const [r] = await em.execute<{ n: number | null }[]>(
    `select max(substring(buyer_code from 2)::int) as n from buyers where buyer_code ~ '^B[0-9]+$'`,
  );
  return `B${String((r?.n ?? 0) + 1).padStart(3, '0')}`;
}

async function phoneFree(em: EntityManager, phone: string | null | undefined, except?: string) {
  if (!phone) return;
  const other = await em.findOne(Buyer, { phone });
  if (other && other.id !== except)
    throw new AppError('PHONE_TAKEN', `Buyer ${other.buyerCode} already has this phone`, 409, { buyer: other.buyerCode });
}

export async function createBuyer(em: EntityManager, actor: Actor, input: BuyerInput & { name: string }): Promise<BuyerView> {
  const code = input.buyerCode ? buyerCodeOf(input.buyerCode) : await nextCode(em);
  if (!code) throw new AppError('INVALID_BUYER_CODE', 'A buyer code looks like B001', 422);
  if (await em.findOne(Buyer, { buyerCode: code })) throw new AppError('BUYER_EXISTS', `Buyer ${code} exists`, 409, { buyer: code });
  const phone = phoneOrFail(input.phone) ?? null;
  await phoneFree(em, phone);
  const buyer = em.create(Buyer, {
    buyerCode: code,
    name: input.name.trim(),
    phone,
    village: input.village ?? null,
    languagePreference: input.languagePreference ?? 'ta',
    creditLimit: limitOrFail(input.creditLimit) ?? null,
    isActive: input.isActive ?? true,
    currentBalance: '0',
  });
  recordSecurityEvent(em, { action: 'buyer.create', actor, entity: 'buyer', entityId: buyer.id, details: { buyer: code } });
  await em.flush();
  return buyerView(buyer);
}

export async function updateBuyer(em: EntityManager, actor: Actor, id: string, input: BuyerInput): Promise<BuyerView> {
  const buyer = await getBuyer(em, id);
  const phone = phoneOrFail(input.phone);
  if (phone !== undefined) {
    await phoneFree(em, phone, buyer.id);
    buyer.phone = phone;
  }
  if (input.name !== undefined) buyer.name = input.name.trim();
  if (input.village !== undefined) buyer.village = input.village;
  if (input.languagePreference !== undefined) buyer.languagePreference = input.languagePreference;
  const limit = limitOrFail(input.creditLimit);
  if (limit !== undefined) buyer.creditLimit = limit;
  if (input.isActive !== undefined) buyer.isActive = input.isActive;
  recordSecurityEvent(em, {
    action: 'buyer.update',
    actor,
    entity: 'buyer',
    entityId: buyer.id,
    details: { buyer: buyer.buyerCode, changed: Object.keys(input) },
  });
  await em.flush();
  return buyerView(buyer);
}

export async function getBuyer(em: EntityManager, id: string): Promise<Buyer> {
  const buyer = /^[0-9a-f-]{36}$/i.test(id) ? await em.findOne(Buyer, { id }) : await em.findOne(Buyer, { buyerCode: buyerCodeOf(id) ?? id });
  if (!buyer) throw new AppError('BUYER_NOT_FOUND', 'No such buyer', 404);
  return buyer;
}

export async function listBuyers(em: EntityManager, filter: { active?: boolean | undefined }): Promise<BuyerView[]> {
  const rows = await em.find(Buyer, filter.active === undefined ? {} : { isActive: filter.active }, { orderBy: { buyerCode: 'asc' } });
  return rows.map(buyerView);
}

export async function findActiveBuyer(em: EntityManager, code: string): Promise<Buyer> {
  const buyer = await em.findOne(Buyer, { buyerCode: code.toUpperCase() });
  if (!buyer) throw new AppError('BUYER_NOT_FOUND', `No buyer ${code}`, 404, { buyer: code });
  if (!buyer.isActive) throw new AppError('BUYER_INACTIVE', `Buyer ${code} is not active`, 409, { buyer: code });
  return buyer;
}

/** Sets (or replaces) the sale rate of a flower for a market date. */
export async function setSaleRate(em: EntityManager, actor: StaffActor, input: { flower: string; date: string; rate: string }) {
  if (!/^\d{1,8}(\.\d{1,2})?$/.test(input.rate) || dec(input.rate).lte(0)) throw new AppError('INVALID_RATE', 'rate must be like "460.00"', 422);
  const key = input.flower.trim();
  const flower = /^[0-9a-f-]{36}$/i.test(key)
    ? await em.findOne(FlowerType, { id: key })
    : await em.findOne(FlowerType, { $or: [{ code: key.toUpperCase() }, { name: { $ilike: key } }, { nameTa: key }] });
  if (!flower) throw new AppError('FLOWER_NOT_FOUND', 'No such flower', 404);
  await em.execute(
    `insert into sale_rates (flower_type_id, rate_date, rate_per_unit, created_by_id) values (?, ?, ?, ?)
     on conflict (flower_type_id, rate_date) do update set rate_per_unit = excluded.rate_per_unit, created_by_id = excluded.created_by_id, created_at = now()`,
    [flower.id, input.date, rupees(input.rate), actor.userId],
  );
  recordSecurityEvent(em, {
    action: 'sale_rate.set',
    actor,
    entity: 'flower_type',
    entityId: flower.id,
    details: { flower: flower.code, date: input.date, rate: rupees(input.rate) },
  });
  await em.flush();
  return { flowerTypeId: flower.id, flower: flower.code, date: input.date, rate: rupees(input.rate) };
}

export async function saleRatesOn(em: EntityManager, date: string) {
  const rows = await em.find(SaleRate, { rateDate: date }, { populate: ['flowerType'], orderBy: { flowerType: { name: 'asc' } } });
  return rows.map((r) => ({ flowerTypeId: r.flowerType.id, flower: r.flowerType.code, date, rate: rupees(r.ratePerUnit) }));
}
