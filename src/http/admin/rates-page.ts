// /admin/rates: a server-rendered page (plain HTML forms, no script) to sign in, see today's grid
// with Tamil and English names, edit cells and save. The cookie is SameSite=Strict and posts must
// come from this origin, so another site cannot submit these forms.
import { Hono, type Context } from 'hono';
import { html, raw } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { AppError } from '../../errors.js';
import { localDate } from '../../domain/market-time.js';
import { rateGrid, setRates, type RateCellInput, type RateGrid } from '../../domain/rates/rate.service.js';
import { login } from '../../domain/users/auth.service.js';
import { translator } from '../../i18n.js';
import type { Sessions } from '../auth/session.js';
import { requestLanguage } from '../errors.js';
import { actorOf, emFor } from '../request.js';
import type { AppEnv } from '../types.js';

const RATE = /^\d{1,8}(\.\d{1,2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function layout(title: string, body: ReturnType<typeof html>) {
  return html`<!doctype html>
    <html lang="ta">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          body {
            font-family: system-ui, 'Noto Sans Tamil', sans-serif;
            margin: 1.5rem;
            color: #222;
          }
          table {
            border-collapse: collapse;
          }
          th,
          td {
            border: 1px solid #ccc;
            padding: 0.35rem 0.5rem;
            text-align: left;
          }
          th small,
          td small {
            display: block;
            color: #555;
            font-weight: normal;
          }
          input.rate {
            width: 6.5rem;
            text-align: right;
          }
          .msg {
            padding: 0.5rem 0.8rem;
            margin: 0.8rem 0;
            border-radius: 4px;
          }
          .ok {
            background: #e5f6e5;
          }
          .err {
            background: #fbe4e4;
          }
          form.inline {
            display: inline;
          }
          label {
            display: block;
            margin: 0.5rem 0;
          }
        </style>
      </head>
      <body>
        ${body}
      </body>
    </html>`;
}

function loginPage(error?: string) {
  return layout(
    'Sign in · உள்நுழைவு',
    html`<h1>Malar Ledger · மலர் கணக்கு</h1>
      <h2>Sign in · உள்நுழைவு</h2>
      ${error ? html`<p class="msg err" role="alert">${error}</p>` : ''}
      <form method="post" action="/admin/login">
        <label>Email · மின்னஞ்சல் <input type="email" name="email" required autocomplete="username" /></label>
        <label>Password · கடவுச்சொல் <input type="password" name="password" required autocomplete="current-password" /></label>
        <button type="submit">Sign in · உள்நுழை</button>
      </form>`,
  );
}

function gridPage(
  grid: RateGrid,
  who: string,
  opts: { today: string; saved?: string | undefined; error?: string | undefined; values?: Map<string, string> },
) {
  const header = grid.slots.map((s) => html`<th>${s.name}<small>${s.nameTa}</small><small>${s.startTime}–${s.endTime}</small></th>`);
  const rows = grid.rows.map((r) => {
    const cells = r.cells.map((c) => {
      const name = `rate:${r.flower.id}:${c.timeSlotId}`;
      const value = opts.values?.get(name) ?? c.rate ?? '';
      const slot = grid.slots.find((s) => s.id === c.timeSlotId)!;
      return html`<td>
        <input
          class="rate"
          name="${name}"
          value="${value}"
          inputmode="decimal"
          aria-label="${r.flower.name} ${slot.name}"
          data-flower="${r.flower.code}"
          data-slot="${slot.name}"
        />${c.effectiveDate && c.effectiveDate !== grid.date ? html`<small>since ${c.effectiveDate}</small>` : ''}
      </td>`;
    });
    return html`<tr>
      <th>${r.flower.name}<small>${r.flower.nameTa}</small><small>₹ / ${r.flower.unit}</small></th>
      ${raw(cells.join(''))}
    </tr>`;
  });
  return layout(
    `Rates ${grid.date} · விலைகள்`,
    html`<h1>Rates · விலைகள் — ${grid.date}</h1>
<p>Signed in as ${who}. <form class="inline" method="post" action="/admin/logout"><button type="submit">Sign out · வெளியேறு</button></form></p>
<form method="get" action="/admin/rates"><label>Date · தேதி <input type="date" name="date" value="${grid.date}" min="${opts.today}"></label><button type="submit">Show · காட்டு</button></form>
${opts.saved !== undefined ? html`<p class="msg ok" role="status">Saved · சேமிக்கப்பட்டது (${opts.saved} changed)</p>` : ''}
${opts.error ? html`<p class="msg err" role="alert">${opts.error}</p>` : ''}
<form method="post" action="/admin/rates">
<input type="hidden" name="date" value="${grid.date}">
<table><thead><tr><th>Flower · பூ</th>${raw(header.join(''))}</tr></thead><tbody>${raw(rows.join(''))}</tbody></table>
<p><button type="submit">Save · சேமி</button></p>
</form>`,
  );
}

export function adminPages(deps: AppDeps, sessions: Sessions) {
  const app = new Hono<AppEnv>();
  const today = () => localDate(new Date(), deps.config.marketTimeZone);
  const message = (c: Context<AppEnv>, err: AppError) =>
    translator(requestLanguage(c))(`api.errors.${err.code}`, { ...(err.details ?? {}), defaultValue: err.message });

  // Forms post only from this origin.
  app.use('*', async (c, next) => {
    if (c.req.method === 'POST') {
      const origin = c.req.header('origin');
      if (origin && origin !== 'null' && new URL(origin).host !== new URL(c.req.url).host) {
        return c.text('Cross-site form posts are refused', 403);
      }
    }
    await next();
  });

  app.get('/', (c) => c.redirect('/admin/rates'));

  app.get('/rates', async (c) => {
    const user = c.get('user');
    if (!user) return c.html(loginPage());
    if (user.role !== 'admin') return c.html(loginPage(message(c, new AppError('FORBIDDEN', 'Your role may not do this', 403))), 403);
    const requested = c.req.query('date');
    const date = requested && DATE.test(requested) ? requested : today();
    const grid = await rateGrid(emFor(deps), date);
    return c.html(gridPage(grid, user.email, { today: today(), saved: c.req.query('saved') }));
  });

  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    try {
      const user = await login(emFor(deps), { email: String(form.email ?? ''), password: String(form.password ?? '') }, actorOf(c, deps));
      await sessions.issue(c, user);
      return c.redirect('/admin/rates', 303);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return c.html(loginPage(message(c, err)), err.status as 401);
    }
  });

  app.post('/logout', async (c) => {
    await sessions.logout(c);
    return c.redirect('/admin/rates', 303);
  });

  app.post('/rates', async (c) => {
    const user = c.get('user');
    if (!user || user.role !== 'admin') return c.redirect('/admin/rates', 303);
    const form = await c.req.parseBody();
    const date = String(form.date ?? '');
    const values = new Map<string, string>();
    const cells: RateCellInput[] = [];
    let error: string | undefined;
    for (const [name, raw] of Object.entries(form)) {
      if (!name.startsWith('rate:')) continue;
      const value = String(raw).trim();
      values.set(name, value);
      if (value === '') continue;
      const [, flower = '', slot = ''] = name.split(':');
      if (!RATE.test(value)) error ??= `“${value}” is not a rate · இது சரியான விலை அல்ல`;
      else cells.push({ flower, slot, rate: value });
    }
    const em = emFor(deps);
    if (!DATE.test(date)) error ??= 'Bad date · தவறான தேதி';
    if (!error) {
      try {
        const { changed } = cells.length ? await setRates(em, { date, today: today(), rates: cells }, actorOf(c, deps)) : { changed: 0 };
        return c.redirect(`/admin/rates?date=${date}&saved=${changed}`, 303);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        error = message(c, err);
      }
    }
    const grid = await rateGrid(em.fork(), DATE.test(date) ? date : today());
    return c.html(gridPage(grid, user.email, { today: today(), error, values }), 422);
  });

  return app;
}
