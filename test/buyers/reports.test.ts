// The admin's side over HTTP: buyers, sale rates, a buyer's ledger, the receivables ageing on a fixed date (JSON and
// CSV) and the day's collection register. Figures by hand; charges are 0 (the default).
//   B211 sales (date, amount): S1 04-10 100, S2 04-03 200, S3 04-02 300, S4 03-26 400, S5 03-25 500, S6 03-11 600,
//        S7 03-10 700, S8 04-11 800 (after asOf). Collection 1000 on 03-12 → S7 700 in full, S6 300 (300 due).
//        Ageing on 2030-04-10 (days since the sale): 0–7: S1 (0) + S2 (7) = 300.00; 8–15: S3 (8) + S4 (15) = 700.00;
//        16–30: S5 (16) + S6's 300 due (30) = 800.00; 30+: S7 paid = 0.00. Outstanding 1800.00; balance 3600 − 1000 = 2600.00.
//   B212 one sale 02-01 of 250.00: 68 days → 30+ 250.00.   B213 sale 100.00, collection 150 upi → credit 50.00.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { StaffActor } from '../../src/domain/audit/actor.js';
import { recordCollections } from '../../src/domain/buyers/collections.service.js';
import { recordSales } from '../../src/domain/buyers/record-sales.js';
import { body, createApiHarness, ADMIN, STAFF, type ApiHarness } from '../support/api.js';
import { sql } from '../support/sql.js';
import { createBuyer } from './helpers.js';

let h: ApiHarness;
let admin: string;
let staff: string;
const TZ = 'Asia/Kolkata';
const noon = (date: string) => new Date(`${date}T12:00:00+05:30`);

beforeAll(async () => {
  h = await createApiHarness();
  admin = await h.login(ADMIN);
  staff = await h.login(STAFF);
});
afterAll(async () => {
  await h?.close();
});

async function book(fn: (em: EntityManager, actor: StaffActor) => Promise<unknown>) {
  const [u] = await sql<{ id: string }>(h.t.db, `select id::text from users where email = 'admin@malar.com'`);
  const actor: StaffActor = { userId: u!.id, role: 'admin', channel: 'cli' };
  await h.t.db.orm.em.fork().transactional((em) => fn(em as EntityManager, actor));
}

describe('buyers, sale rates and reports over HTTP', () => {
  it('adds and changes buyers (admins only) and sets sale rates', async () => {
    let res = await h.call('POST', '/api/buyers', { token: staff, body: { name: 'Nope' } });
    expect(res.status).toBe(403);
    res = await h.call('POST', '/api/buyers', {
      token: admin,
      body: { buyerCode: 'b201', name: 'Ageing One', phone: '98111 00201', creditLimit: '5000' },
    });
    expect(res.status).toBe(201);
    const created = await body(res);
    expect(created).toMatchObject({
      buyerCode: 'B201',
      phone: '+919811100201',
      creditLimit: '5000.00',
      currentBalance: '0.00',
      languagePreference: 'ta',
    });
    res = await h.call('POST', '/api/buyers', { token: admin, body: { buyerCode: 'B201', name: 'Again' } });
    expect(res.status).toBe(409);
    res = await h.call('PATCH', '/api/buyers/B201', { token: admin, body: { creditLimit: null, languagePreference: 'en' } });
    expect(await body(res)).toMatchObject({ creditLimit: null, languagePreference: 'en' });
    res = await h.call('PATCH', `/api/buyers/${created.id}`, { token: admin, body: { creditLimit: '12.345' } });
    expect(res.status).toBe(422);
    for (const code of ['B202', 'B203'])
      expect((await h.call('POST', '/api/buyers', { token: admin, body: { buyerCode: code, name: `Ageing ${code}` } })).status).toBe(201);

    res = await h.call('PUT', '/api/sale-rates', { token: staff, body: { date: '2030-04-10', rates: [{ flower: 'FLW002', rate: '460' }] } });
    expect(res.status).toBe(403);
    res = await h.call('PUT', '/api/sale-rates', {
      token: admin,
      body: {
        date: '2030-04-10',
        rates: [
          { flower: 'FLW002', rate: '460' },
          { flower: 'rose', rate: 180.5 },
        ],
      },
    });
    expect(res.status).toBe(200);
    res = await h.call('GET', '/api/sale-rates?date=2030-04-10', { token: staff });
    expect((await body(res)).rates.map((r: { flower: string; rate: string }) => `${r.flower} ${r.rate}`)).toEqual(['FLW002 460.00', 'FLW001 180.50']);
  });

  it('ages receivables on a fixed date, in JSON and CSV, and lists the day’s collections', async () => {
    const ids: Record<string, string> = {};
    for (const code of ['B211', 'B212', 'B213']) ids[code] = (await createBuyer(h.t, code, null, { name: `Ageing ${code}` })).id;
    const [flower] = await sql<{ id: string }>(h.t.db, `select id::text from flower_types where code = 'FLW002'`);
    const jasmine = { id: flower!.id, code: 'FLW002', name: 'Jasmine', nameTa: 'மல்லிகை', unit: 'kg' as const };
    const sale = (buyer: string, date: string, rate: string) => ({
      buyer: { id: ids[buyer]!, code: buyer },
      flower: jasmine,
      quantity: '1',
      rate,
      at: noon(date),
      sourceMessageId: null,
      sourceLine: 0,
    });
    await book((em, actor) =>
      recordSales(
        em,
        actor,
        [
          sale('B211', '2030-04-10', '100'),
          sale('B211', '2030-04-03', '200'),
          sale('B211', '2030-04-02', '300'),
          sale('B211', '2030-03-26', '400'),
          sale('B211', '2030-03-25', '500'),
          sale('B211', '2030-03-11', '600'),
          sale('B211', '2030-03-10', '700'),
          sale('B211', '2030-04-11', '800'),
          sale('B212', '2030-02-01', '250'),
          sale('B213', '2030-03-12', '100'),
        ],
        { timeZone: TZ },
      ),
    );
    const coll = (buyer: string, amount: string, mode: 'cash' | 'upi', reference: string | null, time: string) => ({
      buyer: { id: ids[buyer]!, code: buyer },
      amount,
      mode,
      reference,
      at: new Date(`2030-03-12T${time}:00+05:30`),
      sourceMessageId: null,
      sourceLine: 0,
    });
    await book((em, actor) =>
      recordCollections(em, actor, [coll('B211', '1000', 'cash', null, '09:00'), coll('B213', '150', 'upi', 'UPI-77', '09:30')], { timeZone: TZ }),
    );

    let res = await h.call('GET', '/api/reports/receivables?asOf=2030-04-10', { token: staff });
    expect(res.status).toBe(403);
    res = await h.call('GET', '/api/reports/receivables?asOf=2030-04-10', { token: admin });
    const r = await body(res);
    const pick = (b: Record<string, string>) =>
      [b.buyerCode, b.d0_7, b.d8_15, b.d16_30, b.d30plus, b.outstanding, b.credit, b.balance, b.oldestDueDate].join(' ');
    expect(r.buyers.map(pick)).toEqual([
      'B211 300.00 700.00 800.00 0.00 1800.00 0.00 2600.00 2030-03-11',
      'B212 0.00 0.00 0.00 250.00 250.00 0.00 250.00 2030-02-01',
      'B213 0.00 0.00 0.00 0.00 0.00 50.00 -50.00 ',
    ]);
    expect(r.totals).toEqual({ d0_7: '300.00', d8_15: '700.00', d16_30: '800.00', d30plus: '250.00', outstanding: '2050.00' });

    res = await h.call('GET', '/api/reports/receivables?asOf=2030-04-10&format=csv', { token: admin });
    expect(res.headers.get('content-type')).toContain('text/csv');
    const csv = await res.text();
    expect(csv.split('\r\n').slice(0, 2)).toEqual([
      'buyerCode,name,d0_7,d8_15,d16_30,d30plus,outstanding,credit,balance,oldestDueDate',
      'B211,Ageing B211,300.00,700.00,800.00,0.00,1800.00,0.00,2600.00,2030-03-11',
    ]);

    res = await h.call('GET', '/api/reports/collections?date=2030-03-12', { token: admin });
    const reg = await body(res);
    expect(reg.collections.map((c: Record<string, string>) => `${c.buyerCode} ${c.amount} ${c.mode} ${c.reference}`)).toEqual([
      'B211 1000.00 cash null',
      'B213 150.00 upi UPI-77',
    ]);
    expect(reg.totals).toEqual({ cash: '1000.00', upi: '150.00', bank: '0.00', all: '1150.00' });

    res = await h.call('GET', '/api/buyers/B213/ledger', { token: staff });
    const ledger = await body(res);
    expect(ledger.lines.map((l: Record<string, string>) => `${l.kind} ${l.debit} ${l.credit} ${l.balance}`)).toEqual([
      // The collection (09:30) came before the sale (12:00) that day.
      'collection 0.00 150.00 -150.00',
      'sale 100.00 0.00 -50.00',
    ]);
    expect(ledger.buyer.currentBalance).toBe('-50.00');
    res = await h.call('GET', '/api/buyers/B211/ledger', { token: staff });
    const l201 = await body(res);
    expect(l201.openSales.map((s: Record<string, string>) => `${s.date} ${s.due}`)).toEqual([
      '2030-03-11 300.00',
      '2030-03-25 500.00',
      '2030-03-26 400.00',
      '2030-04-02 300.00',
      '2030-04-03 200.00',
      '2030-04-10 100.00',
      '2030-04-11 800.00',
    ]);
    expect(l201.lines.at(-1).balance).toBe('2600.00');
  });
});
