// Users (admins): the office's accounts; add one (a password is made and shown once), change role, language or
// switch off, and set a new password. Sessions of a changed account end on this instance at once.
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../../app.js';
import { LANGUAGES, type Language } from '../../domain/columns.js';
import { createUser, listUsers, resetPassword, updateUser } from '../../domain/users/users.service.js';
import type { UserRole } from '../../domain/users/user.entity.js';
import { AppError } from '../../errors.js';
import type { Sessions } from '../auth/session.js';
import { actorOf, emFor } from '../request.js';
import type { AppEnv } from '../types.js';
import { errorText, notes, pageFor, shell, tFor, UUID } from './layout.js';

const ROLES: UserRole[] = ['admin', 'staff'];
const lang = (v: unknown): Language | undefined => ((LANGUAGES as readonly string[]).includes(String(v)) ? (String(v) as Language) : undefined);
const role = (v: unknown): UserRole | undefined => (ROLES.includes(String(v) as UserRole) ? (String(v) as UserRole) : undefined);

export function usersPage(deps: AppDeps, sessions: Sessions) {
  const app = new Hono<AppEnv>();
  app.use('*', pageFor('admin'));

  async function page(c: Context<AppEnv>, note?: { password?: { email: string; password: string }; error?: string }) {
    const t = tFor(c);
    const users = await listUsers(emFor(deps), {});
    const options = <T extends string>(values: readonly T[], current: T, label: (v: T) => string) =>
      values.map((v) => html`<option value="${v}" ${v === current ? 'selected' : ''}>${label(v)}</option>`);
    const body = html`<h1>${t('console.nav.users')}</h1>
      ${notes(c)} ${note?.error ? html`<p class="msg err" role="alert">${note.error}</p>` : ''}
      ${
        note?.password
          ? html`<p class="msg ok" role="status">
              ${t('console.users.password', { email: note.password.email })} <code>${note.password.password}</code>
            </p>`
          : ''
      }
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>${t('console.users.name')}</th>
              <th>${t('console.users.email')}</th>
              <th>${t('console.farmers.phone')}</th>
              <th>${t('console.users.change')}</th>
              <th>${t('console.users.newPassword')}</th>
            </tr>
          </thead>
          <tbody>
            ${users.map(
              (u) =>
                html`<tr ${u.isActive ? '' : html`class="muted"`}>
                  <td>${u.fullName}</td>
                  <td>${u.email}</td>
                  <td>${u.phone}</td>
                  <td>
                    <form class="inline" method="post" action="/admin/users/${u.id}">
                      <label
                        >${t('console.users.role')}
                        <select name="role">
                          ${options(ROLES, u.role, (r) => t(`console.roles.${r}`))}
                        </select></label
                      >
                      <label
                        >${t('console.farmers.language')}
                        <select name="languagePreference">
                          ${options(LANGUAGES, u.languagePreference, (l) => t(`console.languages.${l}`))}
                        </select></label
                      >
                      <label class="check"
                        ><input type="checkbox" name="isActive" value="1" ${u.isActive ? 'checked' : ''} /> ${t('console.farmers.active')}</label
                      >
                      <button type="submit" class="secondary">${t('console.save')}</button>
                    </form>
                  </td>
                  <td>
                    <form class="inline" method="post" action="/admin/users/${u.id}/password">
                      <button type="submit" class="secondary" aria-label="${t('console.users.newPassword')} ${u.email}">
                        ${t('console.users.newPassword')}
                      </button>
                    </form>
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <h2>${t('console.users.add')}</h2>
      <form method="post" action="/admin/users" class="row">
        <label>${t('console.users.name')} <input name="fullName" required maxlength="255" /></label>
        <label>${t('console.users.email')} <input type="email" name="email" required /></label>
        <label>${t('console.farmers.phone')} <input name="phone" required inputmode="tel" /></label>
        <label
          >${t('console.users.role')}
          <select name="role">
            ${options(ROLES, 'staff', (r) => t(`console.roles.${r}`))}
          </select></label
        >
        <label
          >${t('console.farmers.language')}
          <select name="languagePreference">
            ${options(LANGUAGES, 'ta', (l) => t(`console.languages.${l}`))}
          </select></label
        >
        <button type="submit">${t('console.users.add')}</button>
      </form>`;
    return shell({ c, title: t('console.nav.users'), active: 'users', body });
  }

  const guarded = async (c: Context<AppEnv>, work: () => Promise<{ email: string; password: string } | undefined>) => {
    try {
      const password = await work();
      return password ? c.html(await page(c, { password })) : c.redirect('/admin/users?done=1', 303);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return c.html(await page(c, { error: errorText(c, err) }), err.status === 404 ? 404 : 422);
    }
  };

  app.get('/', async (c) => c.html(await page(c)));

  app.post('/', async (c) => {
    const form = await c.req.parseBody();
    return guarded(c, async () => {
      const r = role(form.role);
      const fullName = String(form.fullName ?? '').trim();
      const email = String(form.email ?? '').trim();
      if (!r || !fullName || !email) throw new AppError('USER_FIELDS_REQUIRED', 'Name, email, phone and role are needed', 422);
      const made = await createUser(
        emFor(deps),
        { email, fullName, phone: String(form.phone ?? ''), role: r, languagePreference: lang(form.languagePreference) },
        actorOf(c, deps),
      );
      return { email: made.user.email, password: made.generatedPassword! };
    });
  });

  app.post('/:id', async (c) => {
    const form = await c.req.parseBody();
    const id = c.req.param('id');
    return guarded(c, async () => {
      if (!UUID.test(id)) throw new AppError('USER_NOT_FOUND', 'No such user', 404);
      await updateUser(
        emFor(deps),
        id,
        { role: role(form.role), languagePreference: lang(form.languagePreference), isActive: form.isActive === '1' },
        actorOf(c, deps),
      );
      sessions.forgetUser(id);
      return undefined;
    });
  });

  app.post('/:id/password', async (c) => {
    const id = c.req.param('id');
    return guarded(c, async () => {
      if (!UUID.test(id)) throw new AppError('USER_NOT_FOUND', 'No such user', 404);
      const r = await resetPassword(emFor(deps), id, undefined, actorOf(c, deps));
      sessions.forgetUser(id);
      const u = (await listUsers(emFor(deps), {})).find((x) => x.id === id);
      return { email: u?.email ?? id, password: r.generatedPassword! };
    });
  });
  return app;
}
