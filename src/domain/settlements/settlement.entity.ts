import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAt, money, uuidPk } from '../columns.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { User } from '../users/user.entity.js';

export const SETTLEMENT_STATUSES = ['finalized', 'paid', 'reopened'] as const;

export const Settlement = defineEntity({
  name: 'Settlement',
  tableName: 'settlements',
  properties: {
    id: uuidPk(),
    settlementNumber: p.string().length(50).unique(),
    farmer: () => p.manyToOne(Farmer),
    periodStart: p.date(),
    periodEnd: p.date(),
    grossAmount: money(),
    totalCommission: money(),
    totalFees: money(),
    totalAdvances: money(),
    // Σ of the adjustment lines it carries (credits + , debits −).
    totalAdjustments: money().default('0'),
    netPayable: money(),
    // Approved advances still owed after this settlement: the statement shows it, the same figure every time.
    advancesOutstanding: money().default('0'),
    // The oldest entry date among its entries (null: advances only). With period_end it bounds where the
    // statement's lines are on the entries' (farmer, date) index; daily_entries.settlement_id has no index.
    firstEntryDate: p.date().nullable(),
    status: p.enum(SETTLEMENT_STATUSES).default('finalized'),
    paidAt: p.datetime().nullable(),
    paidBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    paymentReference: p.string().length(100).nullable(),
    generatedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    sentAt: p.datetime().nullable(),
    // 1 for a period's first settlement of the farmer; each re-run after a reopening takes the next (S-…-FAR001-2).
    revision: p.integer().default(1),
    // A reopened settlement stays, figures and all, for the history; its lines went back to unsettled.
    reopenedAt: p.datetime().nullable(),
    reopenedBy: () => p.manyToOne(User).nullable().deleteRule('restrict'),
    reopenReason: p.text().nullable(),
    createdAt: createdAt(),
  },
  uniques: [{ name: 'settlements_farmer_period_revision_unique', properties: ['farmer', 'periodStart', 'periodEnd', 'revision'] }],
  checks: [
    { name: 'settlements_period_check', expression: 'period_end >= period_start' },
    { name: 'settlements_net_payable_check', expression: 'net_payable >= 0' },
    { name: 'settlements_paid_check', expression: "(status = 'paid') = (paid_at is not null)" },
    { name: 'settlements_reopened_check', expression: "(status = 'reopened') = (reopened_at is not null)" },
  ],
  // A settlement's figures are final once written. Its status moves finalized → paid (paying), paid → finalized
  // with the payment cleared (unpaying), finalized → reopened (reopening); a reopened one never changes again.
  triggers: [
    {
      name: 'settlements_figures_immutable',
      timing: 'before',
      events: ['update'],
      body:
        'if (new.settlement_number, new.farmer_id, new.period_start, new.period_end, new.gross_amount, new.total_commission, ' +
        'new.total_fees, new.total_advances, new.total_adjustments, new.net_payable, new.advances_outstanding, new.first_entry_date, ' +
        'new.generated_at, new.revision) is distinct from ' +
        '(old.settlement_number, old.farmer_id, old.period_start, old.period_end, old.gross_amount, old.total_commission, ' +
        'old.total_fees, old.total_advances, old.total_adjustments, old.net_payable, old.advances_outstanding, old.first_entry_date, ' +
        'old.generated_at, old.revision) then ' +
        "raise exception 'settlement % is final: its figures cannot change', old.settlement_number using errcode = 'check_violation'; end if; " +
        "if old.status = 'reopened' and (to_jsonb(new) - 'sent_at') is distinct from (to_jsonb(old) - 'sent_at') then " +
        "raise exception 'settlement % was reopened and cannot change', old.settlement_number using errcode = 'check_violation'; end if; " +
        "if old.status = 'paid' and (new.status, new.paid_at, new.paid_by_id, new.payment_reference) is distinct from " +
        "(old.status, old.paid_at, old.paid_by_id, old.payment_reference) and not (new.status = 'finalized' and new.paid_at is null " +
        'and new.paid_by_id is null and new.payment_reference is null) then ' +
        "raise exception 'settlement % is already paid', old.settlement_number using errcode = 'check_violation'; end if; return new",
    },
  ],
});
export type Settlement = InferEntity<typeof Settlement>;
