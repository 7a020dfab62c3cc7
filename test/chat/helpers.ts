// Shared pieces for the chat tests: a pipeline over the test database and a way to send it messages.
import { createLogger } from '../../src/logger.js';
import { receiveMessage, type ChatDeps } from '../../src/chat/pipeline.js';
import type { InboundMessage } from '../../src/domain/inbox/inbound.js';
import type { TestDatabase } from '../support/database.js';
import { sql } from '../support/sql.js';

export function chatDeps(t: TestDatabase, extra: Partial<ChatDeps> = {}): ChatDeps {
  return { orm: t.db.orm, config: t.config, logger: createLogger({ logLevel: 'silent' }), ...extra };
}

let counter = 0;
export function inbound(from: string, text: string | null, options: Partial<InboundMessage> = {}): InboundMessage {
  return {
    channel: 'console',
    providerMessageId: options.providerMessageId ?? `test-${process.pid}-${++counter}`,
    sender: from,
    senderPhone: from,
    text,
    mediaKind: null,
    receivedAt: new Date('2030-03-02T00:40:00Z'), // 06:10 in Asia/Kolkata: the Morning Peak slot
    ...options,
  };
}

export async function send(t: TestDatabase, from: string, text: string | null, options: Partial<InboundMessage> = {}, extra: Partial<ChatDeps> = {}) {
  const message = inbound(from, text, options);
  const stored = await receiveMessage(chatDeps(t, extra), message);
  return { ...stored, message };
}

export interface OutboxRow {
  id: string;
  recipient_phone: string;
  type: string;
  language: string;
  text: string;
}

/** Notifications written after a given id, oldest first. */
export async function outboxSince(t: TestDatabase, afterId = '0'): Promise<OutboxRow[]> {
  return sql<OutboxRow>(
    t.db,
    `select id::text, recipient_phone, type, language, payload->>'text' as text from notifications where id > ?::bigint order by id`,
    [afterId],
  );
}

export async function lastOutboxId(t: TestDatabase): Promise<string> {
  const rows = await sql<{ id: string }>(t.db, `select coalesce(max(id), 0)::text as id from notifications`);
  return rows[0]!.id;
}

/** Rates of our own on a fixed future date, so tests do not depend on the day the seed ran. */
export async function setTestRates(t: TestDatabase) {
  await sql(
    t.db,
    `insert into market_rates (flower_type_id, time_slot_id, rate_per_unit, effective_date)
     select f.id, s.id,
            case f.code when 'FLW001' then 180.35 when 'FLW002' then 412.50 when 'FLW003' then 60.00 else 95.00 end
              + case s.name when 'Morning Peak' then 0 else 10 end,
            '2030-03-01'
       from flower_types f cross join time_slots s where f.code <> 'FLW004'`,
  );
}
