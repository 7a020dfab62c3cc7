// A farmer's month as facts for the one-page monthly statement: deliveries by flower, the settlements made,
// advances given, payments received, and the closing balance. Months are market calendar months ('2026-11').
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { Language } from '../columns.js';
import { Farmer } from '../farmers/farmer.entity.js';
import { getStringSetting } from '../settings/settings.service.js';
import { addDays } from '../settlements/period.js';
import { balanceAsOf } from '../balances/balances.service.js';

export interface MonthlyStatementData {
  language: Language;
  month: string;
  monthStart: string;
  monthEnd: string;
  market: { name: string; nameTa: string; address: string; addressTa: string };
  farmer: { id: string; code: string; name: string; village: string | null; phone: string | null };
  deliveries: {
    flower: string;
    flowerTa: string;
    unit: 'kg' | 'piece';
    entries: number;
    quantity: string;
    amount: string;
    commission: string;
    net: string;
  }[];
  settlements: { number: string; periodStart: string; periodEnd: string; net: string; status: string }[];
  advances: { date: string; amount: string; status: string }[];
  /** Credits (+) and debits (−) an admin made this month, each with its reference (J3) and reason. */
  adjustments: { date: string; ref: string; amount: string; reason: string }[];
  payments: { date: string; number: string; amount: string; reference: string | null }[];
  /** What the agent owed the farmer at the end of the month's last day (negative: the farmer owed), by the balance rule. */
  closingBalance: string;
}

/** 'YYYY-MM' of the month before the market date's month. */
export function previousMonth(date: string): string {
  return addDays(`${date.slice(0, 7)}-01`, -1).slice(0, 7);
}

export function monthBounds(month: string): { start: string; end: string } {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new AppError('BAD_MONTH', `${month} is not a month like 2026-11`, 400);
  const [y, m] = month.split('-').map(Number);
  const next = m === 12 ? `${y! + 1}-01-01` : `${y}-${String(m! + 1).padStart(2, '0')}-01`;
  return { start: `${month}-01`, end: addDays(next, -1) };
}

export async function monthlyStatementData(em: EntityManager, farmerId: string, month: string, timeZone: string): Promise<MonthlyStatementData> {
  const { start, end } = monthBounds(month);
  const farmer = await em.findOne(Farmer, farmerId);
  if (!farmer) throw new AppError('FARMER_NOT_FOUND', 'No such farmer', 404);
  const deliveries = await em.execute<Record<string, string>[]>(
    `select f.name, f.name_ta, f.unit, count(*)::int as entries, sum(e.quantity)::text as quantity, sum(e.total_amount)::text as amount,
            sum(e.commission_amount + e.fee_amount)::text as commission, sum(e.net_amount)::text as net
       from daily_entries e join flower_types f on f.id = e.flower_type_id
      where e.farmer_id = ? and e.entry_date between ?::date and ?::date and e.status = 'active'
      group by f.code, f.name, f.name_ta, f.unit order by f.code`,
    [farmerId, start, end],
  );
  const settlements = await em.execute<Record<string, string>[]>(
    `select settlement_number, to_char(period_start, 'YYYY-MM-DD') as ps, to_char(period_end, 'YYYY-MM-DD') as pe, net_payable::text as net, status
       from settlements where farmer_id = ? and (generated_at at time zone ?)::date between ?::date and ?::date order by period_start`,
    [farmerId, timeZone, start, end],
  );
  const advances = await em.execute<Record<string, string>[]>(
    `select to_char(created_at at time zone ?, 'YYYY-MM-DD') as d, amount::text as amount, status
       from cash_advances where farmer_id = ? and (created_at at time zone ?)::date between ?::date and ?::date and status <> 'rejected' order by created_at`,
    [timeZone, farmerId, timeZone, start, end],
  );
  const adjustments = await em.execute<Record<string, string>[]>(
    `select to_char(created_at at time zone ?, 'YYYY-MM-DD') as d, adjustment_no::text as no, amount::text as amount, reason
       from adjustments where farmer_id = ? and (created_at at time zone ?)::date between ?::date and ?::date order by created_at, adjustment_no`,
    [timeZone, farmerId, timeZone, start, end],
  );
  const payments = await em.execute<Record<string, string>[]>(
    `select to_char(paid_at at time zone ?, 'YYYY-MM-DD') as d, settlement_number, net_payable::text as amount, payment_reference
       from settlements where farmer_id = ? and paid_at is not null and (paid_at at time zone ?)::date between ?::date and ?::date order by paid_at`,
    [timeZone, farmerId, timeZone, start, end],
  );
  return {
    language: farmer.languagePreference,
    month,
    monthStart: start,
    monthEnd: end,
    market: {
      name: await getStringSetting(em, 'market_name'),
      nameTa: await getStringSetting(em, 'market_name_ta'),
      address: await getStringSetting(em, 'market_address'),
      addressTa: await getStringSetting(em, 'market_address_ta'),
    },
    farmer: { id: farmer.id, code: farmer.farmerCode, name: farmer.name, village: farmer.village ?? null, phone: farmer.whatsappNumber ?? null },
    deliveries: deliveries.map((r) => ({
      flower: r.name!,
      flowerTa: r.name_ta!,
      unit: r.unit as 'kg' | 'piece',
      entries: Number(r.entries),
      quantity: r.quantity!,
      amount: r.amount!,
      commission: r.commission!,
      net: r.net!,
    })),
    settlements: settlements.map((r) => ({ number: r.settlement_number!, periodStart: r.ps!, periodEnd: r.pe!, net: r.net!, status: r.status! })),
    advances: advances.map((r) => ({ date: r.d!, amount: r.amount!, status: r.status! })),
    adjustments: adjustments.map((r) => ({ date: r.d!, ref: `J${r.no}`, amount: r.amount!, reason: r.reason! })),
    payments: payments.map((r) => ({ date: r.d!, number: r.settlement_number!, amount: r.amount!, reference: r.payment_reference ?? null })),
    closingBalance: await balanceAsOf(em, farmerId, end, timeZone),
  };
}
