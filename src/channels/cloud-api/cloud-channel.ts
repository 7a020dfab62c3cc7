// Sending through Meta's Cloud API: text and document messages, and the approved template when the person
// has not written in the last 24 hours (Meta refuses free-form messages then). Receiving is the webhook's job.
import http from 'node:http';
import https from 'node:https';
import type { Channel, ChannelStatus, OutboundDocument, OutboundText, RememberMenu, SendResult } from '../channel.js';
import { numberedMenu } from '../../domain/notifications/choices.js';
import { interactivePayload } from './interactive.js';
import { ChannelSendError } from '../channel.js';
import type { Logger } from '../../logger.js';
import { graphError, REENGAGEMENT_REQUIRED } from './errors.js';

export interface TemplateChoice {
  name: string;
  language: string;
}

export interface CloudChannelOptions {
  apiBaseUrl: string;
  accessToken: string;
  phoneNumberId: string;
  logger: Logger;
  /** Whether this phone wrote to us within the last 24 hours. */
  windowOpen: (phone: string) => Promise<boolean>;
  /** The approved templates for text and for documents (from settings, read at send time). */
  templates: () => Promise<{ text: TemplateChoice; document: TemplateChoice }>;
  /** Where a numbered menu sent as text (template, or choices Meta cannot show) is remembered. */
  rememberMenu?: RememberMenu;
  timeoutMs?: number;
}

const WINDOW_MS = 24 * 60 * 60 * 1000;
export const CUSTOMER_WINDOW_MS = WINDOW_MS;

/** Template parameters may not hold newlines, tabs or long runs of spaces. */
export function templateText(text: string, max = 1000): string {
  const flat = text
    .replace(/[\t\r]/g, ' ')
    .replace(/\n+/g, ' · ')
    .replace(/ {4,}/g, '   ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export class CloudApiChannel implements Channel {
  readonly name = 'cloud' as const;
  private lastError: string | undefined;

  constructor(private readonly o: CloudChannelOptions) {}

  async start(): Promise<void> {
    // Inbound messages arrive on POST /webhooks/whatsapp, mounted in the HTTP app.
  }

  async stop(): Promise<void> {}

  status(): ChannelStatus {
    return this.lastError ? { ok: true, detail: `last send error: ${this.lastError}` } : { ok: true };
  }

  async sendText(m: OutboundText): Promise<SendResult> {
    const interactive = m.choices ? interactivePayload(m.text, m.choices) : null;
    // Without buttons (outside the window, or choices Meta cannot show) the choices become a numbered menu.
    const asText = async () => {
      if (!m.choices) return m.text;
      await this.o.rememberMenu?.(
        m.to,
        m.choices.items.map((c) => c.id),
      );
      return numberedMenu(m.text, m.choices);
    };
    if (!(await this.o.windowOpen(m.to))) return this.sendTemplate(m.to, (await this.o.templates()).text, await asText());
    try {
      if (interactive) return await this.sendMessage(m.to, { type: 'interactive', interactive });
      return await this.sendMessage(m.to, { type: 'text', text: { preview_url: false, body: await asText() } });
    } catch (err) {
      // Our window estimate can be wrong (e.g. the person wrote on another channel); Meta's word decides.
      if (err instanceof ChannelSendError && err.code === String(REENGAGEMENT_REQUIRED)) {
        return this.sendTemplate(m.to, (await this.o.templates()).text, await asText());
      }
      throw err;
    }
  }

  async sendDocument(m: OutboundDocument): Promise<SendResult> {
    const mediaId = await this.upload(m);
    const caption = m.caption?.slice(0, 1024);
    if (await this.o.windowOpen(m.to)) {
      try {
        return await this.sendMessage(m.to, { type: 'document', document: { id: mediaId, filename: m.filename, ...(caption ? { caption } : {}) } });
      } catch (err) {
        if (!(err instanceof ChannelSendError && err.code === String(REENGAGEMENT_REQUIRED))) throw err;
      }
    }
    return this.sendTemplate(m.to, (await this.o.templates()).document, caption ?? m.filename, { id: mediaId, filename: m.filename });
  }

  private async sendTemplate(to: string, t: TemplateChoice, text: string, document?: { id: string; filename: string }) {
    const components: unknown[] = [];
    if (document) components.push({ type: 'header', parameters: [{ type: 'document', document }] });
    components.push({ type: 'body', parameters: [{ type: 'text', text: templateText(text) }] });
    const result = await this.sendMessage(to, { type: 'template', template: { name: t.name, language: { code: t.language }, components } });
    return { ...result, template: t.name };
  }

  private async sendMessage(to: string, content: Record<string, unknown>): Promise<SendResult> {
    const body = await this.call('messages', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: to.replace(/^\+/, ''), ...content }),
    });
    const id = (body as { messages?: { id?: string }[] } | null)?.messages?.[0]?.id;
    if (!id) throw new ChannelSendError('WhatsApp Cloud API accepted the message but returned no message id', true, 'no_id');
    return { providerMessageId: id };
  }

  private async upload(m: OutboundDocument): Promise<string> {
    const form = new FormData();
    form.append('messaging_product', 'whatsapp');
    form.append('type', m.mimeType);
    form.append('file', new Blob([m.bytes as Uint8Array<ArrayBuffer>], { type: m.mimeType }), m.filename);
    const body = await this.call('media', { body: form });
    const id = (body as { id?: string } | null)?.id;
    if (!id) throw new ChannelSendError('WhatsApp Cloud API media upload returned no id', true, 'no_media_id');
    return id;
  }

  // Keep-alive sockets to the Graph API, reused across sends. JSON messages go through node:http(s): global
  // fetch() costs several times the CPU per request (web streams, its own pool), on the event loop that also
  // answers the webhooks. Media uploads (multipart) still use fetch's FormData.
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
  };

  private post(url: string, headers: Record<string, string>, body: string): Promise<{ ok: boolean; status: number; json(): Promise<unknown> }> {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    const timeoutMs = this.o.timeoutMs ?? 20_000;
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        u,
        {
          method: 'POST',
          agent: secure ? this.agents.https : this.agents.http,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('aborted', () => reject(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { name: 'TimeoutError' })));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            resolve({ ok: status >= 200 && status < 300, status, json: async () => JSON.parse(text) as unknown });
          });
        },
      );
      // The whole exchange, as fetch's AbortSignal.timeout did, not only an idle socket.
      const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { name: 'TimeoutError' })), timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
      req.end(body);
    });
  }

  private async call(path: 'messages' | 'media', init: { headers?: Record<string, string>; body: string | FormData }): Promise<unknown> {
    const url = `${this.o.apiBaseUrl}/${this.o.phoneNumberId}/${path}`;
    let res: { ok: boolean; status: number; json(): Promise<unknown> };
    try {
      const headers = { authorization: `Bearer ${this.o.accessToken}`, ...init.headers };
      res =
        typeof init.body === 'string'
          ? await this.post(url, headers, init.body)
          : await fetch(url, { method: 'POST', headers, body: init.body, signal: AbortSignal.timeout(this.o.timeoutMs ?? 20_000) });
    } catch (err) {
      const timeout = (err as Error).name === 'TimeoutError';
      this.lastError = timeout ? 'timeout' : 'network';
      throw new ChannelSendError(
        `WhatsApp Cloud API ${timeout ? 'timed out' : 'unreachable'}: ${(err as Error).message}`,
        true,
        timeout ? 'timeout' : 'network',
      );
    }
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const error = graphError(res.status, body);
      this.lastError = error.message;
      this.o.logger.warn({ path, status: res.status, code: error.code, retryable: error.retryable }, 'Cloud API refused a request');
      throw error;
    }
    this.lastError = undefined;
    return body;
  }
}
