// The buyers' book checks (docs/buyers.md): sale arithmetic, allocations never above their sale or their collection,
// nothing applied to a voided sale, and each stored buyer balance equal to Σ active sales − Σ collections.
import { RECOMPUTE_BUYER_BALANCES_SQL } from '../../domain/buyers/buyer-balances.js';
import type { Check } from './checks.js';

const LIVE = `(select collection_id, sale_id, amount from collection_allocations where released_at is null)`;

export function buyerChecks(): Check[] {
  return [
    {
      id: 'negative_sale_values',
      severity: 'error',
      title: 'Sales with a quantity or rate not above zero, or a negative amount',
      sql: `select 'S' || sale_no as id from sales where quantity <= 0 or rate_per_unit <= 0 or gross_amount < 0 or charges_amount < 0 or total_amount < 0`,
    },
    {
      id: 'sale_arithmetic',
      severity: 'error',
      title: 'gross_amount = round(quantity × rate_per_unit, 2) and total_amount = gross_amount + charges_amount',
      sql: `select 'S' || sale_no as id from sales
             where gross_amount <> round(quantity * rate_per_unit, 2) or total_amount <> gross_amount + charges_amount`,
    },
    {
      id: 'allocation_over_sale',
      severity: 'error',
      title: 'More applied to a sale than its amount, or anything still applied to a voided sale',
      sql: `select 'S' || s.sale_no as id from sales s join ${LIVE} a on a.sale_id = s.id
             group by s.id, s.sale_no, s.total_amount, s.status
            having sum(a.amount) > s.total_amount or s.status <> 'active'`,
    },
    {
      id: 'allocation_over_collection',
      severity: 'error',
      title: 'More applied from a collection than it brought, or applied to another buyer',
      sql: `select 'C' || c.collection_no as id from collections c join ${LIVE} a on a.collection_id = c.id join sales s on s.id = a.sale_id
             group by c.id, c.collection_no, c.amount
            having sum(a.amount) > c.amount or bool_or(s.buyer_id <> c.buyer_id)`,
    },
    {
      id: 'buyer_balances',
      severity: 'error',
      title: 'The stored buyer balance equals Σ active sales − Σ collections',
      sql: `select buyer_code as id from (${RECOMPUTE_BUYER_BALANCES_SQL}) r where stored_balance::numeric <> computed_balance::numeric`,
    },
    {
      id: 'unapplied_with_open_sales',
      severity: 'error',
      title: 'A buyer with collection money not applied while a sale of theirs is unpaid (oldest-first was skipped)',
      sql: `select b.buyer_code as id from buyers b
             where exists (select 1 from collections c where c.buyer_id = b.id
                             and c.amount > coalesce((select sum(amount) from ${LIVE} a where a.collection_id = c.id), 0))
               and exists (select 1 from sales s where s.buyer_id = b.id and s.status = 'active'
                             and s.total_amount > coalesce((select sum(amount) from ${LIVE} a where a.sale_id = s.id), 0))`,
    },
    {
      id: 'buyer_over_credit_limit',
      severity: 'warning',
      title: 'Buyers owing more than their credit limit (an admin allowed it with !)',
      sql: `select buyer_code as id from buyers where credit_limit is not null and current_balance > credit_limit`,
    },
  ];
}
