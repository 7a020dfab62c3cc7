// Settling batches side by side (concurrency 2): every farmer settled once, the result in farmer order, and a
// failing batch stops new batches from starting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { settlePeriod } from '../../src/domain/settlements/settlement.service.js';
import { NOW, TZ, W45, addAdvance, addEntry, addFarmer, ledgerProblems, run } from './fixture.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.close());

describe('settlePeriod with concurrency 2', () => {
  it('settles every farmer exactly once and reports them in farmer order', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 7; i++) {
      const code = await addFarmer(t.db);
      codes.push(code);
      // (i + 1) kg × ₹100.00; 5% commission; net 95 × (i + 1); an advance of ₹50 is recovered in full.
      await addEntry(t.db, { farmerCode: code, date: '2026-11-04', quantity: `${i + 1}.000`, rate: '100.00' });
      await addAdvance(t.db, { farmerCode: code, amount: '50.00', createdAt: '2026-11-03T04:30:00Z' });
    }
    const result = await settlePeriod(t.db.orm, { period: W45, timeZone: TZ, now: NOW, farmerCodes: codes, batchSize: 2, concurrency: 2 });
    const sorted = [...codes].sort();
    expect(result.settled.map((r) => r.farmerCode)).toEqual(sorted);
    // net 95, 190, … 665 less ₹50 each
    expect(result.settled.map((r) => r.netPayable)).toEqual(sorted.map((c) => `${(codes.indexOf(c) + 1) * 95 - 50}.00`));
    const counts = await run<{ n: number }>(
      t.db,
      `select count(*)::int as n from settlements s join farmers f on f.id = s.farmer_id where f.farmer_code = any($1)`,
      [codes],
    );
    expect(counts[0]!.n).toBe(7);
    expect(await ledgerProblems(t.db)).toEqual({ settlements: [], balances: [] });
  });

  it('after a batch fails, no new batch starts and the error is reported', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const code = await addFarmer(t.db);
      codes.push(code);
      await addEntry(t.db, { farmerCode: code, date: '2026-11-05', quantity: '1.000', rate: '100.00' });
    }
    const started: number[] = [];
    const failing = settlePeriod(t.db.orm, {
      period: W45,
      timeZone: TZ,
      now: NOW,
      farmerCodes: codes,
      batchSize: 1,
      concurrency: 2,
      beforeCommit: ({ index }) => {
        started.push(index);
        if (index === 0) throw new Error('injected failure');
      },
    });
    await expect(failing).rejects.toThrow('injected failure');
    // Every batch that reached its commit, except the failing one (the first farmer), is settled; the rest untouched.
    const settled = await run<{ farmer_code: string }>(
      t.db,
      `select f.farmer_code from settlements s join farmers f on f.id = s.farmer_id where f.farmer_code = any($1) order by 1`,
      [codes],
    );
    const sorted = [...codes].sort();
    expect(started).toContain(0);
    expect(settled.map((r) => r.farmer_code)).toEqual(
      started
        .filter((i) => i !== 0)
        .sort((a, b) => a - b)
        .map((i) => sorted[i]),
    );
    expect(settled.map((r) => r.farmer_code)).not.toContain(sorted[0]);
  });
});
