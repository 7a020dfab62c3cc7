import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, STAFF, body, createApiHarness, type ApiHarness } from '../support/api.js';
import { sql } from '../support/sql.js';

let h: ApiHarness;
let admin: string;
let staff: string;
let far1: string;

// Three lots worked out by hand (DESIGN's rules: total = qty × rate, commission = total × % / 100, net = total − commission − fee).
const ENTRIES = [
  // 12.5 kg jasmine at 450 = 5625.00; 5% = 281.25; net 5343.75. 00:15 UTC = 05:45 in Kolkata.
  {
    no: 101,
    farmer: 'FAR001',
    flower: 'FLW002',
    slot: 'Early Morning',
    date: '2026-11-20',
    time: '2026-11-20T00:15:00Z',
    qty: '12.500',
    unit: 'kg',
    rate: '450.00',
    total: '5625.00',
    pct: '5.00',
    comm: '281.25',
    fee: '0.00',
    net: '5343.75',
    by: 'staff1@malar.com',
  },
  // 200 lotus at 12 = 2400.00; 4.5% = 108.00; fee 10; net 2282.00.
  {
    no: 102,
    farmer: 'FAR002',
    flower: 'FLW004',
    slot: 'Morning Peak',
    date: '2026-11-21',
    time: '2026-11-21T01:00:00Z',
    qty: '200.000',
    unit: 'piece',
    rate: '12.00',
    total: '2400.00',
    pct: '4.50',
    comm: '108.00',
    fee: '10.00',
    net: '2282.00',
    by: 'admin@malar.com',
  },
  // 3.25 kg rose at 120 = 390.00; 5% = 19.50; net 370.50; voided, with a reason a spreadsheet must not run.
  {
    no: 103,
    farmer: 'FAR001',
    flower: 'FLW001',
    slot: 'Evening',
    date: '2026-11-21',
    time: '2026-11-21T09:30:00Z',
    qty: '3.250',
    unit: 'kg',
    rate: '120.00',
    total: '390.00',
    pct: '5.00',
    comm: '19.50',
    fee: '0.00',
    net: '370.50',
    by: 'staff1@malar.com',
    voided: '=HYPERLINK("x"), oops',
  },
];

beforeAll(async () => {
  h = await createApiHarness({ marketTimeZone: 'Asia/Kolkata' });
  admin = await h.login(ADMIN);
  staff = await h.login(STAFF);
  for (const e of ENTRIES) {
    await sql(
      h.t.db,
      `insert into daily_entries (id, entry_no, farmer_id, flower_type_id, time_slot_id, entry_date, entry_time, quantity, unit, rate_per_unit,
         total_amount, commission_rate, commission_amount, fee_amount, net_amount, recorded_by_id, source, status, voided_at, voided_by_id, void_reason)
       values (gen_random_uuid(), ?, (select id from farmers where farmer_code = ?), (select id from flower_types where code = ?),
         (select id from time_slots where name = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (select id from users where email = ?), 'whatsapp',
         ?, ?, ?, ?)`,
      [
        e.no,
        e.farmer,
        e.flower,
        e.slot,
        e.date,
        e.time,
        e.qty,
        e.unit,
        e.rate,
        e.total,
        e.pct,
        e.comm,
        e.fee,
        e.net,
        e.by,
        e.voided ? 'voided' : 'active',
        e.voided ? '2026-11-21T10:00:00Z' : null,
        e.voided ? (await sql<{ id: string }>(h.t.db, "select id from users where email = 'admin@malar.com'"))[0]!.id : null,
        e.voided ?? null,
      ],
    );
  }
  far1 = (await sql<{ id: string }>(h.t.db, "select id from farmers where farmer_code = 'FAR001'"))[0]!.id;
});
afterAll(() => h?.close());

const nos = (page: any) => page.items.map((e: any) => e.entryNo);

describe('GET /api/entries', () => {
  it('401 without a token; staff may read', async () => {
    expect((await h.call('GET', '/api/entries')).status).toBe(401);
    expect((await h.call('GET', '/api/entries', { token: staff })).status).toBe(200);
  });

  it('lists newest first with money as strings and totals of the active ones', async () => {
    const page = await body(await h.call('GET', '/api/entries', { token: admin }));
    expect(nos(page)).toEqual(['103', '102', '101']);
    expect(page.total).toBe(3);
    expect(page.totals).toEqual({ activeCount: 2, totalAmount: '8025.00', commissionAmount: '389.25', feeAmount: '10.00', netAmount: '7625.75' });
    expect(page.items[1]).toMatchObject({
      entryNo: '102',
      farmer: { code: 'FAR002', name: 'Kumar Raja' },
      flower: { code: 'FLW004', name: 'Lotus', nameTa: 'தாமரை' },
      slot: { name: 'Morning Peak' },
      quantity: '200.000',
      ratePerUnit: '12.00',
      totalAmount: '2400.00',
      commissionAmount: '108.00',
      feeAmount: '10.00',
      netAmount: '2282.00',
      status: 'active',
      recordedBy: 'admin@malar.com',
    });
  });

  it('filters by date range, farmer, flower, slot and status', async () => {
    const q = async (query: string) => nos(await body(await h.call('GET', `/api/entries?${query}`, { token: staff })));
    expect(await q('from=2026-11-21')).toEqual(['103', '102']);
    expect(await q('to=2026-11-20')).toEqual(['101']);
    expect(await q(`farmerId=${far1}`)).toEqual(['103', '101']);
    const [lotus] = await sql<{ id: string }>(h.t.db, "select id from flower_types where code = 'FLW004'");
    expect(await q(`flowerTypeId=${lotus!.id}`)).toEqual(['102']);
    const [evening] = await sql<{ id: string }>(h.t.db, "select id from time_slots where name = 'Evening'");
    expect(await q(`timeSlotId=${evening!.id}`)).toEqual(['103']);
    expect(await q('status=voided')).toEqual(['103']);
    expect(await q('from=2026-12-01')).toEqual([]);
  });

  it('paginates with bounds and refuses bad filters', async () => {
    const p2 = await body(await h.call('GET', '/api/entries?pageSize=2&page=2', { token: staff }));
    expect(nos(p2)).toEqual(['101']);
    expect(p2).toMatchObject({ page: 2, pageSize: 2, total: 3 });
    for (const q of ['pageSize=0', 'pageSize=201', 'page=0', 'farmerId=FAR001', 'from=21-11-2026', 'status=deleted']) {
      expect((await h.call('GET', `/api/entries?${q}`, { token: staff })).status, q).toBe(422);
    }
    const range = await h.call('GET', '/api/entries?from=2026-11-22&to=2026-11-21', { token: staff });
    expect((await body(range)).error.code).toBe('DATE_RANGE');
  });
});

describe('GET /api/entries/export.csv', () => {
  it('is the known set byte for byte, oldest first, times in market time, formula text defused', async () => {
    expect((await h.call('GET', '/api/entries/export.csv')).status).toBe(401);
    const res = await h.call('GET', '/api/entries/export.csv?from=2026-11-20&to=2026-11-21', { token: staff });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="entries_2026-11-20_2026-11-21.csv"');
    const expected =
      'entry_no,entry_date,entry_time,farmer_code,farmer_name,flower_code,flower,slot,quantity,unit,rate_per_unit,total_amount,commission_rate,commission_amount,fee_amount,net_amount,status,recorded_by,void_reason\r\n' +
      '101,2026-11-20,05:45:00,FAR001,Raj Kumar,FLW002,Jasmine,Early Morning,12.500,kg,450.00,5625.00,5.00,281.25,0.00,5343.75,active,staff1@malar.com,\r\n' +
      '102,2026-11-21,06:30:00,FAR002,Kumar Raja,FLW004,Lotus,Morning Peak,200.000,piece,12.00,2400.00,4.50,108.00,10.00,2282.00,active,admin@malar.com,\r\n' +
      `103,2026-11-21,15:00:00,FAR001,Raj Kumar,FLW001,Rose,Evening,3.250,kg,120.00,390.00,5.00,19.50,0.00,370.50,voided,staff1@malar.com,"'=HYPERLINK(""x""), oops"\r\n`;
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(expected, 'utf8'))).toBe(true);
  });

  it('an empty selection is just the header line', async () => {
    const res = await h.call('GET', '/api/entries/export.csv?from=2030-01-01', { token: admin });
    expect((await res.text()).split('\r\n')).toHaveLength(2);
  });
});
