// Crash safety, dry runs and concurrent entries.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { settlePeriod } from '../../src/domain/settlements/settlement.service.js';
import { parsePeriod } from '../../src/domain/settlements/period.js';
import { NOW, TZ, W45, W46, addAdvance, addEntry, addFarmer, ledgerProblems, run } from './fixture.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());

const stateOf = (codes: string[]) =>
  run<Record<string, unknown>>(
    t.db,
    `select f.farmer_code,
            (select count(*) from settlements s where s.farmer_id = f.id)::int as settlements,
            (select count(*) from daily_entries de where de.farmer_id = f.id and de.settlement_id is not null)::int as linked,
            (select coalesce(sum(amount_recovered), 0)::text from cash_advances ca where ca.farmer_id = f.id) as recovered,
            (select count(*) from notifications n where n.farmer_id = f.id and n.type = 'statement')::int as statements,
            (select count(*) from security_logs l join settlements s on l.entity_id = s.id::text where s.farmer_id = f.id)::int as audits
     from farmers f where f.farmer_code = any($1) order by f.farmer_code`,
    [codes],
  );

describe('a failure halfway through the farmers', () => {
  it('leaves each farmer fully settled or untouched, and a re-run finishes the rest', async () => {
    const codes = [await addFarmer(t.db), await addFarmer(t.db), await addFarmer(t.db)];
    for (const code of codes) {
      // 10 kg × ₹100.00 = 1000.00; 5% = 50.00; net 950.00; an advance of ₹200 is recovered in full.
      await addEntry(t.db, { farmerCode: code, date: '2026-11-03', quantity: '10.000', rate: '100.00' });
      await addAdvance(t.db, { farmerCode: code, amount: '200.00', createdAt: '2026-11-02T04:30:00Z' });
    }
    const failing = settlePeriod(t.db.orm, {
      period: W45,
      timeZone: TZ,
      now: NOW,
      farmerCodes: codes,
      batchSize: 1,
      beforeCommit: ({ index }) => {
        if (index === 1) throw new Error('injected failure');
      },
    });
    await expect(failing).rejects.toThrow('injected failure');
    // The first farmer's batch committed; the second rolled back after all its statements ran; the third never began.
    expect(await stateOf(codes)).toEqual([
      { farmer_code: codes[0], settlements: 1, linked: 1, recovered: '200.00', statements: 1, audits: 1 },
      { farmer_code: codes[1], settlements: 0, linked: 0, recovered: '0.00', statements: 0, audits: 0 },
      { farmer_code: codes[2], settlements: 0, linked: 0, recovered: '0.00', statements: 0, audits: 0 },
    ]);
    const first = await run<{ id: string }>(t.db, `select s.id from settlements s join farmers f on f.id = s.farmer_id where f.farmer_code = $1`, [
      codes[0],
    ]);
    const rerun = await settlePeriod(t.db.orm, { period: W45, timeZone: TZ, now: NOW, farmerCodes: codes, batchSize: 1 });
    expect(rerun.settled.map((r) => [r.farmerCode, r.netPayable])).toEqual([
      [codes[1], '750.00'],
      [codes[2], '750.00'],
    ]);
    const all = await stateOf(codes);
    expect(all.every((r) => r.settlements === 1 && r.linked === 1 && r.recovered === '200.00' && r.statements === 1 && r.audits === 1)).toBe(true);
    const still = await run<{ id: string }>(t.db, `select s.id from settlements s join farmers f on f.id = s.farmer_id where f.farmer_code = $1`, [
      codes[0],
    ]);
    expect(still).toEqual(first);
    expect(await ledgerProblems(t.db)).toEqual({ settlements: [], balances: [] });
  });

  it('a dry run reports the figures and writes nothing', async () => {
    const code = await addFarmer(t.db);
    // 2 kg × ₹250.00 = 500.00; 5% = 25.00; net 475.00.
    await addEntry(t.db, { farmerCode: code, date: '2026-11-04', quantity: '2.000', rate: '250.00' });
    const dry = await settlePeriod(t.db.orm, { period: W45, timeZone: TZ, now: NOW, farmerCodes: [code], dryRun: true });
    expect(dry.settled.map((r) => [r.settlementNumber, r.grossAmount, r.netPayable])).toEqual([[`S-2026W45-${code}`, '500.00', '475.00']]);
    expect(await stateOf([code])).toEqual([{ farmer_code: code, settlements: 0, linked: 0, recovered: '0', statements: 0, audits: 0 }]);
  });

  it('refuses to settle a period that has not ended', async () => {
    await expect(settlePeriod(t.db.orm, { period: parsePeriod('weekly', '2026-W48'), timeZone: TZ, now: NOW })).rejects.toMatchObject({
      code: 'PERIOD_NOT_OVER',
    });
  });
});

// The embedded database runs one transaction at a time, so two sessions cannot interleave there: these run
// on a PostgreSQL server (DATABASE_URL), where they can.
describe.skipIf(!process.env.DATABASE_URL)('entries arriving while a settlement runs (PostgreSQL server only)', () => {
  async function client() {
    const c = new pg.Client({ connectionString: t.db.url });
    await c.connect();
    return c;
  }
  const waitUntil = async (check: () => Promise<boolean>) => {
    while (!(await check())) await new Promise((r) => setTimeout(r, 20));
  };
  /** Some session of this database (or the given one) is waiting for a lock. */
  const blockedOnLock = (pid?: number) => async () =>
    (
      await run<{ n: number }>(
        t.db,
        `select count(*)::int n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and ($1::int is null or pid = $1)`,
        [pid ?? null],
      )
    )[0]!.n > 0;
  const pidOf = async (c: pg.Client) => (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;

  it('an entry committed after the settlement read its entries is left for the next settlement, once', async () => {
    const code = await addFarmer(t.db);
    await addEntry(t.db, { farmerCode: code, date: '2026-11-03', quantity: '1.000', rate: '100.00' });
    const late = await client();
    const latePid = await pidOf(late);
    let lateEntry: Promise<string> | undefined;
    await settlePeriod(t.db.orm, {
      period: W45,
      timeZone: TZ,
      now: NOW,
      farmerCodes: [code],
      beforeCommit: async () => {
        // The entry path locks the farmer (balance update), which the settlement holds: it waits for our commit.
        lateEntry = (async () => {
          await late.query('begin');
          const id = await addEntry(late, { farmerCode: code, date: '2026-11-05', quantity: '3.000', rate: '100.00' });
          await late.query('commit');
          return id;
        })();
        await waitUntil(blockedOnLock(latePid));
      },
    });
    const lateId = await lateEntry!;
    await late.end();
    const [w45] = await run<{ entry_ids: string[] }>(
      t.db,
      `select array_agg(de.id) entry_ids from daily_entries de join settlements s on s.id = de.settlement_id where s.settlement_number = $1`,
      [`S-2026W45-${code}`],
    );
    expect(w45!.entry_ids).toHaveLength(1);
    expect(w45!.entry_ids).not.toContain(lateId);
    // The next week's settlement takes it, though it is dated in week 45.
    const next = await settlePeriod(t.db.orm, { period: W46, timeZone: TZ, now: NOW, farmerCodes: [code] });
    expect(next.settled.map((r) => [r.settlementNumber, r.entries, r.grossAmount])).toEqual([[`S-2026W46-${code}`, 1, '300.00']]);
    const [{ settlements } = { settlements: 0 }] = await run<{ settlements: number }>(
      t.db,
      `select count(settlement_id)::int settlements from daily_entries where id = $1`,
      [lateId],
    );
    expect(settlements).toBe(1);
  });

  it('an entry being written when the settlement starts is waited for and settled in it', async () => {
    const code = await addFarmer(t.db);
    await addEntry(t.db, { farmerCode: code, date: '2026-11-03', quantity: '1.000', rate: '100.00' });
    const writer = await client();
    await writer.query('begin');
    const pendingId = await addEntry(writer, { farmerCode: code, date: '2026-11-06', quantity: '2.000', rate: '100.00' });
    const settling = settlePeriod(t.db.orm, { period: W45, timeZone: TZ, now: NOW, farmerCodes: [code] });
    // Wait until the settlement is blocked on the farmer row the writer holds, then let the writer commit.
    await waitUntil(blockedOnLock());
    await writer.query('commit');
    await writer.end();
    const result = await settling;
    // 1.000 × 100 + 2.000 × 100 = 300.00 gross: both entries, the one that was being written included.
    expect(result.settled.map((r) => [r.entries, r.grossAmount])).toEqual([[2, '300.00']]);
    const [row] = await run<{ settled: boolean }>(t.db, `select settlement_id is not null as settled from daily_entries where id = $1`, [pendingId]);
    expect(row).toEqual({ settled: true });
    expect(await ledgerProblems(t.db)).toEqual({ settlements: [], balances: [] });
  });
});
