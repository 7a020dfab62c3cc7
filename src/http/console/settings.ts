// Settings (admins): every setting with its description, one small form each, checked by the settings service.
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { listSettings, updateSetting } from '../../domain/settings/settings.service.js';
import { AppError } from '../../errors.js';
import { actorOf, emFor } from '../request.js';
import type { AppEnv } from '../types.js';
import { attempt, notes, pageFor, shell, tFor } from './layout.js';

export function settingsPage(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use('*', pageFor('admin'));
  app.get('/', async (c) => {
    const t = tFor(c);
    const settings = await listSettings(emFor(deps), false);
    const shown = (v: unknown, type: string) => (type === 'json' ? JSON.stringify(v) : String(v));
    const body = html`<h1>${t('console.nav.settings')}</h1>
      ${notes(c)}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>${t('console.settings.key')}</th>
              <th>${t('console.settings.value')}</th>
            </tr>
          </thead>
          <tbody>
            ${settings.map(
              (s) =>
                html`<tr>
                  <td><code>${s.key}</code><small>${s.description ?? ''}</small></td>
                  <td>
                    <form class="inline" method="post" action="/admin/settings/${s.key}">
                      ${
                        s.valueType === 'boolean'
                          ? html`<label
                              >${s.key}
                              <select name="value">
                                <option value="true" ${s.value === true ? 'selected' : ''}>${t('console.yes')}</option>
                                <option value="false" ${s.value === false ? 'selected' : ''}>${t('console.no')}</option>
                              </select></label
                            >`
                          : html`<label>${s.key} <input name="value" value="${shown(s.value, s.valueType)}" size="24" /></label>`
                      }
                      <button type="submit" class="secondary">${t('console.save')}</button>
                    </form>
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`;
    return c.html(shell({ c, title: t('console.nav.settings'), active: 'settings', body }));
  });
  app.post('/:key', async (c) => {
    const form = await c.req.parseBody();
    const key = c.req.param('key');
    return attempt(c, '/admin/settings', async () => {
      const settings = await listSettings(emFor(deps), false);
      const def = settings.find((s) => s.key === key);
      if (!def) throw new AppError('SETTING_NOT_FOUND', `No setting ${key}`, 404);
      const raw = String(form.value ?? '');
      let value: unknown = raw;
      if (def.valueType === 'json') {
        try {
          value = JSON.parse(raw);
        } catch {
          throw new AppError('INVALID_SETTING_VALUE', `${key} must be a JSON value`, 422, { key, expected: 'a JSON value' });
        }
      }
      await updateSetting(emFor(deps), key, value, actorOf(c, deps));
      return key;
    });
  });
  return app;
}
