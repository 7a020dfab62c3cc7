// Row counts and checksums per table: what a restore is compared against.
import type { RunSql } from './validation/validate.js';

export async function listTables(run: RunSql): Promise<string[]> {
  const rows = await run(
    `select table_name as name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`,
  );
  return rows.map((r) => String(r.name));
}

export async function rowCounts(run: RunSql): Promise<Record<string, number>> {
  const tables = await listTables(run);
  if (!tables.length) return {};
  const rows = await run(tables.map((t) => `select '${t}' as name, count(*)::bigint as n from "${t}"`).join(' union all '));
  return Object.fromEntries(rows.map((r) => [String(r.name), Number(r.n)]));
}

/** md5 of every row's text, in a fixed order: equal checksums mean equal contents. */
export async function tableChecksums(run: RunSql): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of await listTables(run)) {
    const rows = await run(`select coalesce(md5(string_agg(r::text, E'\\n' order by r::text)), '') as sum from "${t}" r`);
    out[t] = String(rows[0]?.sum ?? '');
  }
  return out;
}
