// /try: a phone-shaped chat with the bot, for trying the ledger without WhatsApp. It is on when no real WhatsApp is
// attached (WHATSAPP_TRANSPORT=console) or under NODE_ENV=development, and 404 otherwise. A typed message is stored
// and handed to the inbox exactly as the Cloud API webhook does; the replies and the messages sent to others are
// read back from the outbox. Anyone may speak as anyone here, so outside development an admin must be signed in
// (or the terminal chat must show the service's local token, src/http/try/local-service.ts).
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { html, raw } from 'hono/html';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppDeps } from '../../app.js';
import type { Config } from '../../config.js';
import { storeInbound } from '../../domain/inbox/inbound.js';
import { normalizePhone } from '../../domain/phone.js';
import { latestOutboxId, oneOutboxMessage, outboxFeed, type FeedMessage } from '../../domain/notifications/feed.js';
import { listUsers } from '../../domain/users/users.service.js';
import { searchFarmers } from '../../domain/farmers/farmer.service.js';
import { AppError } from '../../errors.js';
import { ledgerDocumentResolver } from '../../outbox/documents.js';
import { isDocumentPayload } from '../../outbox/outbox-worker.js';
import { STYLE } from '../console/layout.js';
import type { AppEnv } from '../types.js';
import { chatBubbles } from './bubbles.js';
import { TRY_TOKEN_HEADER, localServiceToken } from './local-service.js';

export const tryEnabled = (config: Config) => config.whatsapp.transport === 'console' || config.nodeEnv === 'development';

const TRY_JS = fs.readFileSync(new URL('./try.js', import.meta.url), 'utf8');
const MAX_TEXT = 4096;

export interface Person {
  phone: string;
  label: string;
  group: 'admin' | 'staff' | 'farmer';
}

async function people(em: EntityManager): Promise<Person[]> {
  const users = (await listUsers(em, { active: true })).map((u) => ({
    phone: u.phone,
    label: `${u.fullName} (${u.role})`,
    group: u.role as 'admin' | 'staff',
  }));
  const farmers = (await searchFarmers(em, { active: true, page: 1, pageSize: 200 })).items
    .filter((f) => f.whatsappNumber ?? f.phone)
    .map((f) => ({ phone: (f.whatsappNumber ?? f.phone)!, label: `${f.farmerCode} ${f.name}`, group: 'farmer' as const }));
  return [...users.sort((a, b) => a.group.localeCompare(b.group)), ...farmers];
}

/** A feed message as the page draws it: text, a document with its link, or choices (kinds added later included). */
export function shownMessage(m: FeedMessage) {
  if (isDocumentPayload(m.payload)) {
    const caption = typeof m.payload.caption === 'string' ? m.payload.caption : null;
    const filename = typeof m.payload.filename === 'string' ? m.payload.filename : 'statement.pdf';
    return { ...base(m), kind: 'document' as const, text: caption, document: { href: `/try/documents/${m.id}`, filename } };
  }
  return { ...base(m), kind: 'text' as const, text: m.text ?? `(${m.type})`, choices: choicesOf(m.payload) };
}
const base = (m: FeedMessage) => ({ id: m.id, to: m.to, type: m.type, status: m.status, createdAt: m.createdAt });

/** Any list of buttons, rows or options in a payload, as numbered choices (for interactive kinds this page does not know). */
function choicesOf(payload: unknown, depth = 0): string[] {
  if (depth > 4 || payload === null || typeof payload !== 'object') return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(payload as Record<string, unknown>)) {
    if (key === 'text') continue;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (typeof item === 'string') out.push(item);
        else if (item && typeof item === 'object') {
          const o = item as Record<string, unknown>;
          const title = o.title ?? o.label ?? o.text ?? (o.reply as Record<string, unknown> | undefined)?.title;
          if (typeof title === 'string') out.push(title);
          else out.push(...choicesOf(o, depth + 1));
        }
      }
    } else if (value && typeof value === 'object') out.push(...choicesOf(value, depth + 1));
  }
  return out.slice(0, 20);
}

export function tryPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const open = deps.config.nodeEnv === 'development';
  const resolve = ledgerDocumentResolver({
    orm: deps.db.orm,
    dataDir: deps.config.dataDir,
    timeZone: deps.config.marketTimeZone,
    renderer: deps.statementRenderer,
  });
  const em = () => deps.db.orm.em.fork() as EntityManager;

  const allowed = (c: Context<AppEnv>) => {
    if (open || c.get('user')?.role === 'admin') return true;
    const token = c.req.header(TRY_TOKEN_HEADER);
    return Boolean(token && token === localServiceToken());
  };

  app.use('*', async (c, next) => {
    if (c.req.method === 'POST') {
      const origin = c.req.header('origin');
      if (origin && origin !== 'null' && new URL(origin).host !== new URL(c.req.url).host) return c.text('Cross-site posts are refused', 403);
    }
    if (!allowed(c)) {
      if (!c.get('user') && (c.req.path === '/try' || c.req.path === '/try/')) return c.redirect('/admin/login?next=/try', 303);
      throw new AppError(
        c.get('user') ? 'FORBIDDEN' : 'UNAUTHENTICATED',
        'The try-it page is for admins outside development',
        c.get('user') ? 403 : 401,
      );
    }
    await next();
    c.header('cache-control', 'no-store');
  });

  app.get('/', async (c) => c.html(page(await people(em()))));
  app.get('/assets/try.js', (c) => c.body(TRY_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/api/people', async (c) => c.json({ items: await people(em()) }));
  app.get('/api/status', (c) =>
    c.json({
      service: 'malar-ledger',
      database: deps.db.kind === 'embedded' ? `embedded:${deps.config.dataDir}` : 'server',
      transport: deps.config.whatsapp.transport,
    }),
  );

  app.post('/api/messages', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { from?: unknown; text?: unknown; at?: unknown } | null;
    const phone = typeof body?.from === 'string' ? normalizePhone(body.from) : null;
    const text = typeof body?.text === 'string' ? body.text : '';
    if (!phone) throw new AppError('INVALID_PHONE', 'That is not a phone number', 422, { field: 'from' });
    if (!text.trim() || text.length > MAX_TEXT) throw new AppError('VALIDATION_FAILED', `Type a message of 1 to ${MAX_TEXT} characters`, 422);
    const at = typeof body?.at === 'string' && !Number.isNaN(Date.parse(body.at)) ? new Date(body.at) : new Date();
    const stored = await storeInbound(em(), {
      channel: 'console',
      providerMessageId: `console-try-${randomUUID()}`,
      sender: phone,
      senderPhone: phone,
      text: text.normalize('NFC'),
      mediaKind: null,
      receivedAt: at,
    });
    if (!stored.duplicate) deps.onInboundStored?.([stored.id]);
    return c.json({ id: stored.id, from: phone }, 202);
  });

  app.get('/api/feed', async (c) => {
    const after = c.req.query('after') ?? 'latest';
    if (after === 'latest') return c.json({ items: [], last: await latestOutboxId(em()) });
    if (!/^\d{1,18}$/.test(after)) throw new AppError('VALIDATION_FAILED', 'after must be an outbox id or latest', 422);
    const feed = await outboxFeed(em(), after);
    return c.json({ items: feed.items.map(shownMessage), last: feed.last });
  });

  app.get('/documents/:id', async (c) => {
    const id = c.req.param('id');
    const n = /^\d{1,18}$/.test(id) ? await oneOutboxMessage(em(), id) : null;
    if (!n || !isDocumentPayload(n.payload)) throw new AppError('NOT_FOUND', 'No such document', 404);
    const doc = await resolve(n.payload);
    return c.body(new Uint8Array(doc.bytes), 200, {
      'content-type': doc.mimeType,
      'content-disposition': `inline; filename="${doc.filename.replace(/[^\w.-]/g, '_')}"`,
    });
  });
  return app;
}

function page(list: Person[]) {
  const groups: [Person['group'], string][] = [
    ['admin', 'Admin · நிர்வாகி'],
    ['staff', 'Staff · பணியாளர்'],
    ['farmer', 'Farmers · விவசாயிகள்'],
  ];
  return html`<!doctype html>
    <html lang="ta">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Try the bot · பாட்டை முயற்சிக்க</title>
        <style>
          ${raw(STYLE)}
          ${raw(chatBubbles)}
        </style>
        <script src="/try/assets/try.js" defer></script>
      </head>
      <body>
        <header class="top">
          <a href="/"><strong>Malar Ledger · மலர் கணக்கு</strong></a> <a href="/admin">Office · அலுவலகம்</a>
        </header>
        <main id="main" class="try">
          <section class="phone" aria-label="Chat with the bot · பாட்டுடன் உரையாடல்">
            <div class="who">
              <label
                >I am · நான்
                <select id="who">
                  ${groups.map(
                    ([g, label]) =>
                      html`<optgroup label="${label}">
                        ${list.filter((p) => p.group === g).map((p) => html`<option value="${p.phone}">${p.label} · ${p.phone}</option>`)}
                      </optgroup>`,
                  )}
                  <option value="">Another phone… · வேறு எண்…</option>
                </select></label
              >
              <label id="other-wrap" hidden>Phone · எண் <input id="other" inputmode="tel" placeholder="+919800000001" /></label>
            </div>
            <ol id="chat" class="chat" aria-live="polite" aria-label="Messages · செய்திகள்"></ol>
            <form id="send" class="compose">
              <label for="text" class="skip">Message · செய்தி</label>
              <textarea id="text" name="text" rows="2" placeholder="FAR001 malli 12.5 · இருப்பு · help" required></textarea>
              <button type="submit">Send · அனுப்பு</button>
            </form>
            <p class="muted small">Enter sends; Shift+Enter starts a new line · Enter அனுப்பும்; Shift+Enter புதிய வரி</p>
          </section>
          <section class="others" aria-labelledby="others-h">
            <h2 id="others-h">Sent to others · மற்றவர்களுக்கு அனுப்பியவை</h2>
            <ol id="others" class="chat" aria-live="polite"></ol>
          </section>
        </main>
      </body>
    </html>`;
}
