// /api: every resource sub-app, the OpenAPI document and a self-contained docs page (no CDN).
import type { Hono } from 'hono';
import { html, raw } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { authResource } from '../auth/auth.routes.js';
import type { Sessions } from '../auth/session.js';
import type { AppEnv } from '../types.js';
import { advancesResource } from './advances.routes.js';
import { buyersResource, reportsResource, saleRatesResource } from './buyers.routes.js';
import { entriesResource } from './entries.routes.js';
import { jobsResource } from './jobs.routes.js';
import { notificationsResource } from './notifications.routes.js';
import { farmersResource } from './farmers.routes.js';
import { flowerTypesResource } from './flower-types.routes.js';
import { ratesResource } from './rates.routes.js';
import { newRouter, type ApiResource } from './router.js';
import { securityLogsResource } from './security-logs.routes.js';
import { settingsResource } from './settings.routes.js';
import { settlementsResource } from './settlements.routes.js';
import { timeSlotsResource } from './time-slots.routes.js';
import { usersResource } from './users.routes.js';

/** Add a resource here and it is routed and documented. */
export const API_RESOURCES: ApiResource[] = [
  authResource,
  ratesResource,
  farmersResource,
  flowerTypesResource,
  timeSlotsResource,
  settingsResource,
  entriesResource,
  advancesResource,
  settlementsResource,
  securityLogsResource,
  usersResource,
  jobsResource,
  notificationsResource,
  buyersResource,
  saleRatesResource,
  reportsResource,
];

export function apiRoutes(deps: AppDeps, sessions: Sessions, resources: ApiResource[] = API_RESOURCES) {
  const api = newRouter();
  for (const r of resources) api.route(r.path, r.routes(deps, { sessions }));
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  api.openAPIRegistry.registerComponent('securitySchemes', 'cookie', { type: 'apiKey', in: 'cookie', name: 'malar_session' });

  const document = () =>
    api.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Malar Ledger admin API',
        version: '1',
        description: 'Money is sent as strings with two decimals. Errors: {"error":{"code","message",...}}.',
      },
      servers: [{ url: '/api' }],
      security: [{ bearer: [] }, { cookie: [] }],
    });
  let cached: ReturnType<typeof document> | undefined;
  api.get('/openapi.json', (c) => c.json((cached ??= document())));
  api.get('/docs', (c) => c.html(docsPage((cached ??= document()) as unknown as Doc)));
  return api as unknown as Hono<AppEnv>;
}

type Doc = { info: { title: string; description?: string }; paths?: Record<string, Record<string, { summary?: string; tags?: string[] }>> };

/** A plain listing of every operation, generated from the document itself. */
function docsPage(doc: Doc) {
  const rows: { tag: string; method: string; path: string; summary: string }[] = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      rows.push({ tag: op.tags?.[0] ?? '', method: method.toUpperCase(), path: `/api${path}`, summary: op.summary ?? '' });
    }
  }
  rows.sort((a, b) => a.tag.localeCompare(b.tag) || a.path.localeCompare(b.path));
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${doc.info.title}</title>
        <style>
          body {
            font-family: system-ui, sans-serif;
            margin: 2rem;
            max-width: 70rem;
          }
          td,
          th {
            padding: 0.3rem 0.6rem;
            text-align: left;
            vertical-align: top;
          }
          tr:nth-child(even) {
            background: #f4f4f4;
          }
          code {
            font-size: 0.95em;
          }
          .m {
            font-weight: bold;
          }
        </style>
      </head>
      <body>
        <h1>${doc.info.title}</h1>
        <p>${doc.info.description ?? ''}</p>
        <p>
          Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Sign in with <code>POST /api/auth/login</code>, then send
          <code>Authorization: Bearer &lt;token&gt;</code>.
        </p>
        <table>
          <thead>
            <tr>
              <th>Area</th>
              <th>Method</th>
              <th>Path</th>
              <th>What it does</th>
            </tr>
          </thead>
          <tbody>
            ${raw(
              rows
                .map(
                  (r) =>
                    html`<tr>
                      <td>${r.tag}</td>
                      <td class="m">${r.method}</td>
                      <td><code>${r.path}</code></td>
                      <td>${r.summary}</td>
                    </tr>`,
                )
                .join(''),
            )}
          </tbody>
        </table>
      </body>
    </html>`;
}
