// Two people cancel the same entry at the same moment (say, the admin on the web and staff by chat):
// one cancels it, the other is told it is already cancelled, and the farmer's balance moves once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voidEntry } from '../../src/domain/entries/entries.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { createFarmer, createStaff, send, setTestRates } from './helpers.js';
import { AppError } from '../../src/errors.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await setTestRates(t);
});
afterAll(() => t?.close());

describe('cancelling one entry twice at once', () => {
  it('cancels it once and moves the balance once', async () => {
    const farmer = await createFarmer(t);
    const admin = await createStaff(t, '+919111100001', 'admin');
    // Jasmine at 06:10 (Morning Peak) is ₹412.50: 2 kg = ₹825.00, 5% = ₹41.25, net ₹783.75.
    await send(t, admin.phone, `${farmer.code} malli 2`);
    const [entry] = await sql<{ entry_no: string }>(
      t.db,
      `select entry_no::text from daily_entries d join farmers f on f.id = d.farmer_id where f.farmer_code = ?`,
      [farmer.code],
    );
    const [before] = await sql<{ b: string }>(t.db, `select current_balance::text as b from farmers where farmer_code = ?`, [farmer.code]);
    expect(before!.b).toBe('783.75');

    const actor = { userId: admin.id, role: 'admin' as const, phone: admin.phone, channel: 'chat' as const };
    const attempt = () =>
      t.db.orm.em
        .fork()
        .transactional((em) => voidEntry(em, { entryNo: entry!.entry_no, actor, reason: 'wrong farmer', at: new Date() }))
        .then(
          () => 'voided',
          (err: unknown) => (err instanceof AppError ? err.code : String(err)),
        );
    const outcomes = await Promise.all([attempt(), attempt()]);
    expect(outcomes.sort()).toEqual(['ALREADY_VOIDED', 'voided']);

    const [after] = await sql<{ b: string }>(t.db, `select current_balance::text as b from farmers where farmer_code = ?`, [farmer.code]);
    expect(after!.b).toBe('0.00');
    const audits = await sql(t.db, `select 1 from security_logs where action = 'entry.void' and details->>'entryNo' = ?`, [entry!.entry_no]);
    expect(audits).toHaveLength(1);
  });
});
