import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { coreJobs } from '../../src/jobs/catalog.js';
import { cronText } from '../../src/jobs/schedule.js';
import { settlePeriod } from '../../src/domain/settlements/settlement.service.js';
import { parsePeriod } from '../../src/domain/settlements/period.js';
import { summaryTable } from '../../src/ops/settle-summary.js';
import { addEntry, addFarmer, ledgerProblems, run } from './fixture.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());

describe('settlement schedules', () => {
  const jobs = () => coreJobs({ db: t.db, config: { ...t.config, marketTimeZone: 'Asia/Kolkata' }, logger: pino({ level: 'silent' }) });
  const ctx = (dueAt: Date) => ({ now: dueAt, dueAt, period: '', late: false, trigger: 'manual' as const });

  it('reads the schedule from the frequency, day and hour (Monday 06:00 and 06:30 by default)', async () => {
    const em = t.db.orm.em.fork();
    const [settlement, statements] = jobs().filter((j) => j.name.startsWith('settlement'));
    expect(cronText(await settlement!.schedule(em))).toBe('0 6 * * 1');
    expect(cronText(await statements!.schedule(em))).toBe('30 6 * * 1');
  });

  it('the weekly job settles the week that just ended; the statements job queues what was missed', async () => {
    const [settlement, statements] = jobs().filter((j) => j.name.startsWith('settlement'));
    const a = await addFarmer(t.db);
    const b = await addFarmer(t.db);
    // Week 47 (16–22 Nov 2026): 4 kg × ₹200.00 = 800.00; 5% = 40.00; net 760.00.
    await addEntry(t.db, { farmerCode: a, date: '2026-11-20', quantity: '4.000', rate: '200.00' });
    await addEntry(t.db, { farmerCode: b, date: '2026-11-21', quantity: '1.000', rate: '100.00' });
    // b settled by hand without statements, so the catch-up job has one to queue.
    await settlePeriod(t.db.orm, {
      period: parsePeriod('weekly', '2026-W47'),
      timeZone: 'Asia/Kolkata',
      now: new Date('2026-11-23T01:00:00Z'),
      farmerCodes: [b],
      sendStatements: false,
    });
    // Monday 23 Nov 2026, 06:00 in Kolkata.
    const monday = new Date('2026-11-23T00:30:00Z');
    expect((await settlement!.run(ctx(monday))).details).toMatchObject({ period: '2026W47', farmers: 1, net: '760.00' });
    expect((await statements!.run(ctx(monday))).details).toEqual({ period: '2026W47', queued: 1 });
    expect((await statements!.run(ctx(monday))).details).toEqual({ period: '2026W47', queued: 0 });
    const rows = await run<{ n: number }>(t.db, `select count(*)::int n from notifications where type = 'statement'`);
    expect(rows[0]!.n).toBe(2);
    expect(await ledgerProblems(t.db)).toEqual({ settlements: [], balances: [] });
  });

  it('prints a summary table with Indian grouping and totals', async () => {
    const result = {
      period: parsePeriod('weekly', '2026-W47'),
      dryRun: false,
      refused: [],
      settled: [
        {
          farmerId: 'x',
          farmerCode: 'FAR001',
          settlementId: 'y',
          settlementNumber: 'S-2026W47-FAR001',
          entries: 3,
          grossAmount: '123456.50',
          totalCommission: '6172.83',
          totalFees: '0.00',
          totalAdvances: '1000.00',
          totalAdjustments: '-150.00',
          netPayable: '116133.67',
          advancesOutstanding: '0.00',
          refused: false,
        },
      ],
      // 1,23,456.50 − 6,172.83 − 0.00 − 150.00 (a debit adjustment) − 1,000.00 = 1,16,133.67
      totals: {
        farmers: 1,
        entries: 3,
        gross: '123456.50',
        commission: '6172.83',
        fees: '0.00',
        adjustments: '-150.00',
        advances: '1000.00',
        net: '116133.67',
      },
    };
    const table = summaryTable(result).split('\n');
    expect(table[0]).toMatch(/^Farmer\s+Settlement\s+Entries\s+Gross\s+Commission\s+Fees\s+Adjustments\s+Advances\s+Net payable$/);
    expect(table[2]).toContain('₹1,23,456.50');
    expect(table[4]).toMatch(/^1 farmer\s+TOTAL\s+3\s+₹1,23,456.50\s+₹6,172.83\s+₹0.00\s+-₹150.00\s+₹1,000.00\s+₹1,16,133.67$/);
  });
});
