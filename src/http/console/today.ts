// Today: the day's entries as they arrive (the list refreshes itself; without script, the Refresh link), totals by
// flower and slot, and voiding an entry with a reason (staff their own within the edit window, as the API allows).
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { voidOfficeEntryAndTell } from '../../chat/office-entries.js';
import { dayTotalsByFlowerAndSlot, listEntries } from '../../domain/entries/entry.queries.js';
import { localDate, localTime } from '../../domain/market-time.js';
import { emFor, officeActor } from '../request.js';
import type { AppEnv } from '../types.js';
import { AppError } from '../../errors.js';
import { attempt, isoDate, UUID, money, notes, pageFor, shell, tFor, pageLanguage } from './layout.js';

export function todayPage(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', pageFor('admin', 'staff'));
  const zone = deps.config.marketTimeZone;

  app.get('/', async (c) => {
    const t = tFor(c);
    const q = c.req.query('date');
    const date = q && isoDate.test(q) ? q : localDate(new Date(), zone);
    const em = emFor(deps);
    const list = await listEntries(em, { from: date, to: date, page: 1, pageSize: 200 });
    const totals = await dayTotalsByFlowerAndSlot(em, date);
    const ta = pageLanguage(c) === 'ta';
    const name = (x: { name: string; nameTa: string }) => (ta ? x.nameTa : x.name);
    const rows = list.items.map(
      (e) =>
        html`<tr ${e.status === 'voided' ? html`class="muted"` : ''}>
          <td class="num">#${e.entryNo}</td>
          <td>${localTime(new Date(e.entryTime), zone)}</td>
          <td><a href="/admin/farmers/${e.farmer.id}">${e.farmer.code}</a> <small>${e.farmer.name}</small></td>
          <td>${name(e.flower)}${e.slot ? html`<small>${name(e.slot)}</small>` : ''}</td>
          <td class="num">${e.quantity} ${e.unit}</td>
          <td class="num">${money(e.ratePerUnit)}</td>
          <td class="num">${money(e.totalAmount)}</td>
          <td class="num">${money(e.netAmount)}</td>
          <td>${e.recordedBy ?? e.source}</td>
          <td>
            ${
              e.status === 'voided'
                ? html`${t('console.today.voided')}<small>${e.voidReason}</small>`
                : e.settlementId
                  ? t('console.today.settled')
                  : html`<form class="inline" method="post" action="/admin/today/void">
                      <input type="hidden" name="entryId" value="${e.id}" /><input type="hidden" name="date" value="${date}" />
                      <label>${t('console.today.reason')} #${e.entryNo}<input name="reason" required maxlength="500" size="12" /></label>
                      <button type="submit" class="secondary">${t('console.today.void')}</button>
                    </form>`
            }
          </td>
        </tr>`,
    );
    const body = html`<h1>${t('console.today.title', { date })}</h1>
      ${notes(c)}
      <form method="get" class="row">
        <label>${t('console.date')} <input type="date" name="date" value="${date}" /></label>
        <button type="submit">${t('console.show')}</button>
        <a href="/admin/today?date=${date}">${t('console.refresh')}</a>
      </form>
      <div id="live" data-refresh-seconds="5" aria-live="polite">
        <div class="cards">
          <div class="card">${t('console.today.entries')}<b>${list.totals.activeCount}</b></div>
          <div class="card">${t('console.today.gross')}<b>${money(list.totals.totalAmount)}</b></div>
          <div class="card">${t('console.today.commission')}<b>${money(list.totals.commissionAmount)}</b></div>
          <div class="card">${t('console.today.net')}<b>${money(list.totals.netAmount)}</b></div>
        </div>
        <h2>${t('console.today.byFlower')}</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>${t('console.flower')}</th>
                <th>${t('console.slot')}</th>
                <th class="num">${t('console.today.entries')}</th>
                <th class="num">${t('console.quantity')}</th>
                <th class="num">${t('console.today.gross')}</th>
                <th class="num">${t('console.today.net')}</th>
              </tr>
            </thead>
            <tbody>
              ${totals.map(
                (r) =>
                  html`<tr>
                    <td>${name(r.flower)}</td>
                    <td>${r.slot ? name(r.slot) : '—'}</td>
                    <td class="num">${r.entries}</td>
                    <td class="num">${r.quantity} ${r.flower.unit}</td>
                    <td class="num">${money(r.totalAmount)}</td>
                    <td class="num">${money(r.netAmount)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <h2>${t('console.today.list')}</h2>
        ${
          list.items.length === 0
            ? html`<p>${t('console.today.none')}</p>`
            : html`<div class="table-wrap">
                <table id="entries">
                  <thead>
                    <tr>
                      <th>#</th>
                      <th>${t('console.time')}</th>
                      <th>${t('console.farmer')}</th>
                      <th>${t('console.flower')}</th>
                      <th class="num">${t('console.quantity')}</th>
                      <th class="num">${t('console.rate')}</th>
                      <th class="num">${t('console.today.gross')}</th>
                      <th class="num">${t('console.today.net')}</th>
                      <th>${t('console.by')}</th>
                      <th>${t('console.today.void')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${rows}
                  </tbody>
                </table>
              </div>`
        }
      </div>`;
    return c.html(shell({ c, title: t('console.nav.today'), active: 'today', body, refreshScript: true }));
  });

  app.post('/void', async (c) => {
    const form = await c.req.parseBody();
    const date = String(form.date ?? '');
    const back = `/admin/today${isoDate.test(date) ? `?date=${date}` : ''}`;
    return attempt(c, back, async () => {
      if (!UUID.test(String(form.entryId ?? ''))) throw new AppError('ENTRY_NOT_FOUND', 'No such entry', 404);
      await voidOfficeEntryAndTell(
        emFor(deps),
        { entryId: String(form.entryId ?? ''), reason: String(form.reason ?? '').trim(), at: new Date() },
        officeActor(c, deps),
      );
      return undefined;
    });
  });
  return app;
}
