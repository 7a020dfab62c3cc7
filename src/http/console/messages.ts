// Messages: what could not be delivered (with Meta's reason in words) with a retry, and what is still waiting.
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { listWaitingNotifications } from '../../domain/notifications/feed.js';
import { listFailedNotifications, retryFailedNotification } from '../../domain/notifications/failures.js';
import { AppError } from '../../errors.js';
import { explainMetaError } from '../../jobs/meta-errors.js';
import { emFor, officeActor } from '../request.js';
import type { AppEnv } from '../types.js';
import { attempt, notes, pageFor, pageLanguage, shell, tFor, marketStamp } from './layout.js';

const short = (s: string | null, n = 140) => (s && s.length > n ? `${s.slice(0, n)}…` : (s ?? ''));

export function messagesPage(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', pageFor('admin'));

  app.get('/', async (c) => {
    const t = tFor(c);
    const em = emFor(deps);
    const failed = await listFailedNotifications(em, { page: 1, pageSize: 100 });
    const waiting = await listWaitingNotifications(em, 100);
    const lang = pageLanguage(c);
    const zone = deps.config.marketTimeZone;
    const body = html`<h1>${t('console.nav.messages')}</h1>
      ${notes(c)}
      <h2>${t('console.messages.failed', { count: failed.total })}</h2>
      ${
        failed.items.length === 0
          ? html`<p>${t('console.messages.noneFailed')}</p>`
          : html`<div class="table-wrap">
              <table id="failed">
                <thead>
                  <tr>
                    <th>${t('console.time')}</th>
                    <th>${t('console.messages.to')}</th>
                    <th>${t('console.messages.kind')}</th>
                    <th>${t('console.messages.reason')}</th>
                    <th>${t('console.messages.text')}</th>
                    <th>${t('console.messages.retry')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${failed.items.map(
                    (n) =>
                      html`<tr>
                        <td>${marketStamp(n.failedAt, zone)}</td>
                        <td>${n.recipientPhone}${n.farmerCode ? html`<small>${n.farmerCode}</small>` : ''}</td>
                        <td>${n.type}</td>
                        <td>${explainMetaError(n.errorCode, lang)}<small>${short(n.lastError, 100)}</small></td>
                        <td>${short(n.text)}</td>
                        <td>
                          <form class="inline" method="post" action="/admin/messages/${n.id}/retry">
                            <button type="submit" aria-label="${t('console.messages.retry')} ${n.recipientPhone}">
                              ${t('console.messages.retry')}
                            </button>
                          </form>
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }
      <h2>${t('console.messages.waiting', { count: waiting.total })}</h2>
      ${
        waiting.items.length === 0
          ? html`<p>${t('console.messages.noneWaiting')}</p>`
          : html`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>${t('console.time')}</th>
                    <th>${t('console.messages.to')}</th>
                    <th>${t('console.messages.kind')}</th>
                    <th>${t('console.status')}</th>
                    <th>${t('console.messages.text')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${waiting.items.map(
                    (n) =>
                      html`<tr>
                        <td>${marketStamp(n.createdAt, zone)}</td>
                        <td>${n.to}</td>
                        <td>${n.type}</td>
                        <td>${n.status}${n.lastError ? html`<small>${short(n.lastError, 100)}</small>` : ''}</td>
                        <td>${short(n.text)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }`;
    return c.html(shell({ c, title: t('console.nav.messages'), active: 'messages', body }));
  });

  app.post('/:id/retry', (c) =>
    attempt(c, '/admin/messages', async () => {
      const id = c.req.param('id');
      if (!/^\d{1,18}$/.test(id)) throw new AppError('NOTIFICATION_NOT_FOUND', `No notification ${id}`, 404);
      await retryFailedNotification(emFor(deps), id, officeActor(c, deps));
      return `#${id}`;
    }),
  );
  return app;
}
