// Settlements: run a period (a dry-run preview first, then the same period for real), the list with each PDF
// statement, and marking one paid with the payment reference (the farmer is told).
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { paySettlement } from '../../chat/payments.js';
import { rupees } from '../../domain/money.js';
import { listSettlements } from '../../domain/settlements/settlement.queries.js';
import { chosenPeriod, settlePeriod, type SettleResult } from '../../domain/settlements/settlement.service.js';
import { renderStatementDocument } from '../../domain/settlements/statement.service.js';
import { AppError } from '../../errors.js';
import { inlineRenderer } from '../../pdf/render-pool.js';
import { actorOf, emFor } from '../request.js';
import type { AppEnv } from '../types.js';
import { attempt, errorText, money, notes, pageFor, shell, tFor, UUID } from './layout.js';

const settlementId = (id: string) => {
  if (!UUID.test(id)) throw new AppError('SETTLEMENT_NOT_FOUND', 'No such settlement', 404);
  return id;
};

export function settlementsPage(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', pageFor('admin'));
  const timeZone = deps.config.marketTimeZone;

  async function page(c: Context<AppEnv>, run?: { result?: SettleResult; period: string; open: boolean; error?: string }) {
    const t = tFor(c);
    const list = await listSettlements(emFor(deps), { page: 1, pageSize: 100 });
    const preview = run?.result;
    const runForm = (dryRun: boolean, label: string) =>
      html`<form method="post" action="/admin/settlements/run" class="row">
        <label>${t('console.settlements.periodLabel')} <input name="period" value="${run?.period ?? ''}" placeholder="2026-W47" size="12" /></label>
        <label class="check"
          ><input type="checkbox" name="allowOpenPeriod" value="1" ${run?.open ? 'checked' : ''} /> ${t('console.settlements.open')}</label
        >
        <input type="hidden" name="dryRun" value="${dryRun ? '1' : '0'}" />
        <button type="submit" ${dryRun ? html`class="secondary"` : ''}>${label}</button>
      </form>`;
    const body = html`<h1>${t('console.nav.settlements')}</h1>
      ${notes(c)} ${run?.error ? html`<p class="msg err" role="alert">${run.error}</p>` : ''}
      <h2>${t('console.settlements.run')}</h2>
      <p class="muted">${t('console.settlements.runHelp')}</p>
      ${runForm(true, t('console.settlements.preview'))}
      ${
        preview
          ? html`<section aria-labelledby="preview-h" class="card">
              <h2 id="preview-h">
                ${t(preview.dryRun ? 'console.settlements.previewOf' : 'console.settlements.doneOf', { label: preview.period.label })}
              </h2>
              <p>
                ${t('console.settlements.totals', {
                  farmers: preview.totals.farmers,
                  entries: preview.totals.entries,
                  gross: money(rupees(preview.totals.gross)),
                  net: money(rupees(preview.totals.net)),
                })}
              </p>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>${t('console.farmer')}</th>
                      <th class="num">${t('console.today.entries')}</th>
                      <th class="num">${t('console.today.gross')}</th>
                      <th class="num">${t('console.today.commission')}</th>
                      <th class="num">${t('console.settlements.advances')}</th>
                      <th class="num">${t('console.settlements.net')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${[...preview.settled, ...preview.refused].map(
                      (r) =>
                        html`<tr>
                          <td>${r.farmerCode}${r.refused ? html`<small>${t('console.settlements.refused')}</small>` : ''}</td>
                          <td class="num">${r.entries}</td>
                          <td class="num">${money(rupees(r.grossAmount))}</td>
                          <td class="num">${money(rupees(r.totalCommission))}</td>
                          <td class="num">${money(rupees(r.totalAdvances))}</td>
                          <td class="num">${money(rupees(r.netPayable))}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
              ${preview.dryRun && preview.settled.length ? runForm(false, t('console.settlements.confirm', { label: preview.period.label })) : ''}
            </section>`
          : ''
      }
      <h2>${t('console.settlements.list')}</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>${t('console.settlements.number')}</th>
              <th>${t('console.farmer')}</th>
              <th>${t('console.settlements.period')}</th>
              <th class="num">${t('console.settlements.net')}</th>
              <th>PDF</th>
              <th>${t('console.status')}</th>
            </tr>
          </thead>
          <tbody>
            ${list.items.map(
              (s) =>
                html`<tr>
                  <td>${s.settlementNumber}</td>
                  <td><a href="/admin/farmers/${s.farmer.id}">${s.farmer.code}</a> <small>${s.farmer.name}</small></td>
                  <td>${s.periodStart} – ${s.periodEnd}</td>
                  <td class="num">${money(s.netPayable)}</td>
                  <td><a href="/admin/settlements/${s.id}/statement.pdf">${t('console.settlements.statement')}</a></td>
                  <td>
                    ${
                      s.status === 'paid'
                        ? html`${t('console.settlements.status.paid')} <small>${s.paymentReference} · ${s.paidAt?.slice(0, 10)}</small>`
                        : html`<form class="inline" method="post" action="/admin/settlements/${s.id}/paid">
                            <label
                              >${t('console.settlements.reference')} ${s.settlementNumber}<input name="reference" required maxlength="100" size="10"
                            /></label>
                            <button type="submit">${t('console.settlements.markPaid')}</button>
                          </form>`
                    }
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`;
    return shell({ c, title: t('console.nav.settlements'), active: 'settlements', body });
  }

  app.get('/', async (c) => c.html(await page(c)));

  app.post('/run', async (c) => {
    const form = await c.req.parseBody();
    const period = String(form.period ?? '')
      .trim()
      .slice(0, 20);
    const open = form.allowOpenPeriod === '1';
    try {
      const em = emFor(deps);
      const now = new Date();
      const result = await settlePeriod(deps.db.orm, {
        period: await chosenPeriod(em, period || undefined, now, timeZone),
        timeZone,
        dryRun: form.dryRun !== '0',
        allowOpenPeriod: open,
        now,
        actor: actorOf(c, deps),
      });
      return c.html(await page(c, { result, period: period || result.period.label, open }));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return c.html(await page(c, { period, open, error: errorText(c, err) }), 422);
    }
  });

  app.get('/:id/statement.pdf', async (c) => {
    const doc = await renderStatementDocument(
      emFor(deps),
      { settlementId: settlementId(c.req.param('id')) },
      timeZone,
      deps.statementRenderer ?? inlineRenderer,
    );
    return c.body(new Uint8Array(doc.bytes), 200, {
      'content-type': doc.mimeType,
      'content-disposition': `inline; filename="${doc.filename.replace(/[^\w.-]/g, '_')}"`,
      'cache-control': 'private, no-store',
    });
  });

  app.post('/:id/paid', async (c) => {
    const form = await c.req.parseBody();
    return attempt(c, '/admin/settlements', async () => {
      const reference = String(form.reference ?? '').trim();
      if (!reference || reference.length > 100) throw new AppError('REFERENCE_REQUIRED', 'Give the payment reference', 422);
      const paid = await paySettlement(emFor(deps), { settlementId: settlementId(c.req.param('id')), reference, actor: actorOf(c, deps) });
      return `${paid.settlementNumber} · ${money(rupees(paid.netPayable))}`;
    });
  });
  return app;
}
