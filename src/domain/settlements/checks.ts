// The guide's "Verify settlement calculations" and "Verify farmer balances", in DESIGN.md's terms (a settlement's
// entry lines are its entries, daily_entries.settlement_id). Each query
// returns the rows that are wrong, so a healthy ledger returns none. db:validate and the tests run them.

export const SETTLEMENT_ARITHMETIC_CHECK = `
select s.id, s.settlement_number, s.gross_amount, s.total_commission, s.total_fees, s.total_advances, s.net_payable,
       (s.gross_amount - s.total_commission - s.total_fees - s.total_advances) as calculated_net
from settlements s
left join (select settlement_id, sum(total_amount) as gross from daily_entries where settlement_id is not null group by settlement_id) e
  on e.settlement_id = s.id
where s.net_payable != (s.gross_amount - s.total_commission - s.total_fees - s.total_advances)
   or s.net_payable < 0
   or s.gross_amount != coalesce(e.gross, 0)
   or s.total_advances != coalesce((select sum(si.amount) from settlement_items si where si.settlement_id = s.id and si.item_type = 'advance'), 0)`;

/** balance = Σ net_amount of active entries − Σ approved advances − Σ net_payable of paid settlements. */
export const FARMER_BALANCE_CHECK = `
with ledger as (
  select f.id,
         coalesce((select sum(net_amount) from daily_entries de where de.farmer_id = f.id and de.status = 'active'), 0) as entries_net,
         coalesce((select sum(amount) from cash_advances ca where ca.farmer_id = f.id and ca.status = 'approved'), 0) as advances,
         coalesce((select sum(net_payable) from settlements s where s.farmer_id = f.id and s.status = 'paid'), 0) as paid
  from farmers f
)
select f.id, f.farmer_code, f.current_balance, l.entries_net - l.advances - l.paid as calculated_balance,
       f.total_settlements, l.paid as calculated_settlements, f.total_advances, l.advances as calculated_advances
from farmers f join ledger l using (id)
where f.current_balance != l.entries_net - l.advances - l.paid
   or f.total_settlements != l.paid
   or f.total_advances != l.advances`;
