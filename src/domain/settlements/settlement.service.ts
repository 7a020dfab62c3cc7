// Settling a period: every farmer with unsettled entries or outstanding advances gets one settlement.
// Farmers are settled in batches, each batch one transaction of a few set-based statements, so a crash leaves
// every farmer either fully settled or untouched; a re-run skips those already settled and finishes the rest.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { MikroORM } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { Actor } from '../audit/actor.js';
import { recordSecurityEvent } from '../audit/audit.service.js';
import { sum } from '../money.js';
import { localDate } from '../market-time.js';
import { getStringSetting } from '../settings/settings.service.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isSettlementFrequency, lastCompletePeriod, parsePeriod, type SettlementFrequency, type SettlementPeriod } from './period.js';
import { findFarmersToSettle, lockFarmers, settleBatch, type SettledRow } from './settlement.sql.js';
import { enqueueStatementsFor } from './statement.service.js';

export interface SettleOptions {
  period: SettlementPeriod;
  timeZone: string;
  /** Only these farmers (codes); default every farmer with something to settle. */
  farmerCodes?: string[];
  /** Run every statement, report the result, then roll back. */
  dryRun?: boolean;
  /** Queue each new settlement's PDF statement for the farmer in the same transaction (default true). */
  sendStatements?: boolean;
  batchSize?: number;
  /** Batches settled at the same time, each on its own connection (default 1; the job and CLI use 2). */
  concurrency?: number;
  /** Settling a period that has not ended is refused unless allowOpenPeriod (late entries would miss it). */
  now?: Date;
  allowOpenPeriod?: boolean;
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Who asked (the web API): each batch writes a 'settlement.run' audit row in its own transaction. */
  actor?: Actor;
  /** Test seam: runs inside each batch's transaction after its statements, before commit. */
  beforeCommit?: (batch: { index: number; rows: SettledRow[] }) => void | Promise<void>;
}

export interface SettleResult {
  period: SettlementPeriod;
  dryRun: boolean;
  settled: SettledRow[];
  /** Farmers whose fees exceed their earnings: left untouched. */
  refused: SettledRow[];
  totals: { farmers: number; entries: number; gross: string; commission: string; fees: string; adjustments: string; advances: string; net: string };
}

class DryRunRollback extends Error {
  constructor(readonly rows: SettledRow[]) {
    super('dry run');
  }
}

export async function settlementFrequency(em: EntityManager): Promise<SettlementFrequency> {
  const value = (await getStringSetting(em, 'settlement_frequency')).trim().toLowerCase();
  if (!isSettlementFrequency(value)) {
    throw new AppError('BAD_SETTING', `settlement_frequency is "${value}"; it must be daily, weekly, fortnightly or monthly`, 500);
  }
  return value;
}

/** The period a run settles by default: the last one that has fully ended. */
export async function defaultPeriod(em: EntityManager, now: Date, timeZone: string): Promise<SettlementPeriod> {
  return lastCompletePeriod(await settlementFrequency(em), now, timeZone);
}

/** The period a person names (2026-W47, 2026-11, a date), read by settlement_frequency; none: the last one ended. */
export async function chosenPeriod(em: EntityManager, named: string | undefined, now: Date, timeZone: string): Promise<SettlementPeriod> {
  return named ? parsePeriod(await settlementFrequency(em), named) : defaultPeriod(em, now, timeZone);
}

export async function settlePeriod(orm: MikroORM, options: SettleOptions): Promise<SettleResult> {
  const { period, timeZone } = options;
  const batchSize = options.batchSize ?? 500;
  const today = localDate(options.now ?? new Date(), timeZone);
  if (period.end >= today && !options.allowOpenPeriod) {
    throw new AppError('PERIOD_NOT_OVER', `The period ${period.start} to ${period.end} has not ended yet (today is ${today})`, 409);
  }
  const em = orm.em.fork();
  const candidates = await findFarmersToSettle(em, period, timeZone, options.farmerCodes);
  if (options.farmerCodes?.length) {
    const { rows: known } = await sql<{
      farmer_code: string;
    }>`select farmer_code from farmers where farmer_code = any(${options.farmerCodes}::text[])`.execute(em.getKysely());
    const missing = options.farmerCodes.filter((c) => !known.some((k) => k.farmer_code === c));
    if (missing.length) throw new AppError('FARMER_NOT_FOUND', `No farmer with code ${missing.join(', ')}`, 404);
  }

  const batches: { index: number; farmerIds: string[] }[] = [];
  for (let index = 0; index * batchSize < candidates.length; index++) {
    batches.push({ index, farmerIds: candidates.slice(index * batchSize, (index + 1) * batchSize).map((f) => f.id) });
  }
  const results: SettledRow[][] = [];
  let done = 0;
  let failed = false;
  options.onProgress?.({ done: 0, total: candidates.length });
  const runBatch = async ({ index, farmerIds }: (typeof batches)[number]) => {
    const run = async (tx: EntityManager) => {
      await lockFarmers(tx, farmerIds);
      const settled = await settleBatch(tx, { period, timeZone, farmerIds, settlementIds: farmerIds.map(() => randomUUID()) });
      const created = settled.filter((r) => r.settlementId).map((r) => r.settlementId!);
      if ((options.sendStatements ?? true) && created.length) await enqueueStatementsFor(tx, { settlementIds: created });
      if (options.actor && created.length) {
        recordSecurityEvent(tx, {
          action: 'settlement.run',
          actor: options.actor,
          entity: 'settlement_period',
          entityId: `${period.start}..${period.end}`,
          details: {
            period: period.label,
            batch: index,
            settlements: settled.filter((r) => r.settlementId).map((r) => ({ number: r.settlementNumber, netPayable: r.netPayable })),
          },
        });
        await tx.flush();
      }
      await options.beforeCommit?.({ index, rows: settled });
      if (options.dryRun) throw new DryRunRollback(settled);
      return settled;
    };
    try {
      results[index] = await orm.em.fork().transactional(run);
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
      results[index] = err.rows;
    }
    done += farmerIds.length;
    options.onProgress?.({ done, total: candidates.length });
  };
  // Batches hold disjoint farmers, so several can run at once (one per core); after a failure no new batch starts.
  const queue = [...batches];
  const worker = async () => {
    for (let b = queue.shift(); b && !failed; b = queue.shift()) {
      try {
        await runBatch(b);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker));
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) throw failure.reason;
  const rows = results.flat();

  const settled = rows.filter((r) => r.settlementId);
  return {
    period,
    dryRun: options.dryRun ?? false,
    settled,
    refused: rows.filter((r) => r.refused),
    totals: {
      farmers: settled.length,
      entries: settled.reduce((n, r) => n + r.entries, 0),
      gross: sum(settled.map((r) => r.grossAmount)),
      commission: sum(settled.map((r) => r.totalCommission)),
      fees: sum(settled.map((r) => r.totalFees)),
      adjustments: sum(settled.map((r) => r.totalAdjustments)),
      advances: sum(settled.map((r) => r.totalAdvances)),
      net: sum(settled.map((r) => r.netPayable)),
    },
  };
}
