// A local stand-in for Meta's Graph API (messages and media endpoints) on a loopback port. It records what
// it receives and can be told to fail, stall or rate-limit, answering with Meta's error body shape.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

export interface RecordedMessage {
  phoneNumberId: string;
  authorization: string | undefined;
  body: {
    messaging_product: string;
    to: string;
    type: string;
    text?: { body: string };
    /** Reply buttons or a list: the text is body.text, the choices in action. */
    interactive?: { type: string; body: { text: string }; action: Record<string, unknown> };
    document?: { id: string; filename: string; caption?: string };
    template?: { name: string; language: { code: string }; components: unknown[] };
  };
  /** The wamid answered, or null when the fake refused this request. */
  answeredId: string | null;
  /** When the request arrived (Date.now()). */
  at: number;
}

export interface RecordedUpload {
  phoneNumberId: string;
  messagingProduct: string;
  type: string;
  filename: string;
  mimeType: string;
  bytes: Buffer;
  mediaId: string;
}

/** One scripted answer: an HTTP status with a Meta error code, or a delay before answering normally. */
export type Script = { status: number; code?: number; message?: string } | { delayMs: number };

export interface FakeGraph {
  /** Base URL like WHATSAPP_API_BASE_URL (ends in /v21.0). */
  url: string;
  messages: RecordedMessage[];
  uploads: RecordedUpload[];
  /** Answers for the next message requests, in order; when empty the fake succeeds. */
  script: Script[];
  /** While set, every message request gets this answer. */
  down: { status: number; code?: number } | null;
  /** Accepted messages only. */
  accepted(): RecordedMessage[];
  close(): Promise<void>;
}

export const GRAPH_VERSION = 'v21.0';

/** The text a person sees in a recorded message: a text's body, an interactive message's body, or the template's parameters. */
export const shownText = (m: RecordedMessage) =>
  m.body.text?.body ?? m.body.interactive?.body.text ?? JSON.stringify(m.body.template?.components ?? []);

/** The titles and details Meta really answers with for the codes the tests script (from Meta's error-code reference and real responses). */
export const META_ERRORS: Record<number, { message: string; details: string }> = {
  131026: { message: 'Message Undeliverable.', details: 'Message Undeliverable.' },
  131047: {
    message: 'Re-engagement message',
    details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  },
  131048: {
    message: 'Spam rate limit hit',
    details: 'Message failed to send because there are restrictions on how many messages can be sent from this phone number.',
  },
  131051: { message: 'Unsupported message type', details: 'Message type is not currently supported.' },
  131056: {
    message: '(Business Account, Consumer Account) pair rate limit hit',
    details:
      'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
  },
  130429: { message: 'Rate limit hit', details: 'Cloud API message throughput has been reached.' },
  132001: { message: 'Template name does not exist in the translation', details: 'template name (ledger_update) does not exist in ta' },
};

export async function startFakeGraph(): Promise<FakeGraph> {
  let counter = 0;
  const state = {
    messages: [] as RecordedMessage[],
    uploads: [] as RecordedUpload[],
    script: [] as Script[],
    down: null as FakeGraph['down'],
  };
  const app = new Hono();
  const metaError = (status: number, code: number | undefined, message?: string) => {
    const real = code !== undefined ? META_ERRORS[code] : undefined;
    return {
      error: {
        message: `(#${code ?? status}) ${message ?? real?.message ?? 'Scripted failure'}`,
        type: 'OAuthException',
        code: code ?? status,
        error_data: { messaging_product: 'whatsapp', details: message ?? real?.details ?? 'Scripted failure' },
        fbtrace_id: 'AazZ2lmr-fake',
      },
    };
  };

  app.post(`/${GRAPH_VERSION}/:phoneNumberId/messages`, async (c) => {
    const body = (await c.req.json()) as RecordedMessage['body'];
    const record: RecordedMessage = {
      phoneNumberId: c.req.param('phoneNumberId'),
      authorization: c.req.header('authorization'),
      body,
      answeredId: null,
      at: Date.now(),
    };
    state.messages.push(record);
    const failure = state.down ?? (state.script.length ? state.script.shift()! : null);
    if (failure && 'delayMs' in failure) await new Promise((r) => setTimeout(r, failure.delayMs));
    else if (failure) return c.json(metaError(failure.status, failure.code), failure.status as 400);
    counter += 1;
    record.answeredId = `wamid.FAKE${String(counter).padStart(6, '0')}`;
    return c.json({
      messaging_product: 'whatsapp',
      contacts: [{ input: body.to, wa_id: body.to }],
      messages: [{ id: record.answeredId, ...(body.type === 'template' ? { message_status: 'accepted' } : {}) }],
    });
  });

  app.post(`/${GRAPH_VERSION}/:phoneNumberId/media`, async (c) => {
    const form = await c.req.parseBody();
    const file = form['file'];
    if (!(file instanceof File)) return c.json(metaError(400, 100, 'file is required'), 400);
    counter += 1;
    const upload: RecordedUpload = {
      phoneNumberId: c.req.param('phoneNumberId'),
      messagingProduct: String(form['messaging_product']),
      type: String(form['type']),
      filename: file.name,
      mimeType: file.type,
      bytes: Buffer.from(await file.arrayBuffer()),
      mediaId: `${1013859600285000 + counter}`,
    };
    state.uploads.push(upload);
    return c.json({ id: upload.mediaId });
  });

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/${GRAPH_VERSION}`,
    get messages() {
      return state.messages;
    },
    get uploads() {
      return state.uploads;
    },
    get script() {
      return state.script;
    },
    set script(s) {
      state.script = s;
    },
    get down() {
      return state.down;
    },
    set down(d) {
      state.down = d;
    },
    accepted: () => state.messages.filter((m) => m.answeredId !== null),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
