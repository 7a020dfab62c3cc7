// db:maintenance: the guide's daily, weekly and monthly queries as one report; --vacuum runs VACUUM ANALYZE.
import type { RunSql } from './validation/validate.js';

/** The tables that take most writes; VACUUM ANALYZE keeps their statistics and free space in shape. */
export const BUSY_TABLES = [
  'daily_entries',
  'settlement_items',
  'settlements',
  'cash_advances',
  'farmers',
  'notifications',
  'security_logs',
  'inbound_messages',
  'sales',
  'collections',
  'collection_allocations',
  'buyers',
];

export interface MaintenanceReport {
  databaseSize: string;
  connections: { state: string; count: number }[];
  tables: {
    table: string;
    total: string;
    data: string;
    indexes: string;
    liveRows: number;
    deadRows: number;
    deadPercent: string;
    lastVacuum: string;
  }[];
  indexes: { table: string; index: string; scans: number; size: string }[];
  unusedIndexes: string[];
  slowQueries: { query: string; calls: number; meanMs: string; maxMs: string }[] | null;
}

export async function maintenanceReport(run: RunSql): Promise<MaintenanceReport> {
  const [size] = await run(`select pg_size_pretty(pg_database_size(current_database())) as size`);
  const connections = await run(
    `select coalesce(state, 'background') as state, count(*)::int as count from pg_stat_activity
      where datname = current_database() group by 1 order by 2 desc`,
  );
  // Dead rows, not the guide's "total minus table size" (that is the indexes' size): what VACUUM would reclaim.
  const tables = await run(
    `select c.relname as table,
            pg_size_pretty(pg_total_relation_size(c.oid)) as total,
            pg_size_pretty(pg_relation_size(c.oid)) as data,
            pg_size_pretty(pg_indexes_size(c.oid)) as indexes,
            coalesce(s.n_live_tup, 0)::bigint as live, coalesce(s.n_dead_tup, 0)::bigint as dead,
            coalesce(to_char(greatest(s.last_vacuum, s.last_autovacuum), 'YYYY-MM-DD HH24:MI'), 'never') as last_vacuum
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       left join pg_stat_user_tables s on s.relid = c.oid
      where n.nspname = current_schema() and c.relkind = 'r'
      order by pg_total_relation_size(c.oid) desc, c.relname limit 15`,
  );
  const indexes = await run(
    `select relname as table, indexrelname as index, idx_scan::bigint as scans, pg_size_pretty(pg_relation_size(indexrelid)) as size
       from pg_stat_user_indexes where schemaname = current_schema() order by idx_scan desc, indexrelname limit 10`,
  );
  const unused = await run(
    `select i.indexrelname as index from pg_stat_user_indexes i join pg_index x on x.indexrelid = i.indexrelid
      where i.schemaname = current_schema() and i.idx_scan = 0 and not x.indisunique and not x.indisprimary order by 1`,
  );
  const hasStatements = (await run(`select 1 from pg_extension where extname = 'pg_stat_statements'`)).length > 0;
  const slow = hasStatements
    ? await run(
        `select left(regexp_replace(query, '\\s+', ' ', 'g'), 100) as query, calls::bigint as calls,
                round(mean_exec_time::numeric, 1)::text as mean, round(max_exec_time::numeric, 1)::text as max
           from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
          order by mean_exec_time desc limit 10`,
      )
    : null;
  return {
    databaseSize: String(size!.size),
    connections: connections.map((r) => ({ state: String(r.state), count: Number(r.count) })),
    tables: tables.map((r) => {
      const live = Number(r.live);
      const dead = Number(r.dead);
      return {
        table: String(r.table),
        total: String(r.total),
        data: String(r.data),
        indexes: String(r.indexes),
        liveRows: live,
        deadRows: dead,
        deadPercent: live + dead ? `${((100 * dead) / (live + dead)).toFixed(1)}%` : '0.0%',
        lastVacuum: String(r.last_vacuum),
      };
    }),
    indexes: indexes.map((r) => ({ table: String(r.table), index: String(r.index), scans: Number(r.scans), size: String(r.size) })),
    unusedIndexes: unused.map((r) => String(r.index)),
    slowQueries: slow?.map((r) => ({ query: String(r.query), calls: Number(r.calls), meanMs: String(r.mean), maxMs: String(r.max) })) ?? null,
  };
}

export async function vacuumAnalyze(run: RunSql): Promise<string[]> {
  const present = new Set((await run(`select tablename from pg_tables where schemaname = current_schema()`)).map((r) => String(r.tablename)));
  const done: string[] = [];
  for (const table of BUSY_TABLES.filter((t) => present.has(t))) {
    await run(`vacuum (analyze) "${table}"`);
    done.push(table);
  }
  return done;
}

/** Fixed-width text table. */
export function textTable(header: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function formatMaintenance(r: MaintenanceReport): string {
  const out = [
    `Database size: ${r.databaseSize}`,
    '',
    'Connections:',
    textTable(
      ['state', 'count'],
      r.connections.map((c) => [c.state, c.count]),
    ),
    '',
    'Tables (largest first; dead rows are what VACUUM reclaims):',
    textTable(
      ['table', 'total', 'data', 'indexes', 'live rows', 'dead rows', 'dead %', 'last vacuum'],
      r.tables.map((t) => [t.table, t.total, t.data, t.indexes, t.liveRows, t.deadRows, t.deadPercent, t.lastVacuum]),
    ),
    '',
    'Index usage (most scanned):',
    textTable(
      ['table', 'index', 'scans', 'size'],
      r.indexes.map((i) => [i.table, i.index, i.scans, i.size]),
    ),
    '',
    `Indexes never scanned since statistics were reset (not unique): ${r.unusedIndexes.length ? r.unusedIndexes.join(', ') : 'none'}`,
    '',
  ];
  if (r.slowQueries) {
    out.push(
      'Slowest queries (pg_stat_statements, by mean time):',
      textTable(
        ['mean ms', 'max ms', 'calls', 'query'],
        r.slowQueries.map((q) => [q.meanMs, q.maxMs, q.calls, q.query]),
      ),
    );
  } else {
    out.push(
      'Slow queries: pg_stat_statements is not installed in this database (add it to shared_preload_libraries and run CREATE EXTENSION pg_stat_statements to see them).',
    );
  }
  return out.join('\n');
}
