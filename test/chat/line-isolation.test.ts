// Each line of a message runs in its own savepoint: a line that fails must leave nothing behind, not even an
// in-memory change to an entity that the message's transaction later flushes. Message time: 2030-03-02 06:10 IST
// (Morning Peak); test rates: rose 180.35 at peak (helpers.ts), no fees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatementsPort } from '../../src/chat/dispatch.js';
import { Farmer } from '../../src/domain/farmers/farmer.entity.js';
import { User } from '../../src/domain/users/user.entity.js';
import { AppError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { businessLogicViolations, createFarmer, createStaff, lastOutboxId, outboxSince, send, setTestRates } from './helpers.js';

let t: TestDatabase;
const STAFF = '+919800000011';
const ADMIN = '+919800000012';

beforeAll(async () => {
  t = await createTestDatabase();
  await setTestRates(t);
  await createStaff(t, STAFF);
  await createStaff(t, ADMIN, 'admin');
});
afterAll(async () => {
  await t?.close();
});

const farmerRow = async (id: string) =>
  (
    await sql<{ name: string; lang: string; balance: string }>(
      t.db,
      `select name, language_preference as lang, current_balance::text as balance from farmers where id = ?`,
      [id],
    )
  )[0]!;

/**
 * A statements feature that changes the farmer it was asked about and then refuses (the shape of any service
 * that mutates a managed entity before an expected failure).
 */
const mutateThenRefuse: StatementsPort = {
  async requestStatement(em, request) {
    const farmer = await em.findOneOrFail(Farmer, request.farmerId);
    farmer.name = 'HALF-WRITTEN';
    farmer.languagePreference = 'en';
    throw new AppError('NO_PHONE', 'No phone to send the statement to', 422, { farmer: farmer.farmerCode });
  },
  async markPaid(em, request) {
    const user = await em.findOneOrFail(User, request.actor.userId);
    user.fullName = 'HALF-WRITTEN';
    throw new AppError('NOTHING_TO_PAY', 'Nothing to pay', 404, { farmerCode: 'x' });
  },
};

describe('a line that fails after changing an entity the message already holds', () => {
  it('leaves the farmer as it was; the good line before it is kept (farmer loaded by the earlier line)', async () => {
    const f = await createFarmer(t);
    const before = await lastOutboxId(t);
    await send(t, STAFF, `${f.code} rose 10\nstmt ${f.code}`, {}, { statements: mutateThenRefuse });

    const row = await farmerRow(f.id);
    expect(row.name).toBe(`Farmer ${f.code.slice(3)}`);
    expect(row.lang).toBe('ta');
    // 10 × 180.35 = 1803.50; commission 5% = 90.18 (90.175 half-up); net 1713.32.
    expect(row.balance).toBe('1713.32');
    const [reply] = (await outboxSince(t, before)).filter((n) => n.recipient_phone === STAFF);
    const verdicts = reply!.text.split('\n').filter((l) => /^\d+\. /.test(l));
    expect(verdicts.map((l) => l.slice(0, 4))).toEqual(['1. ✓', '2. ✗']);
    expect(verdicts[1]).toBe('2. ✗ This farmer has no phone number to send the statement to.');
  });

  it("leaves the sender's own user row as it was (the sender is in the message's identity map from the start)", async () => {
    const f = await createFarmer(t);
    await send(t, ADMIN, `paid ${f.code} UTR123`, {}, { statements: mutateThenRefuse });
    const [user] = await sql<{ full_name: string }>(t.db, `select full_name from users where phone = ?`, [ADMIN]);
    expect(user!.full_name).toBe(`Staff ${ADMIN}`);
  });
});

describe('what a failing line must not undo', () => {
  it('lang before a refused line and an entry: the language, the refusal audit row and the entry all stay', async () => {
    const f = await createFarmer(t);
    const other = await createFarmer(t);
    const before = await lastOutboxId(t);
    // A farmer may switch language, may not record entries (refused), and may read their own balance.
    await send(t, f.phone, `lang en\n${other.code} rose 5\nbal`);

    expect((await farmerRow(f.id)).lang).toBe('en');
    expect((await farmerRow(other.id)).balance).toBe('0.00');
    const refused = await sql(t.db, `select 1 from security_logs where action = 'chat.refused' and actor_phone = ?`, [f.phone]);
    expect(refused).toHaveLength(1);
    const [reply] = await outboxSince(t, before);
    expect(reply!.recipient_phone).toBe(f.phone);
    // The reply goes out in the language chosen by the first line.
    expect(reply!.language).toBe('en');
  });

  it("a refused void of someone else's entry beside a good entry: the voided-in-memory entry stays active", async () => {
    const f = await createFarmer(t);
    await createStaff(t, '+919800000013');
    await send(t, STAFF, `${f.code} rose 10`);
    const [entry] = await sql<{ entry_no: string }>(t.db, `select entry_no::text from daily_entries where farmer_id = ?`, [f.id]);
    // Another staff member may not void STAFF's entry; in the same message they record one of their own.
    await send(t, '+919800000013', `void ${entry!.entry_no} wrong\n${f.code} rose 1`);

    const rows = await sql<{ status: string; quantity: string }>(
      t.db,
      `select status, quantity::text from daily_entries where farmer_id = ? order by entry_no`,
      [f.id],
    );
    expect(rows.map((r) => [r.status, r.quantity])).toEqual([
      ['active', '10.000'],
      ['active', '1.000'],
    ]);
    // 1 × 180.35 = 180.35; commission 9.02 (9.0175); net 171.33. Total 1713.32 + 171.33.
    expect((await farmerRow(f.id)).balance).toBe('1884.65');
    const v = await businessLogicViolations(t);
    expect(v.balances).toEqual([]);
  });
});
