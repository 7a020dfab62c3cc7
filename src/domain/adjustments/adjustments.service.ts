// Adjustments: an admin credits (+) or debits (−) a farmer with a reason. The balance moves at once; the next
// settlement carries each as its own line (settlement.sql.ts). Never edited: a wrong one is corrected by another.
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { StaffActor } from '../audit/actor.js';
import { recordSecurityEvents } from '../audit/audit.service.js';
import { applyBalanceChanges } from '../balances/balances.service.js';
import type { Language } from '../columns.js';
import { dec, rupees } from '../money.js';
import { offsetOf, type Page, type PageRequest } from '../paging.js';

const MAX_ADJUSTMENT = '99999999.99';

export interface NewAdjustment {
  farmerId: string;
  /** Signed rupees: '+150', '-200.50'. */
  amount: string;
  reason: string;
  /** A chat line's message id and line: the same line never adjusts twice. */
  sourceMessageId?: string | null;
}

/** What one adjustment did, for the reply and the farmer's notice (worded at the edge). */
export interface AdjustmentFact {
  id: string;
  adjustmentNo: string;
  farmerId: string;
  farmerCode: string;
  amount: string;
  reason: string;
  createdAt: string;
  balanceAfter: string;
  language: Language;
  recipient: string | null;
}

export function adminOnly(actor: StaffActor, what: string) {
  if (actor.role !== 'admin') throw new AppError('ADMIN_ONLY', `Only an admin may ${what}`, 403, { refusal: true });
}

/** Records any number of adjustments with one insert, one balance move and one audit insert. Call in a transaction. */
export async function recordAdjustments(em: EntityManager, actor: StaffActor, rows: NewAdjustment[]): Promise<AdjustmentFact[]> {
  adminOnly(actor, 'adjust a farmer\u2019s account');
  if (rows.length === 0) return [];
  const clean = rows.map((r) => {
    const reason = r.reason.trim();
    if (!reason || reason.length > 500) throw new AppError('REASON_REQUIRED', 'Say why (1 to 500 characters)', 422);
    let amount: string;
    try {
      amount = rupees(dec(r.amount.replace(/^\+/, '')));
    } catch {
      throw new AppError('BAD_AMOUNT', `Not an amount: ${r.amount}`, 422, { amount: r.amount });
    }
    if (dec(amount).eq(0) || dec(amount).abs().gt(MAX_ADJUSTMENT)) {
      throw new AppError('BAD_AMOUNT', 'An adjustment is a credit (+) or a debit (−) other than zero', 422, { amount: r.amount });
    }
    return { ...r, reason, amount };
  });
  const col = <T>(f: (r: (typeof clean)[number]) => T) => clean.map(f);
  const { rows: inserted } = await sql<{ id: string; no: string; farmer_id: string; farmer_code: string; amount: string; created_at: Date }>`
    with v as (
      select * from unnest(${col((r) => r.farmerId)}::uuid[], ${col((r) => r.amount)}::numeric[], ${col((r) => r.reason)}::text[],
                           ${col((r) => r.sourceMessageId ?? null)}::text[]) with ordinality as v(farmer_id, amount, reason, source, n)
    ),
    ins as (
      insert into adjustments (farmer_id, amount, reason, created_by_id, source_message_id)
      select v.farmer_id, v.amount, v.reason, ${actor.userId}::uuid, v.source from v join farmers f on f.id = v.farmer_id order by v.n
      returning id, adjustment_no, farmer_id, amount, created_at
    )
    select ins.id, ins.adjustment_no::text as no, ins.farmer_id, f.farmer_code, ins.amount::text as amount, ins.created_at
      from ins join farmers f on f.id = ins.farmer_id order by ins.adjustment_no`.execute(em.getKysely());
  if (inserted.length !== clean.length) throw new AppError('FARMER_NOT_FOUND', 'No such farmer', 404);
  const moved = await applyBalanceChanges(
    em,
    inserted.map((r) => ({ farmerId: r.farmer_id, adjustments: r.amount })),
  );
  await recordSecurityEvents(
    em,
    inserted.map((r, i) => ({
      action: 'adjustment.create',
      actor,
      entity: 'adjustment',
      entityId: r.id,
      details: { farmer: r.farmer_code, adjustmentNo: r.no, amount: r.amount, reason: clean[i]!.reason },
    })),
  );
  return inserted.map((r, i) => {
    const m = moved.get(r.farmer_id)!;
    return {
      id: r.id,
      adjustmentNo: r.no,
      farmerId: r.farmer_id,
      farmerCode: r.farmer_code,
      amount: rupees(r.amount),
      reason: clean[i]!.reason,
      createdAt: new Date(r.created_at).toISOString(),
      balanceAfter: m.currentBalance,
      language: m.language,
      recipient: m.recipient,
    };
  });
}

export interface AdjustmentView {
  id: string;
  adjustmentNo: string;
  farmer: { id: string; code: string };
  amount: string;
  reason: string;
  createdBy: string | null;
  settlement: { id: string; number: string } | null;
  createdAt: string;
}

/** A farmer's adjustments, newest first. */
export async function listAdjustments(em: EntityManager, farmerId: string, page: PageRequest): Promise<Page<AdjustmentView>> {
  const k = em.getKysely();
  const { rows: found } = await sql<{ n: string }>`select count(*)::text as n from farmers where id = ${farmerId}::uuid`.execute(k);
  if (found[0]!.n === '0') throw new AppError('FARMER_NOT_FOUND', 'No such farmer', 404);
  const { rows: total } = await sql<{ n: string }>`select count(*)::text as n from adjustments where farmer_id = ${farmerId}::uuid`.execute(k);
  const { rows } = await sql<Record<string, string | null>>`
    select a.id, a.adjustment_no::text as no, f.id as farmer_id, f.farmer_code, a.amount::text as amount, a.reason, u.email as created_by,
           s.id as settlement_id, s.settlement_number, a.created_at
      from adjustments a join farmers f on f.id = a.farmer_id left join users u on u.id = a.created_by_id
      left join settlements s on s.id = a.settlement_id
     where a.farmer_id = ${farmerId}::uuid order by a.adjustment_no desc limit ${page.pageSize} offset ${offsetOf(page)}`.execute(k);
  return {
    items: rows.map((r) => ({
      id: r.id!,
      adjustmentNo: r.no!,
      farmer: { id: r.farmer_id!, code: r.farmer_code! },
      amount: rupees(r.amount!),
      reason: r.reason!,
      createdBy: r.created_by ?? null,
      settlement: r.settlement_id ? { id: r.settlement_id, number: r.settlement_number! } : null,
      createdAt: new Date(r.created_at!).toISOString(),
    })),
    page: page.page,
    pageSize: page.pageSize,
    total: Number(total[0]!.n),
  };
}
