// Cash advances: approved at once up to the auto-approve limit (or when an admin records them), pending above it.
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { applyBalanceChanges, getBalance } from '../balances/balances.service.js';
import type { StaffActor } from '../audit/actor.js';
import { advanceGuard, confirmationRequired } from '../confirmations/guard.js';
import type { Language } from '../columns.js';
import { withPhone } from '../entries/entries.service.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { dec, rupees } from '../money.js';
import { offsetOf, type Page, type PageRequest } from '../paging.js';
import { getDecimalSetting } from '../settings/settings.service.js';
import { User } from '../users/user.entity.js';
import { CashAdvance, ADVANCE_STATUSES } from './cash-advance.entity.js';

export type AdvanceStatus = (typeof ADVANCE_STATUSES)[number];

export interface NewAdvance {
  farmer: Farmer;
  amount: string;
  reason: string | null;
  actor: StaffActor;
  at: Date;
  sourceMessageId: string | null;
  /** The sender confirmed an advance above advance_confirm_limit (the fat-finger guard). */
  confirmed?: boolean;
}

export async function recordAdvance(em: EntityManager, input: NewAdvance): Promise<CashAdvance> {
  const amount = rupees(input.amount);
  if (dec(amount).lte(0)) throw new AppError('ADVANCE_NOT_POSITIVE', 'An advance must be more than zero', 422);
  if (!input.confirmed) {
    const fact = advanceGuard(amount, await getDecimalSetting(em, 'advance_confirm_limit'));
    if (fact) throw confirmationRequired(fact);
  }
  const limit = await getDecimalSetting(em, 'advance_auto_approve_limit');
  const approved = input.actor.role === 'admin' || dec(amount).lte(limit);
  const advance = em.create(CashAdvance, {
    farmer: input.farmer,
    amount,
    reason: input.reason,
    status: approved ? 'approved' : 'pending',
    recordedBy: input.actor.userId,
    approvedBy: approved ? input.actor.userId : null,
    approvedAt: approved ? input.at : null,
    sourceMessageId: input.sourceMessageId,
  });
  await em.flush();
  if (approved) await applyBalanceChanges(em, [{ farmerId: input.farmer.id, advances: amount }]);
  recordSecurityEvent(em, {
    action: 'advance.create',
    actor: input.actor,
    entity: 'cash_advance',
    entityId: advance.id,
    details: { farmer: input.farmer.farmerCode, amount, status: advance.status, limit },
  });
  return advance;
}

// ---- The office's side: recording over the web, approving and rejecting pending advances. ----

export interface AdvanceView {
  id: string;
  /** The short reference of replies: 'A12'. */
  ref: string;
  farmer: { id: string; code: string; name: string };
  amount: string;
  reason: string | null;
  status: AdvanceStatus;
  recordedBy: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  rejectionReason: string | null;
  reversedAt: string | null;
  reversalReason: string | null;
  amountRecovered: string;
  createdAt: string;
}

/** Records an advance (approved at once for admins and up to the limit for staff) and tells the farmer when approved. */
export async function recordOfficeAdvance(
  em: EntityManager,
  input: { farmerId: string; amount: string; reason: string | null; at: Date; confirmed?: boolean },
  actor: StaffActor,
  tell?: AdvanceNotice,
): Promise<AdvanceView> {
  const id = await em.transactional(async (tx) => {
    const farmer = await tx.findOne(Farmer, input.farmerId);
    if (!farmer) throw new AppError('FARMER_NOT_FOUND', 'No such farmer', 404);
    if (!farmer.isActive) throw new AppError('FARMER_INACTIVE', `Farmer ${farmer.farmerCode} is not active`, 409, { farmerCode: farmer.farmerCode });
    const advance = await recordAdvance(tx, {
      farmer,
      amount: input.amount,
      reason: input.reason,
      actor: await withPhone(tx, actor),
      at: input.at,
      sourceMessageId: null,
      confirmed: input.confirmed ?? false,
    });
    await tellFarmer(tx, tell, farmer, advance.status === 'approved' ? 'approved' : 'pending', advance);
    return advance.id;
  });
  return getAdvance(em, id);
}

/** A pending advance becomes approved: the farmer's totals move, the audit row and the farmer's notice go with it. */
export async function approveAdvance(
  em: EntityManager,
  input: { advanceId: string; at: Date },
  actor: StaffActor,
  tell?: AdvanceNotice,
): Promise<AdvanceView> {
  await em.transactional(async (tx) => {
    const advance = await pendingAdvance(tx, input.advanceId);
    advance.status = 'approved';
    advance.approvedBy = tx.getReference(User, actor.userId);
    advance.approvedAt = input.at;
    await tx.flush();
    const farmer = advance.farmer as Farmer;
    await applyBalanceChanges(tx, [{ farmerId: farmer.id, advances: advance.amount }]);
    audit(tx, 'advance.approve', advance, actor, { status: 'pending' }, { status: 'approved', approvedAt: input.at.toISOString() });
    await tellFarmer(tx, tell, farmer, 'approved', advance);
  });
  return getAdvance(em, input.advanceId);
}

/** A pending advance is turned down with a reason; nothing moves but the status. */
export async function rejectAdvance(
  em: EntityManager,
  input: { advanceId: string; reason: string; at: Date },
  actor: StaffActor,
  tell?: AdvanceNotice,
): Promise<AdvanceView> {
  const reason = input.reason.trim();
  if (!reason) throw new AppError('REASON_REQUIRED', 'Say why the advance is rejected', 422);
  await em.transactional(async (tx) => {
    const advance = await pendingAdvance(tx, input.advanceId);
    advance.status = 'rejected';
    advance.rejectionReason = reason;
    await tx.flush();
    audit(tx, 'advance.reject', advance, actor, { status: 'pending' }, { status: 'rejected', rejectionReason: reason });
    await tellFarmer(tx, tell, advance.farmer as Farmer, 'rejected', advance);
  });
  return getAdvance(em, input.advanceId);
}

/**
 * An approved advance given by mistake is reversed (by an admin, with a reason): the farmer's total advances and
 * balance move back and the farmer is told. Refused once a settlement has recovered any of it: the recovered part
 * is in a settlement's figures, so it is corrected by an adjustment (or by reopening that settlement, if unpaid).
 */
export async function reverseAdvance(
  em: EntityManager,
  input: { advanceId: string; reason: string; at: Date },
  actor: StaffActor,
  tell?: AdvanceNotice,
): Promise<AdvanceView> {
  if (actor.role !== 'admin') throw new AppError('ADMIN_ONLY', 'Only an admin may reverse an advance', 403, { refusal: true });
  const reason = input.reason.trim();
  if (!reason) throw new AppError('REASON_REQUIRED', 'Say why the advance is reversed', 422);
  await em.transactional(async (tx) => {
    const advance = await tx.findOne(CashAdvance, input.advanceId, { populate: ['farmer'], lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!advance) throw new AppError('ADVANCE_NOT_FOUND', 'No such advance', 404);
    const ref = `A${advance.advanceNo}`;
    if (advance.status !== 'approved') {
      throw new AppError('ADVANCE_NOT_APPROVED', `Advance ${ref} is ${advance.status}: only an approved advance is reversed`, 409, {
        ref,
        status: advance.status,
      });
    }
    if (dec(advance.amountRecovered).gt(0)) {
      throw new AppError(
        'ADVANCE_RECOVERED',
        `Advance ${ref} of ${rupees(advance.amount)}: ${rupees(advance.amountRecovered)} already recovered by a settlement; correct that part with an adjustment`,
        409,
        {
          ref,
          amount: rupees(advance.amount),
          recovered: rupees(advance.amountRecovered),
          outstanding: rupees(dec(advance.amount).minus(advance.amountRecovered)),
        },
      );
    }
    advance.status = 'reversed';
    advance.reversedBy = tx.getReference(User, actor.userId);
    advance.reversedAt = input.at;
    advance.reversalReason = reason;
    await tx.flush();
    const farmer = advance.farmer as Farmer;
    await applyBalanceChanges(tx, [{ farmerId: farmer.id, advances: dec(advance.amount).neg().toString() }]);
    audit(tx, 'advance.reverse', advance, actor, { status: 'approved' }, { status: 'reversed', reason, reversedAt: input.at.toISOString() });
    await tellFarmer(tx, tell, farmer, 'reversed', advance);
  });
  return getAdvance(em, input.advanceId);
}

/** An advance by its reference as replies show it ('A12', 'a12', '12'). */
export async function advanceIdByRef(em: EntityManager, ref: string): Promise<string> {
  const no = /^a?(\d{1,18})$/i.exec(ref.trim().replace(/^#/, ''));
  const rows = no ? await em.execute<{ id: string }[]>(`select id from cash_advances where advance_no = ?`, [no[1]]) : [];
  if (!rows[0]) throw new AppError('ADVANCE_NOT_FOUND', `No advance ${ref}`, 404, { ref });
  return rows[0].id;
}

/** Active admins with a phone, to be told when an advance waits for them. */
export async function adminsToTell(em: EntityManager): Promise<{ userId: string; phone: string; language: Language }[]> {
  const rows = await em.execute<{ id: string; phone: string; lang: Language }[]>(
    `select id, phone, language_preference as lang from users where role = 'admin' and is_active and phone is not null order by id`,
  );
  return rows.map((r) => ({ userId: r.id, phone: r.phone, language: r.lang }));
}

/** Locked, so two admins deciding at once cannot both move the farmer's totals. */
async function pendingAdvance(tx: EntityManager, id: string): Promise<CashAdvance> {
  const advance = await tx.findOne(CashAdvance, id, { populate: ['farmer'], lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!advance) throw new AppError('ADVANCE_NOT_FOUND', 'No such advance', 404);
  if (advance.status !== 'pending') {
    throw new AppError('ADVANCE_NOT_PENDING', `This advance is already ${advance.status}`, 409, { status: advance.status });
  }
  return advance;
}

function audit(tx: EntityManager, action: string, advance: CashAdvance, actor: StaffActor, old: object, now: object) {
  recordSecurityEvent(tx, {
    action,
    actor,
    entity: 'cash_advance',
    entityId: advance.id,
    details: { farmer: (advance.farmer as Farmer).farmerCode, amount: rupees(advance.amount), old, new: now },
  });
}

/** What an office decision on an advance did, for the farmer's notice (worded at the edge: src/chat/notices.ts). */
export interface AdvanceFact {
  /** 'pending': recorded, waiting for an admin (the admins are told). */
  outcome: 'pending' | 'approved' | 'rejected' | 'reversed';
  farmer: Farmer;
  advance: { id: string; ref: string; amount: string; rejectionReason: string | null; reversalReason: string | null };
  balanceAfter: string;
}

/** Queues the farmer's notice of a decision, in the same transaction. */
export type AdvanceNotice = (tx: EntityManager, fact: AdvanceFact) => Promise<void> | void;

export async function tellFarmer(
  tx: EntityManager,
  tell: AdvanceNotice | undefined,
  farmer: Farmer,
  outcome: AdvanceFact['outcome'],
  advance: CashAdvance,
) {
  if (!tell) return;
  const balance = await getBalance(tx, farmer.id);
  await tell(tx, {
    outcome,
    farmer,
    advance: {
      id: advance.id,
      ref: `A${advance.advanceNo}`,
      amount: rupees(advance.amount),
      rejectionReason: advance.rejectionReason ?? null,
      reversalReason: advance.reversalReason ?? null,
    },
    balanceAfter: balance.currentBalance,
  });
}

export async function getAdvance(em: EntityManager, id: string): Promise<AdvanceView> {
  const page = await listAdvances(em, { id, page: 1, pageSize: 1 });
  if (!page.items[0]) throw new AppError('ADVANCE_NOT_FOUND', 'No such advance', 404);
  return page.items[0];
}

export interface AdvanceFilter {
  id?: string | undefined;
  status?: AdvanceStatus | undefined;
  farmerId?: string | undefined;
  /** Market dates the advance was recorded on, both inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  timeZone?: string | undefined;
}

/** Newest first. */
export async function listAdvances(em: EntityManager, filter: AdvanceFilter & PageRequest): Promise<Page<AdvanceView>> {
  if (filter.from && filter.to && filter.from > filter.to) {
    throw new AppError('DATE_RANGE', 'The start date is after the end date', 422, { from: filter.from, to: filter.to });
  }
  const tz = filter.timeZone ?? 'Asia/Kolkata';
  const conds: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...v: unknown[]) => (conds.push(sql), params.push(...v));
  if (filter.id) add('a.id = ?', filter.id);
  if (filter.status) add('a.status = ?', filter.status);
  if (filter.farmerId) add('a.farmer_id = ?', filter.farmerId);
  if (filter.from) add('a.created_at >= (?::date)::timestamp at time zone ?', filter.from, tz);
  if (filter.to) add('a.created_at < (?::date + 1)::timestamp at time zone ?', filter.to, tz);
  const where = conds.length ? `where ${conds.join(' and ')}` : '';
  const total = await em.execute<{ n: string }[]>(`select count(*)::text as n from cash_advances a ${where}`, params);
  const rows = await em.execute<Record<string, unknown>[]>(
    `select a.id, a.advance_no::text as advance_no, a.reversed_at, a.reversal_reason, f.id as farmer_id, f.farmer_code, f.name as farmer_name, a.amount::text as amount, a.reason, a.status,
            r.email as recorded_by, ap.email as approved_by, a.approved_at, a.rejection_reason,
            a.amount_recovered::text as amount_recovered, a.created_at
       from cash_advances a join farmers f on f.id = a.farmer_id
       left join users r on r.id = a.recorded_by_id left join users ap on ap.id = a.approved_by_id
       ${where} order by a.created_at desc, a.id limit ? offset ?`,
    [...params, filter.pageSize, offsetOf(filter)],
  );
  const s = (v: unknown) => (v == null ? null : String(v));
  const iso = (v: unknown) => (v == null ? null : new Date(v as string).toISOString());
  return {
    items: rows.map((r) => ({
      id: String(r.id),
      ref: `A${String(r.advance_no)}`,
      farmer: { id: String(r.farmer_id), code: String(r.farmer_code), name: String(r.farmer_name) },
      amount: rupees(String(r.amount)),
      reason: s(r.reason),
      status: r.status as AdvanceStatus,
      recordedBy: s(r.recorded_by),
      approvedBy: s(r.approved_by),
      approvedAt: iso(r.approved_at),
      rejectionReason: s(r.rejection_reason),
      reversedAt: iso(r.reversed_at),
      reversalReason: s(r.reversal_reason),
      amountRecovered: rupees(String(r.amount_recovered)),
      createdAt: iso(r.created_at)!,
    })),
    page: filter.page,
    pageSize: filter.pageSize,
    total: Number(total[0]!.n),
  };
}
