// Farmers: a searchable list with balances; a farmer's page with entries, advances and settlements (with their PDF
// statements), and for admins a form for details and commission. Staff read; admins change (as the API allows).
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { LANGUAGES, type Language } from '../../domain/columns.js';
import { listAdjustments } from '../../domain/adjustments/adjustments.service.js';
import { listAdvances } from '../../domain/advances/advances.service.js';
import { adjustAndTell, signedMoney } from '../../chat/corrections.js';
import { listEntries } from '../../domain/entries/entry.queries.js';
import { getFarmer, searchFarmers } from '../../domain/farmers/farmer.service.js';
import { createFarmer, updateFarmer } from '../../domain/farmers/farmer.service.js';
import { listSettlements } from '../../domain/settlements/settlement.queries.js';
import { AppError } from '../../errors.js';
import { Percent } from '../api/router.js';
import { actorOf, emFor, officeActor } from '../request.js';
import type { AppEnv } from '../types.js';
import { attempt, marketStamp, money, notes, pageFor, shell, tFor, UUID, pageLanguage } from './layout.js';

const notFound = () => new AppError('FARMER_NOT_FOUND', 'No such farmer', 404);

export function farmersPage(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', pageFor('admin', 'staff'));

  app.get('/', async (c) => {
    const t = tFor(c);
    const q = (c.req.query('q') ?? '').slice(0, 100);
    const page = await searchFarmers(emFor(deps), { q, page: 1, pageSize: 100 });
    const body = html`<h1>${t('console.nav.farmers')}</h1>
      <form method="get" class="row" role="search">
        <label>${t('console.farmers.search')} <input type="search" name="q" value="${q}" /></label>
        <button type="submit">${t('console.show')}</button>
      </form>
      ${notes(c)}
      <p class="muted">${t('console.farmers.count', { count: page.total })}</p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>${t('console.farmers.code')}</th>
              <th>${t('console.farmers.name')}</th>
              <th>${t('console.farmers.village')}</th>
              <th>${t('console.farmers.phone')}</th>
              <th class="num">${t('console.farmers.balance')}</th>
              <th class="num">${t('console.farmers.advances')}</th>
            </tr>
          </thead>
          <tbody>
            ${page.items.map(
              (f) =>
                html`<tr ${f.isActive ? '' : html`class="muted"`}>
                  <td><a href="/admin/farmers/${f.id}">${f.farmerCode}</a></td>
                  <td>${f.name}${f.isActive ? '' : html`<small>${t('console.farmers.inactive')}</small>`}</td>
                  <td>${f.village ?? ''}</td>
                  <td>${f.whatsappNumber ?? f.phone ?? ''}</td>
                  <td class="num">${money(f.currentBalance)}</td>
                  <td class="num">${money(f.totalAdvances)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`;
    const add =
      c.get('user')!.role === 'admin'
        ? html`<h2>${t('console.farmers.add')}</h2>
            <form method="post" action="/admin/farmers" class="row">
              <label>${t('console.farmers.name')} <input name="name" required maxlength="255" /></label>
              <label>${t('console.farmers.village')} <input name="village" maxlength="255" /></label>
              <label>${t('console.farmers.phone')} <input name="phone" inputmode="tel" /></label>
              <label
                >${t('console.farmers.language')}
                <select name="languagePreference">
                  ${LANGUAGES.map((l) => html`<option value="${l}" ${l === 'ta' ? 'selected' : ''}>${t(`console.languages.${l}`)}</option>`)}
                </select></label
              >
              <button type="submit">${t('console.farmers.add')}</button>
            </form>`
        : '';
    return c.html(shell({ c, title: t('console.nav.farmers'), active: 'farmers', body: html`${body}${add}` }));
  });

  app.post('/', pageFor('admin'), async (c) => {
    const form = await c.req.parseBody();
    const text = (k: string) => String(form[k] ?? '').trim();
    return attempt(c, '/admin/farmers', async () => {
      if (!text('name')) throw new AppError('NAME_REQUIRED', 'A farmer needs a name', 422);
      const lang = text('languagePreference');
      const f = await createFarmer(
        emFor(deps),
        {
          name: text('name'),
          village: text('village') || null,
          phone: text('phone') || null,
          languagePreference: (LANGUAGES as readonly string[]).includes(lang) ? (lang as Language) : undefined,
        },
        actorOf(c, deps),
      );
      return `${f.farmerCode} ${f.name}`;
    });
  });

  app.get('/:id', async (c) => {
    const t = tFor(c);
    const id = c.req.param('id');
    if (!UUID.test(id)) throw notFound();
    const em = emFor(deps);
    const f = await getFarmer(em, id);
    const admin = c.get('user')!.role === 'admin';
    const entries = await listEntries(em, { farmerId: id, page: 1, pageSize: 50 });
    const advances = admin ? await listAdvances(em, { farmerId: id, page: 1, pageSize: 50, timeZone: deps.config.marketTimeZone }) : null;
    const settlements = admin ? await listSettlements(em, { farmerId: id, page: 1, pageSize: 50 }) : null;
    const adjustments = await listAdjustments(em, id, { page: 1, pageSize: 50 });
    const field = (name: string, label: string, value: string | null, attrs = '') =>
      html`<label>${label} <input name="${name}" value="${value ?? ''}" ${attrs} /></label>`;
    const body = html`<h1>${f.farmerCode} · ${f.name}</h1>
      ${notes(c)}
      <div class="cards">
        <div class="card">${t('console.farmers.balance')}<b>${money(f.currentBalance)}</b></div>
        <div class="card">${t('console.farmers.advances')}<b>${money(f.totalAdvances)}</b></div>
        <div class="card">${t('console.farmers.settled')}<b>${money(f.totalSettlements)}</b></div>
        <div class="card">${t('console.farmers.commission')}<b>${f.commissionRate ? `${f.commissionRate}%` : t('console.farmers.default')}</b></div>
      </div>
      ${
        admin
          ? html`<h2>${t('console.farmers.details')}</h2>
              <form method="post" action="/admin/farmers/${f.id}" class="row">
                ${field('name', t('console.farmers.name'), f.name, 'required maxlength="255"')}
                ${field('village', t('console.farmers.village'), f.village)} ${field('phone', t('console.farmers.phone'), f.phone, 'inputmode="tel"')}
                ${field('whatsappNumber', t('console.farmers.whatsapp'), f.whatsappNumber, 'inputmode="tel"')}
                ${field('commissionRate', t('console.farmers.commissionPct'), f.commissionRate, 'inputmode="decimal" size="6"')}
                <label
                  >${t('console.farmers.language')}
                  <select name="languagePreference">
                    ${LANGUAGES.map((l) => html`<option value="${l}" ${l === f.languagePreference ? 'selected' : ''}>${t(`console.languages.${l}`)}</option>`)}
                  </select></label
                >
                <label class="check"
                  ><input type="checkbox" name="isActive" value="1" ${f.isActive ? 'checked' : ''} /> ${t('console.farmers.active')}</label
                >
                <button type="submit">${t('console.save')}</button>
              </form>`
          : html`<p>${f.village ?? ''} · ${f.whatsappNumber ?? f.phone ?? ''}</p>`
      }
      ${
        settlements
          ? html`<h2>${t('console.nav.settlements')}</h2>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>${t('console.settlements.number')}</th>
                      <th>${t('console.settlements.period')}</th>
                      <th class="num">${t('console.settlements.net')}</th>
                      <th>${t('console.status')}</th>
                      <th>PDF</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${settlements.items.map(
                      (s) =>
                        html`<tr>
                          <td>${s.settlementNumber}</td>
                          <td>${s.periodStart} – ${s.periodEnd}</td>
                          <td class="num">${money(s.netPayable)}</td>
                          <td>
                            ${t(`console.settlements.status.${s.status}`)}${s.paymentReference ? html`<small>${s.paymentReference}</small>` : ''}
                          </td>
                          <td><a href="/admin/settlements/${s.id}/statement.pdf">${t('console.settlements.statement')}</a></td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
          : ''
      }
      <h2>${t('consoleBuyers.adjustments')}</h2>
      ${
        adjustments.items.length
          ? html`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>${t('consoleBuyers.adjustmentNo')}</th>
                    <th>${t('console.date')}</th>
                    <th class="num">${t('console.amount')}</th>
                    <th>${t('consoleBuyers.reason')}</th>
                    <th>${t('console.by')}</th>
                    <th>${t('consoleBuyers.settledIn')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${adjustments.items.map(
                    (a) =>
                      html`<tr data-adjustment="A${a.adjustmentNo}">
                        <td>A${a.adjustmentNo}</td>
                        <td>${marketStamp(a.createdAt, deps.config.marketTimeZone)}</td>
                        <td class="num">${signedMoney(a.amount)}</td>
                        <td>${a.reason}</td>
                        <td>${a.createdBy ?? ''}</td>
                        <td>${a.settlement?.number ?? ''}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<p>${t('consoleBuyers.noAdjustments')}</p>`
      }
      ${
        admin
          ? html`<h3>${t('consoleBuyers.addAdjustment')}</h3>
              <form method="post" action="/admin/farmers/${f.id}/adjustments" class="row">
                <label
                  >${t('consoleBuyers.signedAmount')} <input name="amount" required inputmode="decimal" size="10" placeholder="+150 / -200.50"
                /></label>
                <label>${t('consoleBuyers.reason')} <input name="reason" required maxlength="500" /></label>
                <button type="submit">${t('consoleBuyers.adjust')}</button>
              </form>`
          : ''
      }
      ${
        advances
          ? html`<h2>${t('console.nav.advances')}</h2>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>${t('console.date')}</th>
                      <th class="num">${t('console.amount')}</th>
                      <th>${t('console.status')}</th>
                      <th>${t('console.advances.reason')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${advances.items.map(
                      (a) =>
                        html`<tr>
                          <td>${a.createdAt.slice(0, 10)}</td>
                          <td class="num">${money(a.amount)}</td>
                          <td>${t(`console.advances.status.${a.status}`)}</td>
                          <td>${a.reason ?? ''}${a.rejectionReason ? html`<small>${a.rejectionReason}</small>` : ''}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
          : ''
      }
      <h2>${t('console.today.list')}</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>${t('console.date')}</th>
              <th>${t('console.flower')}</th>
              <th class="num">${t('console.quantity')}</th>
              <th class="num">${t('console.today.net')}</th>
              <th>${t('console.status')}</th>
            </tr>
          </thead>
          <tbody>
            ${entries.items.map(
              (e) =>
                html`<tr>
                  <td>#${e.entryNo}</td>
                  <td>${e.entryDate}</td>
                  <td>${pageLanguage(c) === 'ta' ? e.flower.nameTa : e.flower.name}</td>
                  <td class="num">${e.quantity} ${e.unit}</td>
                  <td class="num">${money(e.netAmount)}</td>
                  <td>${e.status === 'voided' ? t('console.today.voided') : e.settlementId ? t('console.today.settled') : ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`;
    return c.html(shell({ c, title: f.farmerCode, active: 'farmers', body }));
  });

  app.post('/:id/adjustments', pageFor('admin'), async (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) throw notFound();
    const form = await c.req.parseBody();
    return attempt(c, `/admin/farmers/${id}`, async () => {
      // A typed minus sign (−) is the same debit as a hyphen.
      const amount = String(form.amount ?? '')
        .trim()
        .replace(/^\u2212/, '-');
      const [fact] = await adjustAndTell(emFor(deps), officeActor(c, deps), [{ farmerId: id, amount, reason: String(form.reason ?? '') }]);
      return `A${fact!.adjustmentNo} ${signedMoney(fact!.amount)}`;
    });
  });

  app.post('/:id', pageFor('admin'), async (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) throw notFound();
    const form = await c.req.parseBody();
    const text = (k: string) => String(form[k] ?? '').trim();
    return attempt(c, `/admin/farmers/${id}`, async () => {
      if (!text('name')) throw new AppError('NAME_REQUIRED', 'A farmer needs a name', 422);
      const rate = text('commissionRate');
      let commissionRate: string | null = null;
      if (rate) {
        const parsed = Percent.safeParse(rate);
        if (!parsed.success)
          throw new AppError('INVALID_COMMISSION', `Commission “${rate}”: ${parsed.error.issues[0]?.message}`, 422, { value: rate });
        commissionRate = parsed.data;
      }
      const lang = text('languagePreference');
      await updateFarmer(
        emFor(deps),
        id,
        {
          name: text('name'),
          village: text('village') || null,
          phone: text('phone') || null,
          whatsappNumber: text('whatsappNumber') || null,
          commissionRate,
          languagePreference: (LANGUAGES as readonly string[]).includes(lang) ? (lang as Language) : undefined,
          isActive: form.isActive === '1',
        },
        actorOf(c, deps),
      );
      return undefined;
    });
  });
  return app;
}
