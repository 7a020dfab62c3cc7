// A morning of the buyers' book by chat, every figure worked out by hand. Market date 2030-03-02 (Asia/Kolkata).
// Charges: ₹5.00 per sale + ₹0.50 per kg. Jasmine's sale rate for the day: ₹460.00.
//   Sa B101 jasmine 10 × 460.00 = 4600.00 + 5 + 5.00 = 4610.00                       (06:10, Tamil staff)
//   Sb B102 rose 8.5 × 180.35 = 1532.975 → 1532.98 + 5 + 4.25 = 1542.23                (06:10, Tamil staff)
//   Sc B103 marigold 25.5 × 60.40 = 1540.20 + 5 + 12.75 = 1557.95                     (06:20, English staff)
//   Sd B101 rose 3.333 × 120.50 = 401.6265 → 401.63 + 5 + 1.6665 → 6.67 = 408.30       (06:20)
//   B102 jasmine 8 × 460 = 3680.00 + 5 + 4 = 3689.00: 1542.23 + 3689.00 = 5231.23 > limit 5000 → refused (06:30);
//   the admin's `!` records it as Se (06:35).
//   C1 B101 5000 cash → Sa 4610.00 in full, Sd 390.00 (18.30 due): balance 5018.30 − 5000 = 18.30
//   C2 B102 2000 upi → Sb 1542.23 in full, Se 457.77 (3231.23 due): balance 5231.23 − 2000 = 3231.23
//   C3 B103 1600 bank → Sc 1557.95 in full, 42.05 left as credit: balance −42.05
//   fix Sd 3.5 (admin) → Sf rose 3.5 × 120.50 = 421.75 + 5 + 1.75 = 428.50; C1's 390.00 moves to Sf (38.50 due);
//     B101: 4610.00 + 428.50 − 5000 = 38.50
//   void Sb (admin) → C2's 1542.23 moves to Se: Se paid 2000.00, due 1689.00; B102: 3689.00 − 2000 = 1689.00
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedForeignKeys, validateLedger } from '../../src/ops/validation/validate.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';
import { createFarmer, createStaff, lastOutboxId, outboxSince, send, setSetting, setTestRates } from '../chat/helpers.js';
import { buyerBalance, createBuyer, liveAllocations } from './helpers.js';

let t: TestDatabase;
let dataDir: string;
const ADMIN = '+919876543210';
const STAFF = '+919800000011';
const STAFF_TA = '+919800000012';
const at = (hhmm: string, date = '2030-03-02') => new Date(`${date}T${hhmm}:00+05:30`);
let b1: Awaited<ReturnType<typeof createBuyer>>;
let b2: Awaited<ReturnType<typeof createBuyer>>;
let b3: Awaited<ReturnType<typeof createBuyer>>;

beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'malar-buyers-'));
  await setTestRates(t);
  await createStaff(t, STAFF);
  await createStaff(t, STAFF_TA, 'staff', 'ta');
  await setSetting(t, 'buyer_charge_per_sale', '5.00');
  await setSetting(t, 'buyer_charge_per_unit', '0.50');
  await sql(
    t.db,
    `insert into sale_rates (flower_type_id, rate_date, rate_per_unit) select id, '2030-03-02', 460.00 from flower_types where code = 'FLW002'`,
  );
  b1 = await createBuyer(t, 'B101', '+919811100001', { creditLimit: '10000.00', name: 'Selvi Garlands' });
  b2 = await createBuyer(t, 'B102', '+919811100002', { creditLimit: '5000.00', name: 'Temple Suppliers' });
  b3 = await createBuyer(t, 'B103', '+919811100003', { language: 'en', name: 'Chennai Exports' });
});
afterAll(async () => {
  await t?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const say = async (from: string, text: string, time: string, date?: string) => {
  const before = await lastOutboxId(t);
  await send(t, from, text, { receivedAt: at(time, date) }, { config: { ...t.config, dataDir } });
  const out = await outboxSince(t, before);
  return { reply: out.find((n) => n.recipient_phone === from && n.type === 'reply')?.text ?? '', out };
};
const saleNo = async (buyerId: string, n: number) =>
  (await sql<{ no: string }>(t.db, `select sale_no::text as no from sales where buyer_id = ? order by sale_no offset ? limit 1`, [buyerId, n]))[0]!
    .no;

describe('a morning of sales and collections by chat', () => {
  it('records, refuses, overrides, collects oldest first, fixes and voids, with receipts and balances worked out by hand', async () => {
    const farmer = await createFarmer(t);
    // The day's stock: 30 kg of jasmine came in.
    await say(STAFF, `${farmer.code} malli 30`, '06:05');

    // Tamil staff, two lines: jasmine at the day's sale rate, rose at a given rate.
    let r = await say(STAFF_TA, 'விற்பனை B101 மல்லி 10\nவிற்பனை b102 rose 8.5 @180.35', '06:10');
    const sa = await saleNo(b1.id, 0);
    const sb = await saleNo(b2.id, 0);
    expect(r.reply).toBe(
      [
        `1. ✓ S${sa} B101 மல்லிகை 10 கிலோ × ₹460.00 = ₹4,610.00 (கட்டணம் ₹10.00 சேர்த்து) · தர வேண்டியது ₹4,610.00`,
        `2. ✓ S${sb} B102 ரோஜா 8.5 கிலோ × ₹180.35 = ₹1,542.23 (கட்டணம் ₹9.25 சேர்த்து) · தர வேண்டியது ₹1,542.23`,
      ].join('\n'),
    );
    const receipt1 = r.out.find((n) => n.recipient_phone === b1.phone)!;
    expect(receipt1.language).toBe('ta');
    expect(receipt1.text).toBe(
      [`மலர் பூ சந்தை — Selvi Garlands (B101)`, `S${sa} மல்லிகை 10 கிலோ × ₹460.00 = ₹4,610.00 (கட்டணம் ₹10.00 சேர்த்து)`, 'தர வேண்டிய தொகை: ₹4,610.00'].join(
        '\n',
      ),
    );

    // English staff, two buyers in one message: one receipt each, in each buyer's language.
    r = await say(STAFF, 'sale B103 marigold 25.5 @60.40\nsale B101 rose 3.333 @120.50', '06:20');
    const sc = await saleNo(b3.id, 0);
    const sd = await saleNo(b1.id, 1);
    expect(r.reply).toContain(`1. ✓ S${sc} B103 Marigold 25.5 kg × ₹60.40 = ₹1,557.95 (incl. charges ₹17.75) · owes ₹1,557.95`);
    expect(r.reply).toContain(`2. ✓ S${sd} B101 Rose 3.333 kg × ₹120.50 = ₹408.30 (incl. charges ₹6.67) · owes ₹5,018.30`);
    expect(r.out.find((n) => n.recipient_phone === b3.phone)!.text).toContain('Owes: ₹1,557.95');
    expect(r.out.find((n) => n.recipient_phone === b1.phone)!.text).toContain('தர வேண்டிய தொகை: ₹5,018.30');

    // Past B102's limit: refused with the figures; staff cannot override; the admin can.
    r = await say(STAFF, 'sale B102 malli 8', '06:30');
    expect(r.reply).toBe(
      '✗ B102 would go past the credit limit ₹5,000.00: owes ₹1,542.23 + this sale ₹3,689.00 = ₹5,231.23. Not saved. An admin can allow it with ! at the end of the line.',
    );
    r = await say(STAFF, 'sale B102 malli 8 !', '06:31');
    expect(r.reply).toBe('✗ Only an admin can go past a credit limit (!).');
    expect(await buyerBalance(t, b2.id)).toBe('1542.23');
    r = await say(ADMIN, 'sale B102 malli 8 !', '06:35');
    const se = await saleNo(b2.id, 1);
    expect(r.reply).toBe(`✓ S${se} B102 Jasmine 8 kg × ₹460.00 = ₹3,689.00 (incl. charges ₹9.00) · owes ₹5,231.23`);
    expect((await sql<{ o: boolean }>(t.db, `select credit_override as o from sales where sale_no = ?`, [se]))[0]!.o).toBe(true);

    // Collections: one pays a sale and part of the next, one over-pays.
    r = await say(STAFF, 'coll B101 5000 cash', '07:00');
    expect(r.reply).toMatch(
      new RegExp(
        `^✓ C\\d+ B101 paid ₹5,000.00 \\(cash\\)\\nApplied to: S${sa} ₹4,610.00 \\(paid in full\\), S${sd} ₹390.00 \\(₹18.30 still due\\)\\nB101: owes ₹18.30$`,
      ),
    );
    expect(r.out.find((n) => n.recipient_phone === b1.phone)!.text).toMatch(/ரொக்கம்\), நன்றி\nதர வேண்டிய தொகை: ₹18.30$/);
    r = await say(STAFF_TA, 'வசூல் B102 2000 upi 4471XX', '07:05');
    expect(r.reply).toContain(`S${sb} ₹1,542.23 (முழுதும் தீர்ந்தது), S${se} ₹457.77 (இன்னும் ₹3,231.23 பாக்கி)`);
    r = await say(STAFF, 'coll B103 1600 bank NEFT998', '07:06');
    expect(r.reply).toContain("₹42.05 more than was due: kept as the buyer's credit.");
    expect(r.reply).toContain('B103: in credit ₹42.05');
    expect(r.out.find((n) => n.recipient_phone === b3.phone)!.text).toContain('₹42.05 more than was due is kept as your credit');
    expect(await buyerBalance(t, b3.id)).toBe('-42.05');
    expect((await sql(t.db, `select reference from collections where buyer_id = ?`, [b2.id]))[0]).toEqual({ reference: '4471XX' });

    // Staff cannot fix a sale after the edit window; the admin fixes and voids.
    r = await say(STAFF, `fix S${sd} 3.5`, '07:10');
    expect(r.reply).toBe(`✗ Sale S${sd} is older than 15 minutes. Only an admin can change it now.`);
    r = await say(ADMIN, `fix S${sd} 3.5`, '07:11');
    const sf = await saleNo(b1.id, 2);
    expect(r.reply).toBe(`✓ S${sd} fixed: now S${sf} Rose 3.5 kg × ₹120.50 = ₹428.50 (incl. charges ₹6.75) · B101: owes ₹38.50`);
    r = await say(ADMIN, `void S${sb} duplicate`, '07:12');
    expect(r.reply).toBe(`✓ Sale S${sb} (B102 Rose 8.5 kg, ₹1,542.23) is void. B102: owes ₹1,689.00`);
    expect(r.out.find((n) => n.recipient_phone === b2.phone)!.text).toContain(`S${sb} ரோஜா 8.5 கிலோ ரத்து செய்யப்பட்டது (₹1,542.23 கழிக்கப்பட்டது)`);

    expect(await buyerBalance(t, b1.id)).toBe('38.50');
    expect(await buyerBalance(t, b2.id)).toBe('1689.00');
    const [c1, c2, c3] = (
      await sql<{ no: string }>(t.db, `select collection_no::text as no from collections where buyer_id in (?, ?, ?) order by collection_no`, [
        b1.id,
        b2.id,
        b3.id,
      ])
    ).map((x) => x.no);
    expect(await liveAllocations(t, b1.id)).toEqual([`C${c1} S${sa} 4610.00`, `C${c1} S${sf} 390.00`]);
    expect(await liveAllocations(t, b2.id)).toEqual([`C${c2} S${se} 2000.00`]);
    expect(await liveAllocations(t, b3.id)).toEqual([`C${c3} S${sc} 1557.95`]);
    const released = await sql(
      t.db,
      `select s.sale_no::text as sale, a.amount::text from collection_allocations a join sales s on s.id = a.sale_id
        where a.released_at is not null and s.buyer_id in (?, ?) order by s.sale_no`,
      [b1.id, b2.id],
    );
    expect(released).toEqual(
      [
        { sale: sb, amount: '1542.23' },
        { sale: sd, amount: '390.00' },
      ].sort((x, y) => Number(x.sale) - Number(y.sale)),
    );

    // Every sale, collection, void and fix left an audit row.
    const audit = await sql<{ action: string; n: number }>(
      t.db,
      `select action, count(*)::int as n from security_logs
        where (action like 'sale.%' or action like 'collection.%') and details->>'buyer' in ('B101', 'B102', 'B103') group by 1 order by 1`,
    );
    expect(audit).toEqual([
      { action: 'collection.create', n: 3 },
      { action: 'sale.create', n: 5 },
      { action: 'sale.fix', n: 1 },
      { action: 'sale.void', n: 1 },
    ]);

    // today for staff: the day's stock. Jasmine 30 in, 10 + 8 sold; rose 3.5 sold (Sb and Sd void); marigold 25.5.
    r = await say(STAFF, 'today', '07:20');
    expect(r.reply).toContain('Stock (received / sold / unsold):\nJasmine: 30 / 18 / 12 kg\nMarigold: 0 / 25.5 / -25.5 kg\nRose: 0 / 3.5 / -3.5 kg');

    // The buyer asks, in Tamil: balance, bill (text and PDF), statement (PDF).
    r = await say(b1.phone!, 'இருப்பு', '07:30');
    expect(r.reply).toMatch(
      new RegExp(
        `^Selvi Garlands \\(B101\\)\\nதர வேண்டிய தொகை: ₹38.50\\nபழைய பாக்கி: .+ அன்று S${sf} \\(₹38.50 பாக்கி\\) · செலுத்தாத விற்பனைகள் 1\\nகடன் வரம்பு: ₹10,000.00$`,
      ),
    );
    r = await say(b1.phone!, 'பில்', '07:31');
    expect(r.reply).toContain(`S${sa} மல்லிகை 10 கிலோ × ₹460.00 = ₹4,610.00 (கட்டணம் ₹10.00 சேர்த்து) (செலுத்தப்பட்டது)`);
    expect(r.reply).toContain(`S${sf} ரோஜா 3.5 கிலோ × ₹120.50 = ₹428.50 (கட்டணம் ₹6.75 சேர்த்து) (பாக்கி ₹38.50)`);
    expect(r.reply).toContain('இன்றைய மொத்தம்: ₹5,038.50');
    const bill = r.out.find((n) => n.type === 'buyer_bill')!;
    expect(bill.recipient_phone).toBe(b1.phone);
    const billPdf = await pdfText(bill.id);
    expect(billPdf).toContain('பில்');
    expect(billPdf).toContain('Bill');
    expect(billPdf).toMatch(new RegExp(`S${sa}\\s+02-03-2030\\s+மல்லிகை\\s+10 கிலோ\\s+₹460.00\\s+₹4,610.00\\s+₹0.00`));
    expect(billPdf).toMatch(new RegExp(`S${sf}\\s+02-03-2030\\s+ரோஜா\\s+3.5 கிலோ\\s+₹120.50\\s+₹428.50\\s+₹38.50`));
    expect(billPdf).toMatch(/02-03-2030 அன்று நீங்கள் தர வேண்டியது\s+₹38.50/);
    r = await say(b1.phone!, 'அறிக்கை', '07:32');
    expect(r.reply).toBe('01-03-2030 – 02-03-2030 கணக்கு அறிக்கை (Selvi Garlands (B101)) PDF ஆக அனுப்பப்படுகிறது.');
    const stmt = await pdfText(r.out.find((n) => n.type === 'buyer_statement')!.id);
    expect(stmt).toContain('கணக்கு அறிக்கை');
    expect(stmt).toMatch(/இந்த மாதத்துக்கு முன் பாக்கி\s+₹0.00/);
    expect(stmt).toMatch(new RegExp(`C${c1}\\s+02-03-2030\\s+ரொக்கம்\\s+₹5,000.00`));
    expect(stmt).toMatch(/மொத்தம்\s+₹5,038.50/);

    // A buyer sees only their own figures, and cannot record.
    r = await say(b1.phone!, 'bal B102', '07:33');
    expect(r.reply).toBe('✗ உங்கள் சொந்தக் கணக்கை மட்டுமே பார்க்க முடியும்.');
    r = await say(b1.phone!, 'sale B101 malli 1 @1', '07:34');
    expect(r.reply).toBe('✗ இதை அலுவலகப் பணியாளர்கள் மட்டுமே செய்ய முடியும்.');
    const refused = await sql(
      t.db,
      `select details->>'code' as code from security_logs where action = 'chat.refused' and actor_phone = ? order by id`,
      [b1.phone],
    );
    expect(refused).toEqual([{ code: 'OWN_FIGURES_ONLY' }, { code: 'STAFF_ONLY' }]);

    // The book is consistent: db:validate finds nothing.
    const report = await validateLedger((q, p = []) => t.db.orm.em.fork().execute(q, p), expectedForeignKeys(t.db.orm));
    expect(report.checks.filter((c) => c.count > 0).map((c) => c.id)).toEqual([]);
  });

  it('gives a phone that is a farmer and a buyer both command sets, and bal shows both', async () => {
    const phone = '+919811100009';
    const buyer = await createBuyer(t, 'B109', phone, { language: 'en', name: 'Dual Role' });
    const farmer = await createFarmer(t, { language: 'en' });
    await sql(t.db, `update farmers set phone = ?, whatsapp_number = ? where id = ?`, [phone, phone, farmer.id]);
    // Another market day, so the first test's day is its own.
    await say(STAFF, `sale B109 rose 2 @100`, '08:00', '2030-03-03');
    // 2 × 100 = 200.00 + 5 + 1.00 = 206.00.
    const r = await say(phone, 'bal', '08:05', '2030-03-03');
    expect(r.reply).toBe(
      `Farmer ${farmer.code.slice(3)} (${farmer.code})\nBalance: ₹0.00\nAdvances taken: ₹0.00 · Settled and paid: ₹0.00\n\nAs a buyer:\nDual Role (B109)\nOwes: ₹206.00\n${r.reply.split('\n').at(-1)}`,
    );
    expect(r.reply.split('\n').at(-1)).toMatch(/^Oldest unpaid: S\d+ of .+ \(₹206.00 due\) · 1 sale\(s\) unpaid$/);
    const help = await say(phone, 'help', '08:06', '2030-03-03');
    expect(help.reply).toContain('• bal — your balance');
    expect(help.reply).toContain('• bill — today');
    void buyer;
  });
});

async function pdfText(notificationId: string): Promise<string> {
  const [row] = await sql<{ p: string }>(t.db, `select payload->>'documentPath' as p from notifications where id = ?`, [notificationId]);
  return execFileSync('pdftotext', ['-layout', path.join(dataDir, row!.p), '-'], { encoding: 'utf8' });
}
