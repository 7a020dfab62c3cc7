// Helpers for channel tests: signing like Meta, loading the committed Meta fixtures, a stand-in chat
// pipeline, and waiting for a condition without timing assertions.
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../src/config.js';
import type { Database } from '../../src/db/orm.js';
import type { ProcessInbound } from '../../src/domain/inbox/inbound.js';
import { enqueueNotification } from '../../src/domain/notifications/outbox.js';

export const APP_SECRET = 'test-app-secret-0123456789abcdef';
export const VERIFY_TOKEN = 'malar-verify-token';
export const ACCESS_TOKEN = 'EAAtest-access-token';
export const PHONE_NUMBER_ID = '106540352242922';

export function sign(body: string | Buffer, secret = APP_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/meta');

/** A committed Meta example as text; `now` rewrites message timestamps to the present (fresh 24 h window). */
export function fixture(name: string, options: { now?: boolean } = {}): string {
  const text = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
  if (!options.now) return text;
  const seconds = String(Math.floor(Date.now() / 1000));
  return text.replace(/"timestamp": "\d+"/g, `"timestamp": "${seconds}"`);
}

/**
 * Stands in for the chat pipeline (another feature): in one transaction, skips a row that already has an
 * outcome, otherwise replies through the outbox and marks the row processed. `calls` counts real work.
 */
/**
 * POSTs a signed Cloud API delivery of a staff entry, `FAR002 malli 10 @200` (10 kg × ₹200.00), with the given
 * wamid, to a running service's webhook; returns the response.
 */
export function postStaffEntry(port: number, wamid: string): Promise<Response> {
  const body = fixture('text-message.json', { now: true })
    .replace(/wamid\.HBgMOTE5ODc2NTQzMjExFQIAEhgg[A-Za-z0-9]+/, wamid)
    .replace('FAR001 malli 12.5', 'FAR002 malli 10 @200');
  return fetch(`http://127.0.0.1:${port}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
    body,
  });
}

export function standInProcessor(db: Database): ProcessInbound & { handled: string[] } {
  const handled: string[] = [];
  const fn = async (id: string) => {
    await db.orm.em.fork().transactional(async (em) => {
      const [row] = await em.execute<{ sender_phone: string | null; text: string | null; outcome: string | null }[]>(
        'select sender_phone, text, outcome from inbound_messages where id = ? for update',
        [id],
      );
      if (!row || row.outcome !== null) return;
      if (row.sender_phone) {
        enqueueNotification(em, {
          recipientPhone: row.sender_phone,
          type: 'chat_reply',
          language: 'en',
          payload: { text: row.text === null ? 'Please send text' : `Received: ${row.text}` },
        });
      }
      await em.execute(`update inbound_messages set outcome = 'processed', processed_at = now() where id = ?`, [id]);
      handled.push(id);
    });
  };
  return Object.assign(fn, { handled });
}

/** Polls until check() is truthy; fails after `tries` (a bound, not a speed assertion). */
export async function eventually<T>(check: () => Promise<T> | T, what: string, tries = 400, everyMs = 25): Promise<NonNullable<T>> {
  for (let i = 0; i < tries; i++) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for: ${what}`);
}

/** A service configuration for the Cloud API against a test database and a fake Graph API. */
export function cloudTestConfig(t: { config: Config; db: Database }, graphUrl: string): Config {
  return {
    ...t.config,
    // The service opens its own pool on the test database, as a second instance would.
    databaseUrl: t.db.url,
    dbPoolSize: 4,
    port: 0,
    host: '127.0.0.1',
    // As a Cloud API service on a PostgreSQL server runs by default: the pipeline on its worker thread.
    pipelineThread: 'worker',
    pipelineNice: 5,
    whatsapp: {
      ...t.config.whatsapp,
      transport: 'cloud',
      verifyToken: VERIFY_TOKEN,
      appSecret: APP_SECRET,
      accessToken: ACCESS_TOKEN,
      phoneNumberId: PHONE_NUMBER_ID,
      apiBaseUrl: graphUrl,
    },
  };
}
