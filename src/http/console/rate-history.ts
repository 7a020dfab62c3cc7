// Rate history: every rate set for one flower, newest first (the grid itself is /admin/rates).
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { listFlowers } from '../../domain/flowers/flower.service.js';
import { rateHistory } from '../../domain/rates/rate.service.js';
import { emFor } from '../request.js';
import type { AppEnv } from '../types.js';
import { money, pageFor, shell, tFor, pageLanguage, marketStamp } from './layout.js';

export function rateHistoryPage(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', pageFor('admin'));
  app.get('/', async (c) => {
    const t = tFor(c);
    const em = emFor(deps);
    const flowers = await listFlowers(em, {});
    const ta = pageLanguage(c) === 'ta';
    const chosen = flowers.find((f) => f.id === c.req.query('flower')) ?? flowers[0];
    const history = chosen ? await rateHistory(em, chosen.id, { page: 1, pageSize: 200 }) : null;
    const body = html`<h1>${t('console.nav.rateHistory')}</h1>
      <p><a href="/admin/rates">${t('console.rates.grid')}</a></p>
      <form method="get" class="row">
        <label
          >${t('console.flower')}
          <select name="flower">
            ${flowers.map((f) => html`<option value="${f.id}" ${f.id === chosen?.id ? 'selected' : ''}>${f.code} · ${ta ? f.nameTa : f.name}</option>`)}
          </select></label
        >
        <button type="submit">${t('console.show')}</button>
      </form>
      ${
        history
          ? html`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>${t('console.rates.from')}</th>
                    <th>${t('console.slot')}</th>
                    <th class="num">${t('console.rate')}</th>
                    <th>${t('console.by')}</th>
                    <th>${t('console.rates.setAt')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${history.items.map(
                    (r) =>
                      html`<tr>
                        <td>${r.effectiveDate}</td>
                        <td>${ta ? r.slotTa : r.slot}</td>
                        <td class="num">${money(r.rate)}</td>
                        <td>${r.createdBy ?? ''}</td>
                        <td>${marketStamp(r.createdAt, deps.config.marketTimeZone)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : ''
      }`;
    return c.html(shell({ c, title: t('console.nav.rateHistory'), active: 'rateHistory', body }));
  });
  return app;
}
