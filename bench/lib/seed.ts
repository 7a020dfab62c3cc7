// Bench data, set-based: one INSERT … SELECT generate_series per table (or per chunk), never row by row.
// Amounts follow DESIGN's per-line rules (total = qty × rate, commission 5 % half-up, net = total − commission),
// and the farmers' stored figures are recomputed from the rows afterwards, as db:validate would expect.
import type pg from 'pg';

export const staffPhone = (i: number) => `+918${String(i).padStart(9, '0')}`;
export const farmerPhone = (i: number) => `+919${String(100000000 + i).padStart(9, '0')}`;
export const farmerCode = (i: number) => `FAR${1000 + i}`;

export async function seedStaff(pool: pg.Pool, count: number): Promise<void> {
  await pool.query(
    `insert into users (email, full_name, phone, role, language_preference)
     select 'staff' || i || '@bench.test', 'Bench Staff ' || i, '+918' || lpad(i::text, 9, '0'), 'staff',
            case when i % 2 = 0 then 'ta' else 'en' end
     from generate_series(1, $1::int) i`,
    [count],
  );
}

export async function seedFarmers(pool: pg.Pool, count: number): Promise<void> {
  await pool.query(
    `insert into farmers (farmer_code, name, village, phone, whatsapp_number, language_preference)
     select 'FAR' || (1000 + i), 'Bench Farmer ' || i, (array['Madurai','Dindigul','Trichy','Thovalai','Hosur'])[1 + i % 5],
            '+919' || lpad((100000000 + i)::text, 9, '0'), '+919' || lpad((100000000 + i)::text, 9, '0'),
            case when i % 3 = 0 then 'en' else 'ta' end
     from generate_series(1, $1::int) i`,
    [count],
  );
}

/**
 * `perFarmer` entries for each bench farmer, spread over `days` market days ending on `lastDay`, with staff
 * `recordedBy`. Loaded in chunks of farmers so one statement never holds millions of rows in memory.
 */
export async function bulkEntries(
  pool: pg.Pool,
  o: { farmers: number; perFarmer: number; days: number; lastDay: string; chunkFarmers?: number; onChunk?: (done: number) => void },
): Promise<void> {
  const chunk = o.chunkFarmers ?? 2_000;
  const ranges: [number, number][] = [];
  for (let from = 1; from <= o.farmers; from += chunk) ranges.push([from, Math.min(o.farmers, from + chunk - 1)]);
  let done = 0;
  // Two statements at a time: the server generates rows on both cores.
  const worker = async () => {
    for (let r = ranges.shift(); r; r = ranges.shift()) {
      const [from, to] = r;
      await pool.query(
        `with f as (select id, (substring(farmer_code from 4)::int - 1000) as n from farmers
                   where farmer_code ~ '^FAR[0-9]+$' and substring(farmer_code from 4)::int - 1000 between $1 and $2),
            fl as (select id, unit, row_number() over (order by code) - 1 as k from flower_types),
            sl as (select id, row_number() over (order by start_time) - 1 as k from time_slots where is_active),
            st as (select id from users where role = 'staff' order by email limit 1),
            g as (select f.id as farmer_id, f.n, j,
                         ($5::date - ((j * $4::int) / $3::int))::date as d,
                         (f.n * 7 + j * 13) % 5 as flower_k, (f.n + j) % 5 as slot_k,
                         (1 + ((f.n * 31 + j * 17) % 400) / 10.0)::numeric(10,3) as qty,
                         (100 + ((f.n + j * 7) % 9) * 10)::numeric(10,2) as rate
                    from f cross join generate_series(0, $3::int - 1) j),
            a as (select g.*, round(g.qty * g.rate, 2) as total from g)
       insert into daily_entries (farmer_id, flower_type_id, time_slot_id, entry_date, entry_time, quantity, unit,
                                  rate_per_unit, total_amount, commission_rate, commission_amount, fee_amount, net_amount,
                                  recorded_by_id, source, source_message_id, source_line, status)
       select a.farmer_id, fl.id, sl.id, a.d, (a.d + time '06:30') at time zone 'Asia/Kolkata',
              case when fl.unit = 'piece' then round(a.qty * 10) else a.qty end, fl.unit,
              case when fl.unit = 'piece' then 11.00 else a.rate end,
              case when fl.unit = 'piece' then round(round(a.qty * 10) * 11.00, 2) else a.total end,
              5.00,
              round((case when fl.unit = 'piece' then round(round(a.qty * 10) * 11.00, 2) else a.total end) * 0.05, 2),
              0,
              (case when fl.unit = 'piece' then round(round(a.qty * 10) * 11.00, 2) else a.total end)
                - round((case when fl.unit = 'piece' then round(round(a.qty * 10) * 11.00, 2) else a.total end) * 0.05, 2),
              (select id from st), 'whatsapp', 'bench.' || a.n || '.' || a.j, 0, 'active'
       from a join fl on fl.k = a.flower_k join sl on sl.k = a.slot_k`,
        [from, to, o.perFarmer, o.days, o.lastDay],
      );
      done += to - from + 1;
      o.onChunk?.(done);
    }
  };
  await Promise.all([worker(), worker()]);
}

/**
 * Runs a bulk load with daily_entries' secondary indexes dropped, then builds them again from their own
 * definitions (one sort each instead of millions of index insertions). Indexes behind constraints stay.
 */
export async function withoutEntryIndexes(pool: pg.Pool, load: () => Promise<void>): Promise<void> {
  const { rows } = await pool.query<{ name: string; def: string }>(
    `select indexname as name, indexdef as def from pg_indexes
      where schemaname = current_schema() and tablename = 'daily_entries'
        and indexname not in (select conname from pg_constraint)`,
  );
  for (const r of rows) await pool.query(`drop index "${r.name}"`);
  try {
    await load();
  } finally {
    // Two at a time: one per core.
    const client = async (defs: string[]) => {
      const c = await pool.connect();
      try {
        await c.query(`set maintenance_work_mem = '256MB'`);
        for (const d of defs) await c.query(d);
      } finally {
        c.release();
      }
    };
    const defs = rows.map((r) => r.def);
    await Promise.all([client(defs.filter((_, i) => i % 2 === 0)), client(defs.filter((_, i) => i % 2 === 1))]);
  }
}

/** One approved advance for every `every`-th bench farmer, dated before `day`. */
export async function seedAdvances(pool: pg.Pool, o: { every: number; day: string }): Promise<void> {
  await pool.query(
    `insert into cash_advances (farmer_id, amount, reason, status, approved_at, created_at)
     select id, (500 + (substring(farmer_code from 4)::int % 5) * 250)::numeric(14,2), 'seeds', 'approved',
            ($1::date + time '07:00') at time zone 'Asia/Kolkata', ($1::date + time '07:00') at time zone 'Asia/Kolkata'
     from farmers where farmer_code ~ '^FAR[0-9]+$' and substring(farmer_code from 4)::int % $2::int = 0`,
    [o.day, o.every],
  );
}

/** The stored balance figures, recomputed from the rows in one statement. */
export async function recomputeFarmerFigures(pool: pg.Pool): Promise<void> {
  await pool.query(
    `update farmers f set current_balance = coalesce(e.net, 0) - coalesce(a.total, 0), total_advances = coalesce(a.total, 0)
       from farmers f2
       left join (select farmer_id, sum(net_amount) as net from daily_entries where status = 'active' group by farmer_id) e on e.farmer_id = f2.id
       left join (select farmer_id, sum(amount) as total from cash_advances where status = 'approved' group by farmer_id) a on a.farmer_id = f2.id
      where f.id = f2.id`,
  );
}
