// Advances: the pending ones, to approve or reject with a reason (the farmer is told either way), and the latest.
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { tellAdvance } from '../../chat/notices.js';
import { approveAdvance, listAdvances, rejectAdvance, type AdvanceView } from '../../domain/advances/advances.service.js';
import { AppError } from '../../errors.js';
import { emFor, officeActor } from '../request.js';
import type { AppEnv } from '../types.js';
import { attempt, money, notes, pageFor, shell, tFor, UUID, marketStamp } from './layout.js';
import type { TFunction } from 'i18next';

const advanceId = (id: string) => {
  if (!UUID.test(id)) throw new AppError('ADVANCE_NOT_FOUND', 'No such advance', 404);
  return id;
};

function table(t: TFunction, rows: AdvanceView[], actions: boolean, timeZone: string) {
  return html`<div class="table-wrap">
    <table>
      <thead>
        <tr>
          <th>${t('console.date')}</th>
          <th>${t('console.farmer')}</th>
          <th class="num">${t('console.amount')}</th>
          <th>${t('console.advances.reason')}</th>
          <th>${t('console.by')}</th>
          <th>${actions ? t('console.advances.decide') : t('console.status')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (a) =>
            html`<tr>
              <td>${marketStamp(a.createdAt, timeZone)}</td>
              <td><a href="/admin/farmers/${a.farmer.id}">${a.farmer.code}</a> <small>${a.farmer.name}</small></td>
              <td class="num">${money(a.amount)}</td>
              <td>${a.reason ?? ''}</td>
              <td>${a.recordedBy ?? ''}</td>
              <td>
                ${
                  actions
                    ? html`<form class="inline" method="post" action="/admin/advances/${a.id}/approve">
                          <button type="submit" aria-label="${t('console.advances.approve')} ${a.farmer.code} ${money(a.amount)}">
                            ${t('console.advances.approve')}
                          </button>
                        </form>
                        <form class="inline" method="post" action="/admin/advances/${a.id}/reject">
                          <label>${t('console.advances.rejectReason')} <input name="reason" required maxlength="500" size="12" /></label>
                          <button type="submit" class="secondary">${t('console.advances.reject')}</button>
                        </form>`
                    : html`${t(`console.advances.status.${a.status}`)}${a.rejectionReason ? html`<small>${a.rejectionReason}</small>` : ''}`
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function advancesPage(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', pageFor('admin'));
  const timeZone = deps.config.marketTimeZone;

  app.get('/', async (c) => {
    const t = tFor(c);
    const em = emFor(deps);
    const pending = await listAdvances(em, { status: 'pending', page: 1, pageSize: 200, timeZone });
    const recent = await listAdvances(em, { page: 1, pageSize: 30, timeZone });
    const body = html`<h1>${t('console.nav.advances')}</h1>
      ${notes(c)}
      <h2>${t('console.advances.pending', { count: pending.total })}</h2>
      ${pending.items.length ? table(t, pending.items, true, timeZone) : html`<p>${t('console.advances.nonePending')}</p>`}
      <h2>${t('console.advances.recent')}</h2>
      ${table(
        t,
        recent.items.filter((a) => a.status !== 'pending'),
        false,
        timeZone,
      )}`;
    return c.html(shell({ c, title: t('console.nav.advances'), active: 'advances', body }));
  });

  app.post('/:id/approve', (c) =>
    attempt(c, '/admin/advances', async () => {
      const a = await approveAdvance(emFor(deps), { advanceId: advanceId(c.req.param('id')), at: new Date() }, officeActor(c, deps), tellAdvance);
      return `${a.farmer.code} ${money(a.amount)}`;
    }),
  );

  app.post('/:id/reject', async (c) => {
    const form = await c.req.parseBody();
    return attempt(c, '/admin/advances', async () => {
      const reason = String(form.reason ?? '').trim();
      if (!reason) throw new AppError('REASON_REQUIRED', 'Give a reason', 422);
      const a = await rejectAdvance(
        emFor(deps),
        { advanceId: advanceId(c.req.param('id')), reason, at: new Date() },
        officeActor(c, deps),
        tellAdvance,
      );
      return `${a.farmer.code} ${money(a.amount)}`;
    });
  });
  return app;
}
