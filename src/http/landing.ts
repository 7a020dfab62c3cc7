// `/`: what a newcomer opening the service sees first, in English and Tamil: the market, whether the database
// answers and is current, the WhatsApp channel, the last job runs, and where to go next.
import { Hono } from 'hono';
import { html, raw } from 'hono/html';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppDeps } from '../app.js';
import { migrationStatus } from '../db/schema.js';
import { recentJobRuns } from '../domain/job-runs/job-runs.js';
import { getStringSetting } from '../domain/settings/settings.service.js';
import { hasActiveAdmin } from '../domain/users/users.service.js';
import { marketStamp, STYLE } from './console/layout.js';
import { tryEnabled } from './try/try-page.js';
import type { AppEnv } from './types.js';

interface State {
  name: string;
  nameTa: string;
  database: { ok: boolean; detail: string };
  migrations: { ok: boolean; pending: number };
  admin: boolean;
  jobs: Awaited<ReturnType<typeof recentJobRuns>>;
}

async function serviceState(deps: AppDeps): Promise<State> {
  const em = deps.db.orm.em.fork() as EntityManager;
  try {
    const { pending } = await migrationStatus(deps.db.orm);
    const current = pending.length === 0;
    return {
      name: current ? await getStringSetting(em, 'market_name') : 'Malar Ledger',
      nameTa: current ? await getStringSetting(em, 'market_name_ta') : 'மலர் கணக்கு',
      database: { ok: true, detail: deps.db.kind === 'embedded' ? `embedded (${deps.config.dataDir})` : 'PostgreSQL' },
      migrations: { ok: current, pending: pending.length },
      admin: current && (await hasActiveAdmin(em)),
      jobs: current ? await recentJobRuns(em, { limit: 8 }) : [],
    };
  } catch (err) {
    deps.logger.warn({ err }, 'landing page: the database does not answer');
    return {
      name: 'Malar Ledger',
      nameTa: 'மலர் கணக்கு',
      database: { ok: false, detail: 'does not answer · பதில் இல்லை' },
      migrations: { ok: false, pending: 0 },
      admin: false,
      jobs: [],
    };
  }
}

export function landingPage(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const s = await serviceState(deps);
    const channel = (await deps.readiness?.())?.whatsapp ?? { ok: false, detail: deps.config.whatsapp.transport };
    const mark = (ok: boolean) => (ok ? html`<b class="state-ok">✓ ok</b>` : html`<b class="state-bad">✗ not ok · சரியில்லை</b>`);
    const tryOn = tryEnabled(deps.config);
    return c.html(
      html`<!doctype html>
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>${s.name} · Malar Ledger</title>
            <style>
              ${raw(STYLE)} dl {
                display: grid;
                grid-template-columns: max-content 1fr;
                gap: 0.3rem 1rem;
              }
              dt {
                font-weight: 600;
              }
              .go a {
                display: inline-block;
                margin: 0.3rem 0.6rem 0.3rem 0;
                padding: 0.7rem 1rem;
                background: var(--brand);
                color: #fff;
                border-radius: 6px;
                text-decoration: none;
              }
            </style>
          </head>
          <body>
            <header class="top"><strong>Malar Ledger · மலர் கணக்கு</strong></header>
            <main id="main">
              <h1>${s.name} <span lang="ta">· ${s.nameTa}</span></h1>
              <p>
                The market's ledger over WhatsApp: entries, receipts, advances, settlements.
                <span lang="ta">வாட்ஸ்அப் வழியே சந்தைக் கணக்கு: வரவுகள், ரசீதுகள், முன்பணம், கணக்கு முடிப்பு.</span>
              </p>
              <p class="go">
                <a href="/admin">Office console · அலுவலகம்</a>
                ${tryOn ? html`<a href="/try">Try the bot · பாட்டை முயற்சிக்க</a>` : ''}
              </p>
              ${
                s.admin
                  ? ''
                  : html`<p class="msg err" role="alert">
                      No admin yet: stop the service and run <code>npm run setup</code> (or start with <code>NODE_ENV=development</code> on a new data
                      folder for the sample market). <span lang="ta">நிர்வாகி இல்லை: <code>npm run setup</code> இயக்குங்கள்.</span>
                    </p>`
              }
              <h2>Service · சேவை நிலை</h2>
              <dl>
                <dt>Database · தரவுத்தளம்</dt>
                <dd>${mark(s.database.ok)} ${s.database.detail}</dd>
                <dt>Migrations · இடம்பெயர்வு</dt>
                <dd>${mark(s.migrations.ok)} ${s.migrations.ok ? 'current · புதியது' : `${s.migrations.pending} pending · நிலுவையில்`}</dd>
                <dt>WhatsApp</dt>
                <dd>${mark(channel.ok)} ${channel.detail ?? deps.config.whatsapp.transport}</dd>
                <dt>Jobs · பணிகள்</dt>
                <dd>${deps.config.jobsEnabled ? 'on · இயக்கத்தில்' : 'off (JOBS_ENABLED=false) · நிறுத்தம்'}</dd>
              </dl>
              <h2>Last job runs · கடைசி பணிகள்</h2>
              ${
                s.jobs.length === 0
                  ? html`<p>None yet · இன்னும் இல்லை</p>`
                  : html`<div class="table-wrap">
                      <table>
                        <thead>
                          <tr>
                            <th>Job · பணி</th>
                            <th>Period · காலம்</th>
                            <th>Started · தொடக்கம்</th>
                            <th>Outcome · முடிவு</th>
                          </tr>
                        </thead>
                        <tbody>
                          ${s.jobs.map(
                            (j) =>
                              html`<tr>
                                <td>${j.job}</td>
                                <td>${j.period}</td>
                                <td>${marketStamp(j.startedAt, deps.config.marketTimeZone)}</td>
                                <td>${j.outcome}${j.summary ? html`<small>${j.summary}</small>` : ''}</td>
                              </tr>`,
                          )}
                        </tbody>
                      </table>
                    </div>`
              }
              <p class="muted"><a href="/ready">/ready</a> · <a href="/api/docs">API</a> · <a href="/admin/rates">Rates · விலைகள்</a></p>
            </main>
          </body>
        </html>`,
    );
  });
  return app;
}
