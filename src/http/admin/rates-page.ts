// /admin/rates: a server-rendered page (plain HTML forms, no script) to see today's grid with Tamil and English
// names, edit cells and save. Sign-in, the frame and the same-origin check are the console's (src/http/console).
import { Hono, type Context } from 'hono';
import { html, raw } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { AppError } from '../../errors.js';
import { localDate } from '../../domain/market-time.js';
import { rateGrid, setRates, type RateCellInput, type RateGrid } from '../../domain/rates/rate.service.js';
import { actorOf, emFor } from '../request.js';
import { errorText, pageFor, shell, tFor } from '../console/layout.js';
import type { AppEnv } from '../types.js';

const RATE = /^\d{1,8}(\.\d{1,2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function gridPage(
  c: Context<AppEnv>,
  grid: RateGrid,
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
  return shell({
    c,
    title: `Rates ${grid.date} · விலைகள்`,
    active: 'rates',
    body: html`<h1>Rates · விலைகள் — ${grid.date}</h1>
      <p><a href="/admin/rate-history">${tFor(c)('console.nav.rateHistory')}</a></p>
      <form method="get" action="/admin/rates">
        <label>Date · தேதி <input type="date" name="date" value="${grid.date}" min="${opts.today}" /></label
        ><button type="submit">Show · காட்டு</button>
      </form>
      ${opts.saved !== undefined ? html`<p class="msg ok" role="status">Saved · சேமிக்கப்பட்டது (${opts.saved} changed)</p>` : ''}
      ${opts.error ? html`<p class="msg err" role="alert">${opts.error}</p>` : ''}
      <form method="post" action="/admin/rates">
        <input type="hidden" name="date" value="${grid.date}" />
        <table>
          <thead>
            <tr>
              <th>Flower · பூ</th>
              ${raw(header.join(''))}
            </tr>
          </thead>
          <tbody>
            ${raw(rows.join(''))}
          </tbody>
        </table>
        <p><button type="submit">Save · சேமி</button></p>
      </form>`,
  });
}

/** /admin/rates: the grid of today's (or a later day's) rates, admins only. */
export function ratesPage(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const today = () => localDate(new Date(), deps.config.marketTimeZone);
  app.use('/rates', pageFor('admin'));

  app.get('/rates', async (c) => {
    const requested = c.req.query('date');
    const date = requested && DATE.test(requested) ? requested : today();
    const grid = await rateGrid(emFor(deps), date);
    return c.html(gridPage(c, grid, { today: today(), saved: c.req.query('saved') }));
  });

  app.post('/rates', async (c) => {
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
        error = errorText(c, err);
      }
    }
    const grid = await rateGrid(em.fork(), DATE.test(date) ? date : today());
    return c.html(gridPage(c, grid, { today: today(), error, values }), 422);
  });

  return app;
}
