// Undoing a payment mark and reopening a settlement: each by an admin with a reason, in one transaction with its
// audit row; the caller queues the farmer's notice in the same transaction (src/chat/corrections.ts).
// Nothing is deleted: an unpaid settlement keeps its figures; a reopened one keeps its row (status 'reopened')
// and a re-run of its period settles its lines again under the next revision's number (S-2026W47-FAR001-2).
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { adminOnly } from '../adjustments/adjustments.service.js';
import type { StaffActor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { applyBalanceChanges, getBalance } from '../balances/balances.service.js';
import type { Language } from '../columns.js';
import { rupees } from '../money.js';
import { settledEntriesOf } from './settlement.sql.js';

export interface SettlementCorrection {
  settlementId: string;
  settlementNumber: string;
  farmerId: string;
  farmerCode: string;
  netPayable: string;
  reason: string;
  balanceAfter: string;
  language: Language;
  recipient: string | null;
  /** Reopen only: how many lines went back to unsettled. */
  entries?: number;
  advancesReleased?: string;
  adjustments?: number;
}

interface Locked {
  id: string;
  farmer_id: string;
  farmer_code: string;
  status: string;
  number: string;
  net: string;
  p_end: string;
  first_entry_date: string | null;
  lang: Language;
  recipient: string | null;
}

const cleanReason = (reason: string) => {
  const r = reason.trim();
  if (!r || r.length > 500) throw new AppError('REASON_REQUIRED', 'Say why (1 to 500 characters)', 422);
  return r;
};

/** The settlement and its farmer, locked (farmer first: the order settling and paying use). */
async function lockSettlement(tx: EntityManager, settlementId: string): Promise<Locked> {
  const k = tx.getKysely();
  const { rows: f } = await sql<{ farmer_id: string }>`select farmer_id from settlements where id = ${settlementId}::uuid`.execute(k);
  if (!f[0]) throw new AppError('SETTLEMENT_NOT_FOUND', 'No such settlement', 404);
  await sql`select id from farmers where id = ${f[0].farmer_id}::uuid for update`.execute(k);
  const { rows } = await sql<Locked>`
    select s.id, s.farmer_id, f.farmer_code, s.status, s.settlement_number as number, s.net_payable::text as net, s.period_end::text as p_end,
           s.first_entry_date::text as first_entry_date, f.language_preference as lang, coalesce(f.whatsapp_number, f.phone) as recipient
      from settlements s join farmers f on f.id = s.farmer_id where s.id = ${settlementId}::uuid for update of s`.execute(k);
  return rows[0]!;
}

export type SettlementTarget = { number: string } | { farmerCode: string };
// By number: as typed or in capitals (numbers are made in capitals), so the unique index finds it.

/**
 * The settlement an admin names by chat: by its number (S-2026W47-FAR001, any case), or by a farmer code, meaning
 * that farmer's most recently paid settlement (to unpay) or their one unpaid settlement (to reopen; several →
 * SETTLEMENT_AMBIGUOUS with their numbers, nothing is guessed).
 */
export async function settlementIdFor(em: EntityManager, target: SettlementTarget, purpose: 'unpay' | 'reopen'): Promise<string> {
  const k = em.getKysely();
  if ('number' in target) {
    const { rows } = await sql<{ id: string }>`
      select id from settlements where settlement_number in (${target.number}, ${target.number.toUpperCase()})`.execute(k);
    if (!rows[0]) throw new AppError('SETTLEMENT_NOT_FOUND', `No settlement ${target.number}`, 404, { number: target.number });
    return rows[0].id;
  }
  const { rows: farmer } = await sql<{ id: string }>`select id from farmers where upper(farmer_code) = upper(${target.farmerCode})`.execute(k);
  if (!farmer[0]) throw new AppError('FARMER_NOT_FOUND', `No farmer ${target.farmerCode}`, 404, { farmerCode: target.farmerCode });
  const { rows } = await sql<{ id: string; number: string }>`
    select id, settlement_number as number from settlements
     where farmer_id = ${farmer[0].id}::uuid and status = ${purpose === 'unpay' ? 'paid' : 'finalized'}
     order by ${purpose === 'unpay' ? sql`paid_at desc` : sql`period_end desc`}, settlement_number desc`.execute(k);
  if (!rows[0]) {
    throw new AppError(purpose === 'unpay' ? 'NO_PAID_SETTLEMENT' : 'NO_UNPAID_SETTLEMENT', `${target.farmerCode} has none`, 404, {
      farmerCode: target.farmerCode,
    });
  }
  if (purpose === 'reopen' && rows.length > 1) {
    throw new AppError('SETTLEMENT_AMBIGUOUS', `${target.farmerCode} has ${rows.length} unpaid settlements: name one`, 409, {
      farmerCode: target.farmerCode,
      numbers: rows.map((r) => r.number).join(', '),
    });
  }
  return rows[0].id;
}

/** A payment marked by mistake is taken back: the settlement is finalized again and the farmer's figures move back. */
export async function unpaySettlement(
  em: EntityManager,
  input: { settlementId: string; reason: string; actor: StaffActor },
): Promise<SettlementCorrection> {
  adminOnly(input.actor, 'undo a payment');
  const reason = cleanReason(input.reason);
  return em.transactional(async (tx) => {
    const s = await lockSettlement(tx, input.settlementId);
    if (s.status !== 'paid') {
      throw new AppError('NOT_PAID', `Settlement ${s.number} is not paid (${s.status})`, 409, { number: s.number, status: s.status });
    }
    const { rows: before } = await sql<{ paid_at: Date; reference: string | null }>`
      select paid_at, payment_reference as reference from settlements where id = ${s.id}::uuid`.execute(tx.getKysely());
    await sql`update settlements set status = 'finalized', paid_at = null, paid_by_id = null, payment_reference = null
               where id = ${s.id}::uuid`.execute(tx.getKysely());
    const moved = await applyBalanceChanges(tx, [{ farmerId: s.farmer_id, settlementsPaid: `-${s.net}` }]);
    recordSecurityEvent(tx, {
      action: 'settlement.unpaid',
      actor: input.actor,
      entity: 'settlement',
      entityId: s.id,
      details: {
        settlementNumber: s.number,
        netPayable: s.net,
        reason,
        old: { paidAt: new Date(before[0]!.paid_at).toISOString(), reference: before[0]!.reference },
      },
    });
    return fact(s, reason, moved.get(s.farmer_id)!.currentBalance);
  });
}

/**
 * An unpaid settlement is reopened: it becomes 'reopened' (kept, figures and all), and its entries, advance
 * recoveries and adjustments return to unsettled, so the next run of its period settles them again. The
 * balance does not move (settling never moves it).
 */
export async function reopenSettlement(
  em: EntityManager,
  input: { settlementId: string; reason: string; actor: StaffActor; at: Date },
): Promise<SettlementCorrection> {
  adminOnly(input.actor, 'reopen a settlement');
  const reason = cleanReason(input.reason);
  return em.transactional(async (tx) => {
    const k = tx.getKysely();
    const s = await lockSettlement(tx, input.settlementId);
    if (s.status !== 'finalized') {
      throw new AppError(
        s.status === 'paid' ? 'SETTLEMENT_PAID' : 'SETTLEMENT_REOPENED',
        s.status === 'paid' ? `Settlement ${s.number} is paid: undo the payment first` : `Settlement ${s.number} is already reopened`,
        409,
        { number: s.number, status: s.status },
      );
    }
    const { rows: archived } = await sql<{ n: string }>`
      select count(*)::text as n from daily_entries_archive where settlement_id = ${s.id}::uuid`.execute(k);
    if (archived[0]!.n !== '0') {
      throw new AppError('SETTLEMENT_ARCHIVED', `Settlement ${s.number}'s entries are archived: correct it with an adjustment`, 409, {
        number: s.number,
      });
    }
    // The status first: the entries' trigger lets a settled entry go back only from a reopened settlement.
    await sql`update settlements set status = 'reopened', reopened_at = ${input.at}, reopened_by_id = ${input.actor.userId}::uuid,
                                     reopen_reason = ${reason} where id = ${s.id}::uuid`.execute(k);
    const { rows: entries } = await sql<{ n: string }>`
      with e as (update daily_entries de set settlement_id = null, updated_at = now()
                  where ${settledEntriesOf({ id: s.id, farmer_id: s.farmer_id, p_end: s.p_end, first_entry_date: s.first_entry_date })}
                  returning de.id)
      select count(*)::text as n from e`.execute(k);
    const { rows: advances } = await sql<{ released: string | null }>`
      with r as (update cash_advances ca set amount_recovered = ca.amount_recovered - i.amount, updated_at = now()
                   from settlement_items i where i.settlement_id = ${s.id}::uuid and i.item_type = 'advance' and i.cash_advance_id = ca.id
                 returning i.amount)
      select sum(amount)::text as released from r`.execute(k);
    const { rows: adjustments } = await sql<{ n: string }>`
      with a as (update adjustments set settlement_id = null where settlement_id = ${s.id}::uuid returning id)
      select count(*)::text as n from a`.execute(k);
    const released = rupees(advances[0]?.released ?? '0');
    recordSecurityEvent(tx, {
      action: 'settlement.reopened',
      actor: input.actor,
      entity: 'settlement',
      entityId: s.id,
      details: {
        settlementNumber: s.number,
        netPayable: s.net,
        reason,
        entries: Number(entries[0]!.n),
        advancesReleased: released,
        adjustments: Number(adjustments[0]!.n),
      },
    });
    const balance = await getBalance(tx, s.farmer_id);
    return {
      ...fact(s, reason, balance.currentBalance),
      entries: Number(entries[0]!.n),
      advancesReleased: released,
      adjustments: Number(adjustments[0]!.n),
    };
  });
}

const fact = (s: Locked, reason: string, balanceAfter: string): SettlementCorrection => ({
  settlementId: s.id,
  settlementNumber: s.number,
  farmerId: s.farmer_id,
  farmerCode: s.farmer_code,
  netPayable: rupees(s.net),
  reason,
  balanceAfter,
  language: s.lang,
  recipient: s.recipient,
});
