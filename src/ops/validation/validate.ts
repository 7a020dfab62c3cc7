// Runs the ledger checks: one query each, counting every offending row and keeping up to five example ids.
import type { MikroORM } from '@mikro-orm/postgresql';
import { buyerChecks } from './buyer-checks.js';
import { ledgerChecks, type Check, type ForeignKey, type Severity } from './checks.js';

/** Runs one SQL statement and returns its rows: a MikroORM connection or a plain pg client both fit. */
export type RunSql = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

export const EXAMPLES = 5;

export interface CheckResult {
  id: string;
  severity: Severity;
  title: string;
  count: number;
  examples: string[];
}

export interface ValidationReport {
  ok: boolean;
  errors: number;
  warnings: number;
  checks: CheckResult[];
}

export function ormSql(orm: MikroORM): RunSql {
  return (sql, params = []) => orm.em.getConnection().execute<Record<string, unknown>[]>(sql, params);
}

/** The foreign keys the entities declare (every many-to-one), which the database must have. */
export function expectedForeignKeys(orm: MikroORM): ForeignKey[] {
  const keys: ForeignKey[] = [];
  for (const meta of orm.getMetadata().getAll().values()) {
    for (const prop of meta.props) {
      if (prop.kind !== 'm:1') continue;
      keys.push({ table: meta.tableName, column: prop.fieldNames[0]!, references: prop.targetMeta?.tableName ?? prop.type });
    }
  }
  if (!keys.length) throw new Error('no relations found in the entity metadata');
  return keys.sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`));
}

async function runCheck(run: RunSql, check: Check): Promise<CheckResult> {
  let rows: Record<string, unknown>[];
  try {
    rows = await run(`select x.id::text as id, count(*) over ()::int as total from (${check.sql}) x order by 1 limit ${EXAMPLES}`);
  } catch (err) {
    throw new Error(`validation check ${check.id} could not run: ${(err as Error).message}`, { cause: err });
  }
  return {
    id: check.id,
    severity: check.severity,
    title: check.title,
    count: rows.length ? Number(rows[0]!.total) : 0,
    examples: rows.map((r) => String(r.id)),
  };
}

export async function validateLedger(run: RunSql, foreignKeys: ForeignKey[]): Promise<ValidationReport> {
  const checks: CheckResult[] = [];
  for (const check of [...ledgerChecks(foreignKeys), ...buyerChecks()]) checks.push(await runCheck(run, check));
  const errors = checks.filter((c) => c.severity === 'error' && c.count > 0).length;
  const warnings = checks.filter((c) => c.severity === 'warning' && c.count > 0).length;
  return { ok: errors === 0, errors, warnings, checks };
}

export function formatReport(report: ValidationReport): string {
  const rows = report.checks.map((c) => [
    c.count === 0 ? 'ok' : c.severity === 'error' ? 'ERROR' : 'warning',
    c.id,
    String(c.count),
    c.examples.join(', ') + (c.count > c.examples.length ? ', …' : ''),
  ]);
  const header = ['result', 'check', 'count', 'examples'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  out.push(
    '',
    report.ok
      ? `Ledger valid: ${report.checks.length} checks, ${report.warnings} with warnings.`
      : `Ledger INVALID: ${report.errors} check(s) found errors, ${report.warnings} with warnings.`,
  );
  return out.join('\n');
}
