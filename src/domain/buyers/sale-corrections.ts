// Voiding and fixing sales, the same rules as entries: never deleted; admins any sale, staff their own within the
// edit window. A void takes the sale off the buyer's balance, releases what was applied to it and applies that
// money again to the buyer's other open sales; a fix voids the sale and records its correction in its place.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import type { StaffActor } from '../audit/actor.js';
import { dec, rupees } from '../money.js';
import { getNumberSetting } from '../settings/settings.service.js';
import { allocateCollections } from './allocations.js';
import { applyBuyerBalanceChanges } from './buyer-balances.js';
import { recordSales, type RecordedSale } from './record-sales.js';

export interface SaleFacts {
  id: string;
  saleNo: string;
  buyerId: string;
  buyerCode: string;
  flower: { id: string; code: string; name: string; nameTa: string; unit: 'kg' | 'piece' };
  quantity: string;
  unit: 'kg' | 'piece';
  ratePerUnit: string;
  totalAmount: string;
  saleTime: Date;
}

interface SaleRow {
  id: string;
  sale_no: string;
  buyer_id: string;
  buyer_code: string;
  flower_type_id: string;
  flower_code: string;
  flower_name: string;
  flower_name_ta: string;
  quantity: string;
  unit: 'kg' | 'piece';
  rate_per_unit: string;
  total_amount: string;
  sale_time: Date;
  status: string;
  recorded_by_id: string | null;
}

async function lockSale(em: EntityManager, saleNo: string, actor: StaffActor, at: Date): Promise<SaleFacts> {
  // Locked first: two voids of one sale must not both see it active.
  const [s] = await em.execute<SaleRow[]>(
    `select s.id, s.sale_no::text, s.buyer_id, b.buyer_code, s.flower_type_id, f.code as flower_code, f.name as flower_name,
            f.name_ta as flower_name_ta, s.quantity::text, s.unit, s.rate_per_unit::text,
            s.total_amount::text, s.sale_time, s.status, s.recorded_by_id
       from sales s join buyers b on b.id = s.buyer_id join flower_types f on f.id = s.flower_type_id where s.sale_no = ? for update of s`,
    [saleNo],
  );
  if (!s) throw new AppError('SALE_NOT_FOUND', `No sale S${saleNo}`, 404, { saleNo });
  if (s.status === 'voided') throw new AppError('SALE_ALREADY_VOIDED', `Sale S${saleNo} is already void`, 409, { saleNo });
  if (actor.role !== 'admin') {
    if (s.recorded_by_id !== actor.userId)
      throw new AppError('NOT_YOUR_SALE', `Sale S${saleNo} was recorded by someone else`, 403, { saleNo, refusal: true });
    const minutes = await getNumberSetting(em, 'edit_window_minutes');
    if (at.getTime() - new Date(s.sale_time).getTime() > minutes * 60_000) {
      throw new AppError('SALE_EDIT_WINDOW_PASSED', `Sale S${saleNo} is older than ${minutes} minutes`, 403, { saleNo, minutes, refusal: true });
    }
  }
  return {
    id: s.id,
    saleNo: s.sale_no,
    buyerId: s.buyer_id,
    buyerCode: s.buyer_code,
    flower: { id: s.flower_type_id, code: s.flower_code, name: s.flower_name, nameTa: s.flower_name_ta, unit: s.unit },
    quantity: s.quantity,
    unit: s.unit,
    ratePerUnit: rupees(s.rate_per_unit),
    totalAmount: rupees(s.total_amount),
    saleTime: new Date(s.sale_time),
  };
}

async function markVoid(em: EntityManager, sale: SaleFacts, actor: StaffActor, reason: string, at: Date, action: 'sale.void' | null) {
  await em.execute(`update sales set status = 'voided', voided_by_id = ?, voided_at = ?, void_reason = ?, updated_at = now() where id = ?`, [
    actor.userId,
    at,
    reason,
    sale.id,
  ]);
  await em.execute(`update collection_allocations set released_at = ? where sale_id = ? and released_at is null`, [at, sale.id]);
  const moved = await applyBuyerBalanceChanges(em, [{ buyerId: sale.buyerId, delta: rupees(dec(sale.totalAmount).neg()) }]);
  if (action) {
    recordSecurityEvent(em, {
      action,
      actor,
      entity: 'sale',
      entityId: sale.id,
      details: { saleNo: sale.saleNo, buyer: sale.buyerCode, reason, totalAmount: sale.totalAmount },
    });
  }
  return moved.get(sale.buyerId)!;
}

/** `void S12 reason`: the sale and the buyer's balance after. */
export async function voidSale(em: EntityManager, input: { saleNo: string; actor: StaffActor; reason: string; at: Date }) {
  const sale = await lockSale(em, input.saleNo, input.actor, input.at);
  const buyer = await markVoid(em, sale, input.actor, input.reason, input.at, 'sale.void');
  await allocateCollections(em, [sale.buyerId]);
  return { sale, balanceAfter: buyer.currentBalance };
}

/**
 * `fix S12 8` / `fix S12 @450`: voids the sale and records the corrected one at the same time of day (so it keeps
 * its place among the buyer's oldest sales), with the new quantity or rate; the sale.fix audit row names both.
 */
export async function fixSale(
  em: EntityManager,
  input: {
    saleNo: string;
    actor: StaffActor;
    quantity: string | null;
    rate: string | null;
    at: Date;
    timeZone: string;
    sourceMessageId: string | null;
    sourceLine: number;
  },
): Promise<{ old: SaleFacts; fixed: RecordedSale }> {
  if (input.quantity === null && input.rate === null) throw new AppError('FIX_NOTHING', 'Give a new quantity or @rate', 400);
  const old = await lockSale(em, input.saleNo, input.actor, input.at);
  await markVoid(em, old, input.actor, 'fix', input.at, null);
  const [fixed] = await recordSales(
    em,
    input.actor,
    [
      {
        buyer: { id: old.buyerId, code: old.buyerCode },
        flower: old.flower,
        quantity: input.quantity ?? old.quantity,
        rate: input.rate ?? old.ratePerUnit,
        at: old.saleTime,
        sourceMessageId: input.sourceMessageId,
        sourceLine: input.sourceLine,
        correctsSaleId: old.id,
      },
    ],
    { timeZone: input.timeZone },
  );
  return { old, fixed: fixed! };
}
