// GET/POST /webhooks/whatsapp: Meta's verification handshake and its deliveries. A delivery is checked
// (size, then signature over the raw bytes), stored, and only then acknowledged; the pipeline works from
// the stored rows, so the acknowledgement never waits for replies and a crash after it loses nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Config } from '../../config.js';
import type { Database } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import { storeInboundMany } from '../../domain/inbox/inbound.js';
import { InboundWriter } from '../../domain/inbox/inbound-writer.js';
import { applyProviderStatus } from '../../domain/notifications/delivery.js';
import { bodyLimit } from '../../http/body-limit.js';
import { errorBody } from '../../http/errors.js';
import type { AppEnv } from '../../http/types.js';
import { parseWebhook } from './payload.js';
import { clientIp } from '../../http/request.js';
import { RefusedDeliveries } from './refusals.js';

/** Meta's payloads reach 3 MB; anything past 4 MiB is not from Meta. */
export const WEBHOOK_MAX_BYTES = 4 * 1024 * 1024;

export interface WebhookDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** Called after the response with ids of newly stored messages (never duplicates), to process them. */
  onInboundStored?: (ids: string[]) => void;
  maxBodyBytes?: number;
  /** Where refused deliveries are counted; default: one of its own, flushed every minute. */
  webhookRefusals?: RefusedDeliveries;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** 'sha256=<hex>' over the bytes exactly as received. */
export function validSignature(raw: Uint8Array, header: string | undefined, appSecret: string): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice(7), 'hex');
  const expected = createHmac('sha256', appSecret).update(raw).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function whatsappWebhookRoutes(deps: WebhookDeps) {
  const { config, db } = deps;
  const writer = new InboundWriter(db.orm);
  const log = deps.logger.child({ component: 'cloud-webhook' });
  const refusals =
    deps.webhookRefusals ??
    (() => {
      const r = new RefusedDeliveries({ orm: db.orm, logger: log });
      r.start();
      return r;
    })();
  const app = new Hono<AppEnv>();

  app.get('/webhooks/whatsapp', (c) => {
    const mode = c.req.query('hub.mode');
    const token = c.req.query('hub.verify_token') ?? '';
    const challenge = c.req.query('hub.challenge') ?? '';
    const expected = config.whatsapp.verifyToken;
    if (mode === 'subscribe' && expected && sameSecret(token, expected)) {
      log.info('webhook verified by Meta');
      return c.text(challenge, 200);
    }
    log.warn({ mode }, 'webhook verification refused: wrong mode or verify token');
    return c.json(errorBody('VERIFICATION_FAILED', 'hub.mode or hub.verify_token is wrong'), 403);
  });

  app.post(
    '/webhooks/whatsapp',
    bodyLimit({
      maxSize: deps.maxBodyBytes ?? WEBHOOK_MAX_BYTES,
      onError: (c) => c.json(errorBody('PAYLOAD_TOO_LARGE', 'The webhook body is larger than any Meta delivery'), 413),
    }),
    async (c) => {
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const header = c.req.header('x-hub-signature-256');
      if (!config.whatsapp.appSecret || !validSignature(raw, header, config.whatsapp.appSecret)) {
        const reason = header ? 'bad_signature' : 'missing_signature';
        // No row per refusal: counted, and summarised once a minute per address (src/channels/cloud-api/refusals.ts).
        log.debug({ reason, bytes: raw.length }, 'webhook delivery refused');
        refusals.note(clientIp(c, config.trustProxy), reason, raw.length, c.req.header('user-agent')?.slice(0, 500) ?? null);
        return c.json(errorBody('INVALID_SIGNATURE', 'X-Hub-Signature-256 is missing or does not match'), 401);
      }

      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder().decode(raw));
      } catch {
        log.warn({ bytes: raw.length }, 'signed webhook body is not JSON');
        return c.json(errorBody('INVALID_JSON', 'The body is not valid JSON'), 400);
      }

      const parsed = parseWebhook(body, config.whatsapp.phoneNumberId);
      for (const i of parsed.ignored) log[i.quiet ? 'debug' : 'warn']({ reason: i.reason, sample: i.sample }, 'webhook content ignored');

      const fresh: string[] = [];
      try {
        // All or nothing: either every message of the delivery is stored (then we say 200) or none is (then
        // Meta delivers again). The unique provider id makes the retry harmless.
        // Messages alone: one INSERT, atomic by itself, shared with the deliveries arriving at the same moment.
        if (!parsed.statuses.length) fresh.push(...(await writer.store(parsed.messages)));
        else
          await db.orm.em.fork().transactional(async (em) => {
            fresh.push(...(await storeInboundMany(em, parsed.messages)));
            for (const s of parsed.statuses) {
              const result = await applyProviderStatus(em, s);
              if (result === 'unknown')
                log.debug({ providerMessageId: s.providerMessageId, status: s.status }, 'status for a message we do not know');
            }
          });
      } catch (err) {
        fresh.length = 0;
        log.error({ err }, 'could not store a webhook delivery; Meta will deliver it again');
        return c.json(errorBody('STORAGE_UNAVAILABLE', 'Could not store the delivery; try again'), 503);
      }
      if (fresh.length) {
        log.debug({ stored: fresh.length }, 'inbound messages stored');
        deps.onInboundStored?.(fresh);
      }
      return c.json({ status: 'ok', stored: fresh.length, statuses: parsed.statuses.length });
    },
  );
  return app;
}
