// Receivables (admin, as /api/reports): each buyer's unpaid sales by age on a date with totals and the CSV of the
// API, and the collection register of a chosen day. The same domain queries as the API; words only here.
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { collectionRegister, receivables } from '../../domain/buyers/buyer.queries.js';
import { localDate } from '../../domain/market-time.js';
import { sum } from '../../domain/money.js';
import { emFor } from '../request.js';
import type { AppEnv } from '../types.js';
import { isoDate, marketStamp, money, pageFor, shell, tFor } from './layout.js';

const BUCKETS = ['d0_7', 'd8_15', 'd16_30', 'd30plus', 'outstanding'] as const;

export function receivablesPage(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', pageFor('admin'));
  const timeZone = deps.config.marketTimeZone;

  app.get('/', async (c) => {
    const t = tFor(c);
    const today = localDate(new Date(), timeZone);
    const pick = (k: string) => {
      const v = c.req.query(k) ?? '';
      return isoDate.test(v) ? v : today;
    };
    const asOf = pick('asOf');
    const day = pick('date');
    const em = emFor(deps);
    const rows = await receivables(em, asOf);
    const register = await collectionRegister(em, day);
    const totals = Object.fromEntries(BUCKETS.map((k) => [k, sum(rows.map((r) => r[k]))])) as Record<(typeof BUCKETS)[number], string>;
    const body = html`<h1>${t('console.nav.receivables')}</h1>
      <form method="get" class="row">
        <label>${t('consoleBuyers.asOf')} <input type="date" name="asOf" value="${asOf}" /></label>
        <label>${t('consoleBuyers.registerDate')} <input type="date" name="date" value="${day}" /></label>
        <button type="submit">${t('console.show')}</button>
      </form>
      <h2>${t('consoleBuyers.ageing', { date: asOf })}</h2>
      <p><a href="/api/reports/receivables?asOf=${asOf}&amp;format=csv">${t('consoleBuyers.csv')}</a></p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>${t('consoleBuyers.code')}</th>
              <th>${t('consoleBuyers.name')}</th>
              <th class="num">0–7</th>
              <th class="num">8–15</th>
              <th class="num">16–30</th>
              <th class="num">30+</th>
              <th class="num">${t('consoleBuyers.outstanding')}</th>
              <th class="num">${t('consoleBuyers.unapplied')}</th>
              <th>${t('consoleBuyers.oldest')}</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (r) =>
                html`<tr data-buyer="${r.buyerCode}">
                  <td><a href="/admin/buyers/${r.buyerCode}">${r.buyerCode}</a></td>
                  <td>${r.name}</td>
                  ${BUCKETS.map((k) => html`<td class="num">${money(r[k])}</td>`)}
                  <td class="num">${money(r.credit)}</td>
                  <td>${r.oldestDueDate ?? ''}</td>
                </tr>`,
            )}
          </tbody>
          <tfoot>
            <tr data-buyer="total">
              <th colspan="2">${t('consoleBuyers.totals')}</th>
              ${BUCKETS.map((k) => html`<th class="num">${money(totals[k])}</th>`)}
              <th></th>
              <th></th>
            </tr>
          </tfoot>
        </table>
      </div>
      <h2>${t('consoleBuyers.register', { date: day })}</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>${t('console.time')}</th>
              <th>${t('consoleBuyers.buyer')}</th>
              <th class="num">${t('console.amount')}</th>
              <th>${t('consoleBuyers.mode')}</th>
              <th>${t('consoleBuyers.reference')}</th>
              <th>${t('console.by')}</th>
            </tr>
          </thead>
          <tbody>
            ${register.collections.map(
              (r) =>
                html`<tr data-collection="C${r.collectionNo}">
                  <td>C${r.collectionNo}</td>
                  <td>${marketStamp(r.at, timeZone)}</td>
                  <td>${r.buyerCode} <small>${r.buyerName}</small></td>
                  <td class="num">${money(r.amount)}</td>
                  <td>${t(`consoleBuyers.modes.${r.mode}`)}</td>
                  <td>${r.reference ?? ''}</td>
                  <td>${r.recordedBy ?? ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <div class="cards" data-register-totals>
        ${(['cash', 'upi', 'bank'] as const).map(
          (m) => html`<div class="card">${t(`consoleBuyers.modes.${m}`)}<b>${money(register.totals[m])}</b></div>`,
        )}
        <div class="card">${t('consoleBuyers.totals')}<b>${money(register.totals.all)}</b></div>
      </div>`;
    return c.html(shell({ c, title: t('console.nav.receivables'), active: 'receivables', body }));
  });
  return app;
}
