// Plain messages (entry lines from staff, a `bal`) done in bulk by set-based statements: the same entries, balances,
// audit rows, replies and receipts as the one-by-one path, in the same order, with each receipt showing the balance
// just after its own message even when several messages of one batch touch the same farmer.
// Message time 2030-03-02 06:10 IST (Morning Peak); rates: rose 180.35, jasmine (malli) 412.50 (helpers.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processInboundBatch, processInboundMessage } from '../../src/chat/pipeline.js';
import { storeInbound } from '../../src/domain/inbox/inbound.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import {
  businessLogicViolations,
  chatDeps,
  createFarmer,
  createStaff,
  inbound,
  lastOutboxId,
  outboxSince,
  setSetting,
  setTestRates,
} from './helpers.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  await setTestRates(t);
  await setSetting(t, 'fee_per_entry', '2.00');
  await setSetting(t, 'fee_per_unit', '0.50');
});
afterAll(async () => {
  await t?.close();
});

const store = async (from: string, text: string) => (await storeInbound(t.db.orm.em.fork(), inbound(from, text))).id;
const balanceOf = async (farmerId: string) =>
  (await sql<{ b: string }>(t.db, `select current_balance::text as b from farmers where id = ?`, [farmerId]))[0]!.b;

describe('plain messages in bulk', () => {
  it('entries of three messages in one batch: figures, entry rows, audit rows and each receipt’s balance worked out by hand', async () => {
    const staff1 = await createStaff(t, '+919820000001');
    const staff2 = await createStaff(t, '+919820000002');
    const a = await createFarmer(t);
    const b = await createFarmer(t, { commissionRate: '4.00' });
    const before = await lastOutboxId(t);
    const ids = [
      await store(staff1.phone, `${a.code} rose 2`),
      await store(staff2.phone, `${a.code} malli 1.5\n\n${b.code} rose 1 @200`),
      await store(staff1.phone, `${a.code} rose 1`),
    ];

    await processInboundBatch(chatDeps(t), ids);

    // a: 2 × 180.35 = 360.70, 5% = 18.035 → 18.04, fee 2 + 0.50 × 2 = 3.00, net 339.66
    //    1.5 × 412.50 = 618.75, 5% = 30.9375 → 30.94, fee 2.75, net 585.06     → 924.72
    //    1 × 180.35, 5% = 9.0175 → 9.02, fee 2.50, net 168.83                    → 1093.55
    // b: 1 × 200 (given), 4% = 8.00, fee 2.50, net 189.50
    expect(await balanceOf(a.id)).toBe('1093.55');
    expect(await balanceOf(b.id)).toBe('189.50');
    const entries = await sql<Record<string, string>>(
      t.db,
      `select e.entry_no::text as no, f.farmer_code as farmer, e.source_line::text as line, e.quantity::text as qty, e.rate_per_unit::text as rate,
              e.total_amount::text as total, e.commission_rate::text as crate, e.commission_amount::text as commission, e.fee_amount::text as fee,
              e.net_amount::text as net, e.status, e.source, ts.name as slot, e.unit
         from daily_entries e join farmers f on f.id = e.farmer_id left join time_slots ts on ts.id = e.time_slot_id
        where e.farmer_id in (?, ?) order by e.entry_no`,
      [a.id, b.id],
    );
    expect(entries.map(({ no: _no, ...e }) => e)).toEqual([
      {
        farmer: a.code,
        line: '0',
        qty: '2.000',
        rate: '180.35',
        total: '360.70',
        crate: '5.00',
        commission: '18.04',
        fee: '3.00',
        net: '339.66',
        status: 'active',
        source: 'whatsapp',
        slot: 'Morning Peak',
        unit: 'kg',
      },
      {
        farmer: a.code,
        line: '0',
        qty: '1.500',
        rate: '412.50',
        total: '618.75',
        crate: '5.00',
        commission: '30.94',
        fee: '2.75',
        net: '585.06',
        status: 'active',
        source: 'whatsapp',
        slot: 'Morning Peak',
        unit: 'kg',
      },
      {
        farmer: b.code,
        line: '2',
        qty: '1.000',
        rate: '200.00',
        total: '200.00',
        crate: '4.00',
        commission: '8.00',
        fee: '2.50',
        net: '189.50',
        status: 'active',
        source: 'whatsapp',
        slot: 'Morning Peak',
        unit: 'kg',
      },
      {
        farmer: a.code,
        line: '0',
        qty: '1.000',
        rate: '180.35',
        total: '180.35',
        crate: '5.00',
        commission: '9.02',
        fee: '2.50',
        net: '168.83',
        status: 'active',
        source: 'whatsapp',
        slot: 'Morning Peak',
        unit: 'kg',
      },
    ]);
    const audit = await sql<{ entity_id: string; details: Record<string, unknown>; actor_phone: string }>(
      t.db,
      `select l.entity_id, l.details, l.actor_phone from security_logs l join daily_entries e on e.id::text = l.entity_id
        where l.action = 'entry.create' and e.farmer_id in (?, ?) order by e.entry_no`,
      [a.id, b.id],
    );
    expect(audit.map((r) => r.details.entryNo)).toEqual(entries.map((e) => e.no));
    expect(audit.map((r) => r.actor_phone)).toEqual([staff1.phone, staff2.phone, staff2.phone, staff1.phone]);
    // The rate as staff typed it, as the one-by-one path logs it.
    expect(audit[2]!.details).toMatchObject({
      farmer: b.code,
      flower: 'FLW001',
      rate: '200',
      rateGiven: true,
      netAmount: '189.50',
      feeAmount: '2.50',
    });

    const out = await outboxSince(t, before);
    const [n1, n2, n3] = entries.map((e) => e.no);
    expect(out.map((n) => [n.recipient_phone, n.type])).toEqual([
      [staff1.phone, 'reply'],
      [a.phone, 'receipt'],
      [staff2.phone, 'reply'],
      [a.phone, 'receipt'],
      [b.phone, 'receipt'],
      [staff1.phone, 'reply'],
      [a.phone, 'receipt'],
    ]);
    expect(out[0]!.text).toBe(`✓ #${n1} ${a.code} Rose 2 kg × ₹180.35 = ₹360.70 (comm. ₹18.04, fee ₹3.00, net ₹339.66)`);
    expect(out[2]!.text).toContain(`1. ✓ #${n2} ${a.code} Jasmine 1.5 kg × ₹412.50 = ₹618.75`);
    expect(out[2]!.text).toContain(`2. ✓ #${n3} ${b.code} Rose 1 kg × ₹200.00 = ₹200.00 (comm. ₹8.00, fee ₹2.50, net ₹189.50)`);
    // Each receipt shows the balance just after its own message.
    expect(out[1]!.text).toContain('₹339.66');
    expect(out[1]!.text.split('\n').at(-1)).toContain('₹339.66');
    expect(out[3]!.text.split('\n').at(-1)).toContain('₹924.72');
    expect(out[4]!.text.split('\n').at(-1)).toContain('₹189.50');
    expect(out[6]!.text.split('\n').at(-1)).toContain('₹1,093.55');
    const { settlements, balances, commissions } = await businessLogicViolations(t);
    expect([settlements, balances, commissions]).toEqual([[], [], []]);
  });

  it('a mixed batch gives exactly what the one-by-one path gives', async () => {
    // The same conversation twice, with fresh people each time: once in bulk, once with the bulk path off.
    const run = async (plainInBulk: boolean, n: number) => {
      const staff = await createStaff(t, `+91983000${n}001`);
      const staffTa = await createStaff(t, `+91983000${n}002`, 'staff', 'ta');
      const a = await createFarmer(t);
      const b = await createFarmer(t, { language: 'en', commissionRate: '3.50' });
      const c = await createFarmer(t);
      // A staff member who is also farmer c: no receipt to themself.
      const both = await createStaff(t, c.phone);
      const texts: [string, string][] = [
        [staff.phone, `${a.code} rose 2`],
        [staffTa.phone, `${a.code} மல்லி 1.5\n${b.code} rose 1 @200`],
        [a.phone, 'bal'],
        [both.phone, `${c.code} rose 1`],
        [staff.phone, `bal ${a.code}`],
        [b.phone, 'இருப்பு'],
        [staff.phone, `${b.code} rose 2\nthis is not a line`],
        [staff.phone, 'undo'],
        [staff.phone, `${a.code} rose 0.5 afternoon`],
        [a.phone, `bal ${b.code}`],
        [b.phone, `${b.code} rose 1`],
        [staff.phone, `FAR99999 rose 1`],
        [staffTa.phone, `${c.code} malli 3\n${a.code} rose 1`],
      ];
      const before = await lastOutboxId(t);
      const ids = [];
      for (const [from, text] of texts) ids.push(await store(from, text));
      await processInboundBatch(chatDeps(t, { plainInBulk }), ids);
      const out = await outboxSince(t, before);
      const names = new Map<string, string>([
        [a.code, 'A'],
        [b.code, 'B'],
        [c.code, 'C'],
        [a.phone, 'PA'],
        [b.phone, 'PB'],
        [c.phone, 'PC'],
        [staff.phone, 'PS'],
        [staffTa.phone, 'PT'],
      ]);
      const norm = (s: string) => {
        let r = s.replace(/#\d+/g, '#N').replace(/Farmer \d+/g, 'NAME');
        for (const [k, v] of names) r = r.replaceAll(k, v);
        return r;
      };
      const entries = await sql<Record<string, string>>(
        t.db,
        `select f.farmer_code as farmer, e.source_line::text as line, e.quantity::text, e.rate_per_unit::text, e.total_amount::text,
                e.commission_amount::text, e.fee_amount::text, e.net_amount::text, e.status, e.time_slot_id::text as slot,
                e.entry_time, e.entry_date::text, u.phone as recorded_by
           from daily_entries e join farmers f on f.id = e.farmer_id join users u on u.id = e.recorded_by_id
          where e.farmer_id in (?, ?, ?) order by e.entry_no`,
        [a.id, b.id, c.id],
      );
      const audit = await sql<{ action: string; actor_phone: string; details: Record<string, unknown> }>(
        t.db,
        `select action, actor_phone, details from security_logs where actor_phone in (?, ?, ?, ?, ?, ?) order by id`,
        [staff.phone, staffTa.phone, a.phone, b.phone, c.phone, both.phone],
      );
      const outcomes = await sql<{ outcome: string }>(
        t.db,
        `select outcome from inbound_messages where id in (${ids.map(() => '?').join(',')}) order by id`,
        ids,
      );
      return {
        outcomes: outcomes.map((o) => o.outcome),
        out: out.map((o) => ({ to: norm(o.recipient_phone), type: o.type, language: o.language, text: norm(o.text) })),
        entries: entries.map((e) => JSON.parse(norm(JSON.stringify(e))) as unknown),
        audit: audit.map(
          (r) => JSON.parse(norm(JSON.stringify({ ...r, details: { ...r.details, entryNo: r.details.entryNo ? 'N' : undefined } }))) as unknown,
        ),
        balances: [await balanceOf(a.id), await balanceOf(b.id), await balanceOf(c.id)],
      };
    };
    const bulk = await run(true, 1);
    const oneByOne = await run(false, 2);
    expect(bulk).toEqual(oneByOne);
    // The conversation did what it says (so the comparison is not of two empty results).
    expect(bulk.outcomes).toEqual([
      'done',
      'done',
      'done',
      'done',
      'done',
      'done',
      'partial',
      'done',
      'done',
      'rejected',
      'rejected',
      'rejected',
      'done',
    ]);
    expect(bulk.out.filter((o) => o.type === 'receipt').length).toBeGreaterThanOrEqual(6);
    expect(bulk.entries.length).toBe(8);
  });

  it('one message alone takes the same path: a lone `bal` and a lone entry', async () => {
    const staff = await createStaff(t, '+919840000001');
    const a = await createFarmer(t, { language: 'en' });
    const before = await lastOutboxId(t);
    await processInboundMessage(chatDeps(t), await store(staff.phone, `${a.code} rose 2`));
    await processInboundMessage(chatDeps(t), await store(a.phone, 'bal'));
    const out = await outboxSince(t, before);
    expect(out.map((n) => [n.recipient_phone, n.type])).toEqual([
      [staff.phone, 'reply'],
      [a.phone, 'receipt'],
      [a.phone, 'reply'],
    ]);
    // 339.66 as in the first test; nothing advanced or paid.
    expect(out[2]!.text).toBe(`Farmer ${a.code.slice(3)} (${a.code})\nBalance: ₹339.66\nAdvances taken: ₹0.00 · Settled and paid: ₹0.00`);
  });
});
