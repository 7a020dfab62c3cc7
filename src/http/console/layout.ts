// The console's frame: one page shell (phone-first CSS, skip link, navigation by role), the language of the
// signed-in user (or the one they picked with the switch), and the error words of the API's translator.
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { html, raw } from 'hono/html';
import type { TFunction } from 'i18next';
import type { Language } from '../../domain/columns.js';
import type { UserRole } from '../../domain/users/user.entity.js';
import { AppError } from '../../errors.js';
import { formatRupees } from '../../domain/money.js';
import { localDate, localTime } from '../../domain/market-time.js';
import { translator } from '../../i18n.js';
import { requestLanguage } from '../errors.js';
import type { AppEnv } from '../types.js';

export type Html = ReturnType<typeof html>;
export const LANG_COOKIE = 'malar_lang';

export function pageLanguage(c: Context<AppEnv>): Language {
  const picked = getCookie(c, LANG_COOKIE);
  return picked === 'ta' || picked === 'en' ? picked : requestLanguage(c);
}

export const tFor = (c: Context<AppEnv>): TFunction => translator(pageLanguage(c));

/** An AppError in the reader's words (the API's error texts). */
export function errorText(c: Context<AppEnv>, err: AppError): string {
  const t = tFor(c);
  const vars = { ...(err.details ?? {}), defaultValue: err.message };
  return t(`console.errors.${err.code}`, { ...vars, defaultValue: t(`api.errors.${err.code}`, vars) });
}

interface NavItem {
  href: string;
  key: string;
  roles: UserRole[];
}
/** What each role sees; the routes check the same lists (PAGE_ROLES), so a hidden link is also a closed door. */
export const NAV: NavItem[] = [
  { href: '/admin/today', key: 'today', roles: ['admin', 'staff'] },
  { href: '/admin/farmers', key: 'farmers', roles: ['admin', 'staff'] },
  { href: '/admin/buyers', key: 'buyers', roles: ['admin', 'staff'] },
  { href: '/admin/receivables', key: 'receivables', roles: ['admin'] },
  { href: '/admin/advances', key: 'advances', roles: ['admin'] },
  { href: '/admin/settlements', key: 'settlements', roles: ['admin'] },
  { href: '/admin/rates', key: 'rates', roles: ['admin'] },
  { href: '/admin/rate-history', key: 'rateHistory', roles: ['admin'] },
  { href: '/admin/messages', key: 'messages', roles: ['admin'] },
  { href: '/admin/audit', key: 'audit', roles: ['admin'] },
  { href: '/admin/settings', key: 'settings', roles: ['admin'] },
  { href: '/admin/users', key: 'users', roles: ['admin'] },
];

export const STYLE = `
:root{--ink:#1d1d1d;--muted:#555;--line:#d4d4d4;--brand:#8a1c4a;--ok:#e3f4e3;--err:#fbe2e2;font-size:16px}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{font-family:system-ui,'Noto Sans Tamil','Noto Sans',sans-serif;margin:0;color:var(--ink);background:#faf8f5;line-height:1.45}
a{color:var(--brand)}
.skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;background:#fff;padding:.4rem;z-index:9}
header.top{background:var(--brand);color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
header.top a{color:#fff}
header.top .who{margin-left:auto;font-size:.9rem}
nav.main{background:#fff;border-bottom:1px solid var(--line);padding:.3rem .6rem;display:flex;flex-wrap:wrap;gap:.2rem}
nav.main a{padding:.45rem .6rem;border-radius:4px;text-decoration:none;min-height:2.4rem;display:inline-flex;align-items:center}
nav.main a[aria-current=page]{background:var(--brand);color:#fff}
main{padding:1rem;max-width:72rem}
h1{font-size:1.4rem;margin:.2rem 0 .8rem}
h2{font-size:1.1rem;margin:1.2rem 0 .5rem}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;background:#fff;min-width:100%}
th,td{border:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
small,.muted{color:var(--muted)}
.msg{padding:.5rem .8rem;margin:.8rem 0;border-radius:4px}
.ok{background:var(--ok)}.err{background:var(--err)}
form.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin:.5rem 0}
form.inline{display:inline-flex;gap:.3rem;flex-wrap:wrap;align-items:center;margin:0}
label{display:flex;flex-direction:column;font-size:.9rem;gap:.15rem}
label.check{flex-direction:row;align-items:center;gap:.4rem}
input,select,button,textarea{font:inherit;padding:.4rem .5rem;min-height:2.4rem;border:1px solid #999;border-radius:4px;background:#fff}
button{background:var(--brand);color:#fff;border-color:var(--brand);cursor:pointer}
button.secondary{background:#fff;color:var(--brand)}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.cards{display:flex;flex-wrap:wrap;gap:.6rem}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem;min-width:10rem}
.card b{display:block;font-size:1.2rem}
input.rate{width:6.5rem;text-align:right}
th small,td small{display:block;font-weight:normal}
@media (max-width:40rem){main{padding:.6rem}header.top .who{margin-left:0}}
`;

export function shell(opts: { c: Context<AppEnv>; title: string; active?: string; body: Html; refreshScript?: boolean }): Html {
  const { c } = opts;
  const t = tFor(c);
  const lang = pageLanguage(c);
  const user = c.get('user');
  const other = lang === 'ta' ? 'en' : 'ta';
  const back = encodeURIComponent(c.req.path + (new URL(c.req.url).search || ''));
  const nav = user
    ? NAV.filter((n) => n.roles.includes(user.role)).map(
        (n) => html`<a href="${n.href}" ${n.key === opts.active ? html`aria-current="page"` : ''}>${t(`console.nav.${n.key}`)}</a>`,
      )
    : [];
  return html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${opts.title} · ${t('console.product')}</title>
        <style>
          ${raw(STYLE)}
        </style>
        ${opts.refreshScript ? html`<script src="/admin/assets/refresh.js" defer></script>` : ''}
      </head>
      <body>
        <a class="skip" href="#main">${t('console.skip')}</a>
        <header class="top">
          <a href="/"><strong>${t('console.product')}</strong></a>
          <a href="/admin/language?to=${other}&back=${back}" lang="${other}">${other === 'ta' ? 'தமிழ்' : 'English'}</a>
          ${
            user
              ? html`<span class="who"
                  >${user.fullName} (${t(`console.roles.${user.role}`)})
                  <form class="inline" method="post" action="/admin/logout">
                    <button type="submit" class="secondary">${t('console.signOut')}</button>
                  </form></span
                >`
              : ''
          }
        </header>
        ${user ? html`<nav class="main" aria-label="${t('console.navLabel')}">${nav}</nav>` : ''}
        <main id="main">${opts.body}</main>
      </body>
    </html>`;
}

export function signInPage(c: Context<AppEnv>, next: string, error?: string): Html {
  const t = tFor(c);
  return shell({
    c,
    title: t('console.signIn.title'),
    body: html`<h1>${t('console.signIn.title')}</h1>
      ${error ? html`<p class="msg err" role="alert">${error}</p>` : ''}
      <form method="post" action="/admin/login" class="row" style="flex-direction:column;align-items:stretch;max-width:22rem">
        <input type="hidden" name="next" value="${next}" />
        <label>${t('console.signIn.email')} <input type="email" name="email" required autocomplete="username" /></label>
        <label>${t('console.signIn.password')} <input type="password" name="password" required autocomplete="current-password" /></label>
        <button type="submit">${t('console.signIn.submit')}</button>
      </form>`,
  });
}

/** Pages are for these roles: no session → to the sign-in form (and back after), a role not listed → 403 with a page saying so. */
export function pageFor(...roles: UserRole[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get('user');
    if (!user) {
      if (c.req.method !== 'GET') return c.redirect('/admin/login', 303);
      return c.redirect(`/admin/login?next=${encodeURIComponent(c.req.path + (new URL(c.req.url).search || ''))}`, 303);
    }
    if (!roles.includes(user.role)) {
      const t = tFor(c);
      return c.html(
        shell({
          c,
          title: t('console.forbidden.title'),
          body: html`<h1>${t('console.forbidden.title')}</h1>
            <p role="alert">${t('console.forbidden.body')}</p>`,
        }),
        403,
      );
    }
    await next();
  };
}

/** Money as the chat and the statements write it: ₹1,23,456.50. */
export const money = (v: string) => formatRupees(v);

/** Runs a change; an AppError becomes a message on the next page (?err=), anything else stays a bug. */
export async function attempt(c: Context<AppEnv>, back: string, work: () => Promise<string | undefined>) {
  try {
    const done = await work();
    return c.redirect(withParam(back, 'done', done ?? '1'), 303);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return c.redirect(withParam(back, 'err', errorText(c, err)), 303);
  }
}

export function withParam(url: string, key: string, value: string): string {
  const u = new URL(url, 'http://x');
  u.searchParams.set(key, value);
  return u.pathname + u.search;
}

/** The ?done= and ?err= notes a change leaves for the page it returns to. */
export function notes(c: Context<AppEnv>): Html {
  const done = c.req.query('done');
  const err = c.req.query('err');
  return html`${done ? html`<p class="msg ok" role="status">${tFor(c)('console.saved')} ${done !== '1' ? done : ''}</p>` : ''}
  ${err ? html`<p class="msg err" role="alert">${err}</p>` : ''}`;
}

export const isoDate = /^\d{4}-\d{2}-\d{2}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An instant as the market's clock shows it: 2026-12-02 05:40:12. */
export const marketStamp = (at: string | Date, timeZone: string) => {
  const d = typeof at === 'string' ? new Date(at) : at;
  return `${localDate(d, timeZone)} ${localTime(d, timeZone)}`;
};
