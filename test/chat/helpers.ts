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
    `select id::text, recipient_phone, type, language, payload->>'text' as text from notifications where id > ?::bigint order by notifications.id`,
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

let farmerSeq = 0;
/** A farmer of the test's own, so tests never share balances. */
export async function createFarmer(t: TestDatabase, options: { language?: 'en' | 'ta'; commissionRate?: string | null } = {}) {
  const n = 100 + ++farmerSeq + (process.pid % 50) * 20;
  const code = `FAR${n}`;
  const phone = `+9190000${String(n).padStart(5, '0')}`;
  const rows = await sql<{ id: string }>(
    t.db,
    `insert into farmers (farmer_code, name, village, phone, whatsapp_number, language_preference, commission_rate)
     values (?, ?, 'Test village', ?, ?, ?, ?) returning id::text as id`,
    [code, `Farmer ${n}`, phone, phone, options.language ?? 'ta', options.commissionRate ?? null],
  );
  return { id: rows[0]!.id, code, phone };
}

export async function createStaff(t: TestDatabase, phone: string, role: 'staff' | 'admin' = 'staff', language: 'en' | 'ta' = 'en') {
  const rows = await sql<{ id: string }>(
    t.db,
    `insert into users (email, full_name, phone, role, language_preference) values (?, ?, ?, ?, ?) returning id::text as id`,
    [`${phone.slice(1)}@test.malar`, `Staff ${phone}`, phone, role, language],
  );
  return { id: rows[0]!.id, phone };
}

export async function setSetting(t: TestDatabase, key: string, value: string) {
  await sql(t.db, `update system_settings set value = ? where key = ?`, [value, key]);
}

/** The guide's "Business Logic Checks", with the rounding and balance rule of docs/ledger.md: every query must return no rows. */
export async function businessLogicViolations(t: TestDatabase) {
  const settlements = await sql(
    t.db,
    `select id from settlements where net_payable != (gross_amount - total_commission - total_fees + total_adjustments - total_advances)`,
  );
  const balances = await sql(
    t.db,
    `select * from (${(await import('../../src/domain/balances/balances.service.js')).RECOMPUTE_BALANCES_SQL}) b
      where stored_balance::numeric != computed_balance::numeric
         or stored_advances::numeric != computed_advances::numeric
         or stored_settlements::numeric != computed_settlements::numeric`,
  );
  const commissions = await sql(
    t.db,
    `select id from daily_entries
      where commission_amount != round(total_amount * commission_rate / 100, 2)
         or total_amount != round(quantity * rate_per_unit, 2)
         or net_amount != total_amount - commission_amount - fee_amount`,
  );
  return { settlements, balances, commissions };
}
