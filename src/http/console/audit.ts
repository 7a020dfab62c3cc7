// Audit: the security log, newest first, filtered by action, entity, address and dates (market dates, whole days).
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { listSecurityLogs } from '../../domain/audit/security-log.queries.js';
import { marketInstant } from '../../channels/console/market-clock.js';
import { emFor } from '../request.js';
import type { AppEnv } from '../types.js';
import { isoDate, pageFor, shell, tFor, marketStamp } from './layout.js';

export function auditPage(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', pageFor('admin'));
  app.get('/', async (c) => {
    const t = tFor(c);
    const q = (k: string) => (c.req.query(k) ?? '').trim().slice(0, 100);
    const zone = deps.config.marketTimeZone;
    const from = isoDate.test(q('from')) ? q('from') : '';
    const to = isoDate.test(q('to')) ? q('to') : '';
    const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const page = Math.max(1, Math.min(10_000, Number(q('page')) || 1));
    const logs = await listSecurityLogs(emFor(deps), {
      action: q('action') || undefined,
      entity: q('entity') || undefined,
      ipAddress: q('ip') || undefined,
      from: from ? marketInstant(from, '00:00', zone).toISOString() : undefined,
      to: to ? marketInstant(nextDay(to), '00:00', zone).toISOString() : undefined,
      page,
      pageSize: 100,
    });
    const params = new URLSearchParams({ action: q('action'), entity: q('entity'), ip: q('ip'), from, to });
    const body = html`<h1>${t('console.nav.audit')}</h1>
      <form method="get" class="row" aria-label="${t('console.audit.filter')}">
        <label>${t('console.audit.action')} <input name="action" value="${q('action')}" placeholder="login_failed" /></label>
        <label>${t('console.audit.entity')} <input name="entity" value="${q('entity')}" placeholder="farmer" /></label>
        <label>${t('console.audit.ip')} <input name="ip" value="${q('ip')}" /></label>
        <label>${t('console.audit.from')} <input type="date" name="from" value="${from}" /></label>
        <label>${t('console.audit.to')} <input type="date" name="to" value="${to}" /></label>
        <button type="submit">${t('console.show')}</button>
      </form>
      <p class="muted">${t('console.audit.count', { count: logs.total })}</p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>${t('console.time')}</th>
              <th>${t('console.audit.action')}</th>
              <th>${t('console.audit.entity')}</th>
              <th>${t('console.audit.who')}</th>
              <th>${t('console.audit.ip')}</th>
              <th>${t('console.audit.details')}</th>
            </tr>
          </thead>
          <tbody>
            ${logs.items.map(
              (l) =>
                html`<tr>
                  <td>${marketStamp(l.createdAt, zone)}</td>
                  <td>${l.action}</td>
                  <td>${l.entity ?? ''}<small>${l.entityId ?? ''}</small></td>
                  <td>${l.actor.email ?? l.actor.phone ?? ''}</td>
                  <td>${l.ipAddress ?? ''}</td>
                  <td><small>${JSON.stringify(l.details ?? null).slice(0, 200)}</small></td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${logs.total > page * 100 ? html`<p><a href="/admin/audit?${params.toString()}&page=${page + 1}">${t('console.audit.older')}</a></p>` : ''}`;
    return c.html(shell({ c, title: t('console.nav.audit'), active: 'audit', body }));
  });
  return app;
}
