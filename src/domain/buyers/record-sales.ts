// Recording sales, the one owner of that rule: price each line (the rate given, else the admin's sale rate for the
// flower that day), add the buyer charges, refuse a line that takes the buyer past the credit limit unless an admin
// overrides, insert the sales with their audit rows and move the buyers' balances, then apply any credit the buyer
// has to the new sales. Any number of lines with a fixed number of statements; all or none.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { securityLogInsert } from '../audit/audit.service.js';
import type { StaffActor } from '../audit/actor.js';
import { localDate } from '../market-time.js';
import { dec, rupees, type Big } from '../money.js';
import { getDecimalSetting } from '../settings/settings.service.js';
import { allocateCollections, type Allocation } from './allocations.js';
import { buyerBalanceMoves } from './buyer-balances.js';

export interface SaleLine {
  buyer: { id: string; code: string };
  flower: { id: string; code: string; name: string; nameTa: string; unit: 'kg' | 'piece' };
  quantity: string;
  /** '@460'; null: the flower's sale rate for the sale's market date. */
  rate: string | null;
  at: Date;
  /** '!': an admin takes the buyer past the credit limit. */
  override?: boolean;
  sourceMessageId: string | null;
  sourceLine: number;
  /** A fix: the sale this one replaces (voided by the caller in the same transaction); no limit check. */
  correctsSaleId?: string | null;
}

export interface SaleAmounts {
  grossAmount: string;
  chargesAmount: string;
  totalAmount: string;
}

/** amount = round(quantity × rate, 2) + round(charge_per_sale + charge_per_unit × quantity, 2). */
export function saleAmounts(quantity: string, rate: string, charges: { perSale: string; perUnit: string }): SaleAmounts {
  const grossAmount = rupees(dec(quantity).times(rate));
  const chargesAmount = rupees(dec(charges.perSale).plus(dec(charges.perUnit).times(quantity)));
  return { grossAmount, chargesAmount, totalAmount: rupees(dec(grossAmount).plus(chargesAmount)) };
}

export interface RecordedSale {
  sale: { id: string; saleNo: string; quantity: string; unit: 'kg' | 'piece'; ratePerUnit: string; date: string } & SaleAmounts;
  buyer: SaleLine['buyer'];
  flower: SaleLine['flower'];
  /** The buyer's balance just after this line (lines of one call in their order). */
  balanceAfter: string;
  /** Credit the buyer had that was applied to this sale. */
  paidFromCredit: string;
  line: SaleLine;
}

/** The admin's sale rates for (flower, date) pairs, one statement. Key: `${flowerId}|${date}`. */
export async function saleRatesFor(em: EntityManager, keys: { flowerId: string; date: string }[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const { rows } = await sql<{ f: string; d: string; rate: string }>`
    select r.flower_type_id::text as f, r.rate_date::text as d, r.rate_per_unit::text as rate
      from sale_rates r join unnest(${keys.map((k) => k.flowerId)}::uuid[], ${keys.map((k) => k.date)}::date[]) as v(f, d)
        on r.flower_type_id = v.f and r.rate_date = v.d`.execute(em.getKysely());
  return new Map(rows.map((r) => [`${r.f}|${r.d}`, rupees(r.rate)]));
}

export async function buyerCharges(em: EntityManager) {
  return { perSale: await getDecimalSetting(em, 'buyer_charge_per_sale'), perUnit: await getDecimalSetting(em, 'buyer_charge_per_unit') };
}

export async function recordSales(em: EntityManager, actor: StaffActor, lines: SaleLine[], opts: { timeZone: string }): Promise<RecordedSale[]> {
  if (lines.length === 0) return [];
  const dated = lines.map((line) => ({ line, date: localDate(line.at, opts.timeZone) }));
  const rates = await saleRatesFor(
    em,
    dated.filter((d) => d.line.rate === null).map((d) => ({ flowerId: d.line.flower.id, date: d.date })),
  );
  const charges = await buyerCharges(em);
  // The buyers locked first: two messages for one buyer check the limit one after the other.
  const { rows: held } = await sql<{ id: string; balance: string; credit_limit: string | null; code: string }>`
    select id::text, current_balance::text as balance, credit_limit::text, buyer_code as code from buyers
     where id = any(${[...new Set(lines.map((l) => l.buyer.id))]}::uuid[]) order by id for no key update`.execute(em.getKysely());
  const running = new Map<string, Big>(held.map((b) => [b.id, dec(b.balance)]));
  const limits = new Map(held.map((b) => [b.id, b.credit_limit]));
  const priced = dated.map(({ line, date }) => {
    const rate = line.rate ?? rates.get(`${line.flower.id}|${date}`) ?? null;
    if (!rate) {
      throw new AppError('NO_SALE_RATE', `No sale rate for ${line.flower.name} on ${date}`, 409, {
        flower: line.flower.name,
        flowerTa: line.flower.nameTa,
        date,
      });
    }
    const amounts = saleAmounts(line.quantity, rate, charges);
    const before = running.get(line.buyer.id)!;
    const after = before.plus(amounts.totalAmount);
    const limit = limits.get(line.buyer.id);
    const checked = !line.correctsSaleId && limit != null && after.gt(limit);
    if (checked && line.override && actor.role !== 'admin') {
      throw new AppError('OVERRIDE_ADMINS_ONLY', 'Only an admin can go past a credit limit', 403, { buyer: line.buyer.code, refusal: true });
    }
    if (checked && !line.override) {
      throw new AppError('CREDIT_LIMIT', `${line.buyer.code} would owe more than the credit limit`, 409, {
        buyer: line.buyer.code,
        limit: rupees(limit),
        balance: rupees(before),
        amount: amounts.totalAmount,
        after: rupees(after),
      });
    }
    running.set(line.buyer.id, after);
    return { line, date, rate, amounts, override: checked, balanceAfter: rupees(after), id: randomUUID() };
  });
  const col = <T>(f: (x: (typeof priced)[number]) => T) => priced.map(f);
  const { rows } = await sql<{ id: string; sale_no: string }>`
    with v as materialized (
      select * from unnest(
        ${col((x) => x.id)}::uuid[], ${col((x) => x.line.buyer.id)}::uuid[], ${col((x) => x.line.flower.id)}::uuid[],
        ${col((x) => x.date)}::date[], ${col((x) => x.line.at)}::timestamptz[], ${col((x) => x.line.quantity)}::numeric[],
        ${col((x) => x.line.flower.unit)}::text[], ${col((x) => x.rate)}::numeric[], ${col((x) => x.amounts.grossAmount)}::numeric[],
        ${col((x) => x.amounts.chargesAmount)}::numeric[], ${col((x) => x.amounts.totalAmount)}::numeric[], ${col((x) => x.override)}::boolean[],
        ${col((x) => x.line.sourceMessageId)}::text[], ${col((x) => x.line.sourceLine)}::int[], ${col((x) => x.line.correctsSaleId ?? null)}::uuid[],
        ${col((x) =>
          JSON.stringify({
            buyer: x.line.buyer.code,
            flower: x.line.flower.code,
            quantity: x.line.quantity,
            rate: x.rate,
            rateGiven: x.line.rate !== null,
            override: x.override,
            ...x.amounts,
          }),
        )}::jsonb[]
      ) with ordinality as v(id, buyer_id, flower_type_id, sale_date, sale_time, quantity, unit, rate_per_unit, gross_amount, charges_amount,
                             total_amount, credit_override, source_message_id, source_line, corrects_sale_id, details, n)
    ),
    ins as (
      insert into sales (id, buyer_id, flower_type_id, sale_date, sale_time, quantity, unit, rate_per_unit, gross_amount, charges_amount,
                         total_amount, credit_override, recorded_by_id, source_message_id, source_line, corrects_sale_id)
      select id, buyer_id, flower_type_id, sale_date, sale_time, quantity, unit, rate_per_unit, gross_amount, charges_amount, total_amount,
             credit_override, ${actor.userId}::uuid, source_message_id, source_line, corrects_sale_id
        from v order by n
      returning id, sale_no
    ),
    audit as (${securityLogInsert(
      ['action', 'actor_user_id', 'actor_phone', 'entity', 'entity_id', 'details', 'ip_address', 'user_agent'],
      sql`select case when v.corrects_sale_id is null then 'sale.create' else 'sale.fix' end, ${actor.userId}::uuid, ${actor.phone ?? null}::text,
                 'sale', v.id::text, v.details || jsonb_build_object('saleNo', ins.sale_no::text), ${actor.ip ?? null}::text, ${actor.userAgent ?? null}::text
            from v join ins using (id) order by v.n`,
    )}),
    deltas as (select buyer_id, total_amount as delta from v),
    ${buyerBalanceMoves('deltas')}
    select id::text, sale_no::text from ins, (select count(*) from buyers_moved) m`.execute(em.getKysely());
  const saleNo = new Map(rows.map((r) => [r.id, r.sale_no]));
  const applied = await allocateCollections(
    em,
    priced.map((x) => x.line.buyer.id),
  );
  const fromCredit = (saleId: string) => applied.filter((a: Allocation) => a.saleId === saleId).reduce((s, a) => s.plus(a.amount), dec(0));
  return priced.map((x) => ({
    sale: {
      id: x.id,
      saleNo: saleNo.get(x.id)!,
      quantity: x.line.quantity,
      unit: x.line.flower.unit,
      ratePerUnit: x.rate,
      date: x.date,
      ...x.amounts,
    },
    buyer: x.line.buyer,
    flower: x.line.flower,
    balanceAfter: x.balanceAfter,
    paidFromCredit: rupees(fromCredit(x.id)),
    line: x.line,
  }));
}
