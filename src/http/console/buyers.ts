// Buyers: a searchable list with what each owes, and a buyer's page with their ledger (running balance) and what
// is still due per sale — the same domain queries as /api/buyers. Admins and staff read, as the API allows.
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { buyerLedger, openSales } from '../../domain/buyers/buyer.queries.js';
import { buyerView, getBuyer, listBuyers } from '../../domain/buyers/buyer.service.js';
import { emFor } from '../request.js';
import type { AppEnv } from '../types.js';
import { money, pageFor, shell, tFor } from './layout.js';

export function buyersPage(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', pageFor('admin', 'staff'));

  app.get('/', async (c) => {
    const t = tFor(c);
    const q = (c.req.query('q') ?? '').trim().slice(0, 100);
    const needle = q.toLowerCase();
    const digits = q.replace(/\D/g, '');
    const all = await listBuyers(emFor(deps), {});
    // The book has tens of buyers, not thousands: the search filters the API's own list.
    const rows = needle
      ? all.filter(
          (b) =>
            b.buyerCode.toLowerCase().includes(needle) ||
            b.name.toLowerCase().includes(needle) ||
            (b.village ?? '').toLowerCase().includes(needle) ||
            (digits.length >= 3 && (b.phone ?? '').includes(digits)),
        )
      : all;
    const body = html`<h1>${t('console.nav.buyers')}</h1>
      <form method="get" class="row" role="search">
        <label>${t('consoleBuyers.search')} <input type="search" name="q" value="${q}" /></label>
        <button type="submit">${t('console.show')}</button>
      </form>
      <p class="muted">${t('consoleBuyers.count', { count: rows.length })}</p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>${t('consoleBuyers.code')}</th>
              <th>${t('consoleBuyers.name')}</th>
              <th>${t('consoleBuyers.phone')}</th>
              <th class="num">${t('consoleBuyers.creditLimit')}</th>
              <th class="num">${t('consoleBuyers.owes')}</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (b) =>
                html`<tr ${b.isActive ? '' : html`class="muted"`}>
                  <td><a href="/admin/buyers/${b.buyerCode}">${b.buyerCode}</a></td>
                  <td>${b.name}${b.isActive ? '' : html`<small>${t('consoleBuyers.inactive')}</small>`}</td>
                  <td>${b.phone ?? ''}</td>
                  <td class="num">${b.creditLimit == null ? t('consoleBuyers.noLimit') : money(b.creditLimit)}</td>
                  <td class="num">${money(b.currentBalance)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`;
    return c.html(shell({ c, title: t('console.nav.buyers'), active: 'buyers', body }));
  });

  app.get('/:id', async (c) => {
    const t = tFor(c);
    const em = emFor(deps);
    const buyer = await getBuyer(em, c.req.param('id').slice(0, 40));
    const b = buyerView(buyer);
    const lines = await buyerLedger(em, buyer.id);
    const open = await openSales(em, buyer.id);
    const body = html`<h1>${b.buyerCode} · ${b.name}</h1>
      <div class="cards">
        <div class="card">${t('consoleBuyers.owes')}<b>${money(b.currentBalance)}</b></div>
        <div class="card">${t('consoleBuyers.creditLimit')}<b>${b.creditLimit == null ? t('consoleBuyers.noLimit') : money(b.creditLimit)}</b></div>
      </div>
      <p>${b.village ?? ''} · ${b.phone ?? ''}</p>
      <h2>${t('consoleBuyers.openSales')}</h2>
      ${
        open.length
          ? html`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>${t('consoleBuyers.sale')}</th>
                    <th>${t('console.date')}</th>
                    <th class="num">${t('consoleBuyers.total')}</th>
                    <th class="num">${t('consoleBuyers.paid')}</th>
                    <th class="num">${t('consoleBuyers.due')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${open.map(
                    (s) =>
                      html`<tr data-sale="S${s.saleNo}">
                        <td>S${s.saleNo}</td>
                        <td>${s.date}</td>
                        <td class="num">${money(s.totalAmount)}</td>
                        <td class="num">${money(s.paid)}</td>
                        <td class="num">${money(s.due)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<p>${t('consoleBuyers.nothingDue')}</p>`
      }
      <h2>${t('consoleBuyers.ledger')}</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>${t('console.date')}</th>
              <th>${t('consoleBuyers.ref')}</th>
              <th>${t('consoleBuyers.description')}</th>
              <th class="num">${t('consoleBuyers.debit')}</th>
              <th class="num">${t('consoleBuyers.credit')}</th>
              <th class="num">${t('consoleBuyers.balance')}</th>
            </tr>
          </thead>
          <tbody>
            ${lines.map(
              (l) =>
                html`<tr data-ref="${l.ref}">
                  <td>${l.date}</td>
                  <td>${l.ref}</td>
                  <td>${l.description}</td>
                  <td class="num">${l.kind === 'sale' ? money(l.debit) : ''}</td>
                  <td class="num">${l.kind === 'collection' ? money(l.credit) : ''}</td>
                  <td class="num">${money(l.balance)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`;
    return c.html(shell({ c, title: b.buyerCode, active: 'buyers', body }));
  });
  return app;
}
