// /admin: the office in a browser. Server-rendered HTML with plain forms (every page works without script; a small
// script refreshes Today). Sign-in uses the API's sessions (an httpOnly SameSite=Strict cookie); posts must come
// from this origin, so another site cannot submit these forms. Each page is its own module; NAV (layout.ts) and
// each module's pageFor() say who may see it.
import fs from 'node:fs';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import type { AppDeps } from '../../app.js';
import { login } from '../../domain/users/auth.service.js';
import { AppError } from '../../errors.js';
import type { Sessions } from '../auth/session.js';
import { ratesPage } from '../admin/rates-page.js';
import { actorOf, emFor } from '../request.js';
import type { AppEnv } from '../types.js';
import { advancesPage } from './advances.js';
import { auditPage } from './audit.js';
import { buyersPage } from './buyers.js';
import { farmersPage } from './farmers.js';
import { errorText, LANG_COOKIE, signInPage } from './layout.js';
import { messagesPage } from './messages.js';
import { rateHistoryPage } from './rate-history.js';
import { receivablesPage } from './receivables.js';
import { settingsPage } from './settings.js';
import { settlementsPage } from './settlements.js';
import { todayPage } from './today.js';
import { usersPage } from './users.js';

const REFRESH_JS = fs.readFileSync(new URL('./assets/refresh.js', import.meta.url), 'utf8');

/** Where a sign-in may send the browser next: a page of this site only. */
export const safeNext = (next: unknown, fallback = '/admin/today') =>
  typeof next === 'string' && /^\/(admin|try)(\/|$|\?)/.test(next) && !next.startsWith('//') ? next : fallback;

export function consolePages(deps: AppDeps, sessions: Sessions) {
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    if (c.req.method === 'POST') {
      const origin = c.req.header('origin');
      if (origin && origin !== 'null' && new URL(origin).host !== new URL(c.req.url).host) {
        return c.text('Cross-site form posts are refused', 403);
      }
    }
    await next();
    c.header('cache-control', 'private, no-store');
  });

  app.get('/', (c) => c.redirect('/admin/today'));
  app.get('/login', (c) => c.html(signInPage(c, safeNext(c.req.query('next')))));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(form.next);
    try {
      const user = await login(emFor(deps), { email: String(form.email ?? ''), password: String(form.password ?? '') }, actorOf(c, deps));
      await sessions.issue(c, user);
      return c.redirect(next, 303);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return c.html(signInPage(c, next, errorText(c, err)), err.status as 401);
    }
  });
  app.post('/logout', async (c) => {
    await sessions.logout(c);
    return c.redirect('/admin/today', 303);
  });
  // The language switch: a cookie for this browser, over the account's own language.
  app.get('/language', (c) => {
    const to = c.req.query('to') === 'ta' ? 'ta' : 'en';
    setCookie(c, LANG_COOKIE, to, { path: '/', sameSite: 'Lax', maxAge: 365 * 86_400 });
    return c.redirect(safeNext(c.req.query('back')), 303);
  });
  app.get('/assets/refresh.js', (c) => c.body(REFRESH_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' }));

  app.route('/', ratesPage(deps));
  app.route('/today', todayPage(deps));
  app.route('/farmers', farmersPage(deps));
  app.route('/buyers', buyersPage(deps));
  app.route('/receivables', receivablesPage(deps));
  app.route('/advances', advancesPage(deps));
  app.route('/settlements', settlementsPage(deps));
  app.route('/rate-history', rateHistoryPage(deps));
  app.route('/messages', messagesPage(deps));
  app.route('/audit', auditPage(deps));
  app.route('/settings', settingsPage(deps));
  app.route('/users', usersPage(deps, sessions));
  return app;
}
