// The balance rule (DESIGN.md "Ledger rules"): what the agent owes the farmer =
//   Σ net_amount of active entries − Σ approved advances − Σ net_payable of paid settlements.
// Every change moves farmers.current_balance / total_advances / total_settlements by a delta in the same
// transaction, with one atomic UPDATE, so concurrent messages for one farmer never lose an update.
import type { EntityManager } from '@mikro-orm/postgresql';
import { dec, rupees } from '../money.js';

export interface BalanceChange {
  /** Net of entries added (positive) or voided (negative). */
  entriesNet?: string;
  /** Approved advances added. */
  advances?: string;
  /** Settlements marked paid (their net_payable). */
  settlementsPaid?: string;
}

export async function applyBalanceChange(em: EntityManager, farmerId: string, change: BalanceChange): Promise<void> {
  const net = dec(change.entriesNet ?? '0');
  const advances = dec(change.advances ?? '0');
  const paid = dec(change.settlementsPaid ?? '0');
  const delta = rupees(net.minus(advances).minus(paid));
  await em.execute(
    `update farmers set current_balance = current_balance + ?::numeric,
                        total_advances = total_advances + ?::numeric,
                        total_settlements = total_settlements + ?::numeric,
                        updated_at = now()
      where id = ?`,
    [delta, rupees(advances), rupees(paid), farmerId],
  );
}

export interface FarmerBalance {
  farmerId: string;
  farmerCode: string;
  currentBalance: string;
  totalAdvances: string;
  totalSettlements: string;
}

/** The stored figures, read fresh from the row (not from an identity map that may be stale). */
export async function getBalance(em: EntityManager, farmerId: string): Promise<FarmerBalance> {
  const rows = await em.execute<Record<string, string>[]>(
    `select id::text as farmer_id, farmer_code, current_balance::text, total_advances::text, total_settlements::text
       from farmers where id = ?`,
    [farmerId],
  );
  const r = rows[0]!;
  return {
    farmerId: r.farmer_id!,
    farmerCode: r.farmer_code!,
    currentBalance: rupees(r.current_balance!),
    totalAdvances: rupees(r.total_advances!),
    totalSettlements: rupees(r.total_settlements!),
  };
}

/** The SQL that recomputes a farmer's figures from the rows; validation and tests compare it with the stored ones. */
export const RECOMPUTE_BALANCES_SQL = `
  select f.id::text as farmer_id, f.farmer_code,
         f.current_balance::text as stored_balance,
         (coalesce(e.net, 0) - coalesce(a.total, 0) - coalesce(s.paid, 0))::numeric(14,2)::text as computed_balance,
         f.total_advances::text as stored_advances, coalesce(a.total, 0)::numeric(14,2)::text as computed_advances,
         f.total_settlements::text as stored_settlements, coalesce(s.paid, 0)::numeric(14,2)::text as computed_settlements
    from farmers f
    left join (select farmer_id, sum(net_amount) as net from daily_entries where status = 'active' group by farmer_id) e on e.farmer_id = f.id
    left join (select farmer_id, sum(amount) as total from cash_advances where status = 'approved' group by farmer_id) a on a.farmer_id = f.id
    left join (select farmer_id, sum(net_payable) as paid from settlements where status = 'paid' group by farmer_id) s on s.farmer_id = f.id`;

export async function recomputeBalances(em: EntityManager) {
  return em.execute<Record<string, string>[]>(RECOMPUTE_BALANCES_SQL);
}
