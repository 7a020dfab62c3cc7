// The terminal chat when a service is already running on the same data folder or database: each typed message is
// posted to the service's /try API (stored and handed to its inbox, as a webhook's message is) and what the bot
// then writes to the outbox is read back and printed by the console channel, documents saved as files.
import type { ConsoleChannel } from '../channels/console/console-channel.js';
import type { InboundMessage } from '../domain/inbox/inbound.js';
import { TRY_TOKEN_HEADER, type LocalService } from '../http/try/local-service.js';

interface ShownMessage {
  id: string;
  to: string;
  kind: 'text' | 'document';
  text: string | null;
  choices?: string[];
  document?: { href: string; filename: string };
}

/** How long to wait for the bot's answer before giving the prompt back (the service may be busy). */
const ANSWER_WAIT_MS = 20_000;
const POLL_MS = 250;

export function remoteChat(service: LocalService, channel: ConsoleChannel) {
  const base = `http://127.0.0.1:${service.port}`;
  const headers = { [TRY_TOKEN_HEADER]: service.token, 'content-type': 'application/json' };
  let last: string | null = null;

  async function call<T>(path: string, init?: RequestInit): Promise<T> {
    const res = await fetch(`${base}${path}`, { ...init, headers: { ...headers, ...(init?.headers ?? {}) } });
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
      throw new Error(`the service said ${res.status}: ${body.error?.message ?? res.statusText}`);
    }
    return (await res.json()) as T;
  }

  async function show(m: ShownMessage) {
    if (m.kind === 'document' && m.document) {
      const res = await fetch(`${base}${m.document.href}`, { headers });
      const bytes = new Uint8Array(await res.arrayBuffer());
      await channel.sendDocument({
        to: m.to,
        bytes,
        filename: m.document.filename,
        mimeType: 'application/pdf',
        ...(m.text ? { caption: m.text } : {}),
      });
      return;
    }
    const choices = m.choices?.length ? `\n${m.choices.map((c, i) => `${i + 1}. ${c}`).join('\n')}` : '';
    await channel.sendText({ to: m.to, text: `${m.text ?? ''}${choices}` });
  }

  return {
    async start() {
      last = (await call<{ last: string }>('/try/api/feed?after=latest')).last;
    },
    async send(message: InboundMessage) {
      await call('/try/api/messages', {
        method: 'POST',
        body: JSON.stringify({ from: message.sender, text: message.text, at: message.receivedAt.toISOString() }),
      });
      // The reply to the sender comes with every receipt of the same message (one transaction): once it is here,
      // one more look collects anything written just after it.
      const until = Date.now() + ANSWER_WAIT_MS;
      let answered = false;
      let extra = 2;
      while (Date.now() < until && extra > 0) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        const feed = await call<{ items: ShownMessage[]; last: string }>(`/try/api/feed?after=${last}`);
        last = feed.last;
        for (const m of feed.items) {
          await show(m);
          if (m.to === message.sender) answered = true;
        }
        if (answered) extra--;
      }
      if (!answered) channel.print('  (no answer from the service yet; it may come with the next message)');
    },
  };
}
