// The naive reference design (issue 20): what a competent engineer writes in an afternoon. Hono + pg, the
// signature checked and the body parsed, then ONE transaction per message: look up the sender, the farmer and
// the rate; insert the inbox row and the entry; move the balance; insert an audit row and two outbox rows
// (reply and receipt); commit; answer. Nothing is batched, cached or deferred, and nothing sends the outbox.
//   DATABASE_URL=… PORT=… APP_SECRET=… node --import tsx bench/naive/server.ts
// Only the bench's message shape is understood: "<farmer code> <flower word> <quantity>[kg|கிலோ]".
import { createHmac, timingSafeEqual } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const secret = process.env.APP_SECRET ?? '';
const TIME_ZONE = 'Asia/Kolkata';

interface WebhookMessage {
  from: string;
  id: string;
  timestamp: string;
  text?: { body: string };
}

function signed(raw: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const want = createHmac('sha256', secret).update(raw).digest();
  const got = Buffer.from(header.slice(7), 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

async function handle(m: WebhookMessage, raw: unknown): Promise<void> {
  const text = m.text?.body ?? '';
  const [code, word, qtyText] = text.trim().split(/\s+/);
  const quantity = Number.parseFloat(qtyText ?? '');
  const phone = `+${m.from}`;
  const at = new Date(Number(m.timestamp) * 1000);
  const client = await pool.connect();
  try {
    await client.query('begin');
    const stored = await client.query(
      `insert into inbound_messages (channel, provider_message_id, sender, sender_phone, text, received_at, raw, outcome, processed_at)
       values ('cloud', $1, $2, $3, $4, $5, $6, 'done', now()) on conflict (provider_message_id) do nothing returning id`,
      [m.id, m.from, phone, text, at, JSON.stringify(raw)],
    );
    if (!stored.rowCount) return void (await client.query('commit')); // a redelivery
    const staff = await client.query(`select id, language_preference from users where phone = $1 and is_active`, [phone]);
    const farmer = await client.query(`select id, commission_rate, whatsapp_number, phone from farmers where farmer_code = $1`, [code]);
    const flower = await client.query(`select id, unit from flower_types where $1 = any(aliases) or lower(name) = lower($1) or name_ta = $1`, [word]);
    const slot = await client.query(
      `select id from time_slots where is_active and ($1::timestamptz at time zone '${TIME_ZONE}')::time >= start_time
          and ($1::timestamptz at time zone '${TIME_ZONE}')::time < end_time`,
      [at],
    );
    const rate = await client.query(
      `select rate_per_unit from market_rates where flower_type_id = $1 and time_slot_id = $2
          and effective_date <= ($3::timestamptz at time zone '${TIME_ZONE}')::date
        order by effective_date desc limit 1`,
      [flower.rows[0]?.id, slot.rows[0]?.id, at],
    );
    if (!staff.rowCount || !farmer.rowCount || !flower.rowCount || !rate.rowCount || !Number.isFinite(quantity)) {
      throw new Error(`cannot record "${text}"`);
    }
    const f = farmer.rows[0];
    const entry = await client.query(
      `insert into daily_entries (farmer_id, flower_type_id, time_slot_id, entry_date, entry_time, quantity, unit, rate_per_unit,
                                  total_amount, commission_rate, commission_amount, fee_amount, net_amount, recorded_by_id,
                                  source, source_message_id, source_line, status)
       select $1, $2, $3, ($4::timestamptz at time zone '${TIME_ZONE}')::date, $4, q, $5, r, round(q * r, 2), c,
              round(round(q * r, 2) * c / 100, 2), 0, round(q * r, 2) - round(round(q * r, 2) * c / 100, 2), $6,
              'whatsapp', $7, 0, 'active'
         from (select $8::numeric as q, $9::numeric as r, coalesce($10::numeric, 5) as c) v
       returning id, net_amount`,
      [
        f.id,
        flower.rows[0].id,
        slot.rows[0].id,
        at,
        flower.rows[0].unit,
        staff.rows[0].id,
        m.id,
        quantity,
        rate.rows[0].rate_per_unit,
        f.commission_rate,
      ],
    );
    const { id: entryId, net_amount: net } = entry.rows[0];
    const balance = await client.query(
      `update farmers set current_balance = current_balance + $2, updated_at = now() where id = $1 returning current_balance`,
      [f.id, net],
    );
    await client.query(
      `insert into security_logs (actor_user_id, actor_phone, action, entity, entity_id, details) values ($1, $2, 'entry.create', 'daily_entry', $3, $4)`,
      [staff.rows[0].id, phone, entryId, JSON.stringify({ net })],
    );
    await client.query(
      `insert into notifications (recipient_phone, type, language, payload, user_id, farmer_id, status, attempts, next_attempt_at)
       values ($1, 'reply', $2, $3, $4, null, 'pending', 0, now()), ($5, 'receipt', 'en', $6, null, $7, 'pending', 0, now())`,
      [
        phone,
        staff.rows[0].language_preference,
        JSON.stringify({ text: `Saved: ${code} ${word} ${quantity} = ${net}` }),
        staff.rows[0].id,
        f.whatsapp_number ?? f.phone,
        JSON.stringify({ text: `${code}: ${word} ${quantity} = ${net}. Balance ${balance.rows[0].current_balance}` }),
        f.id,
      ],
    );
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    client.release();
  }
}

const app = new Hono();
app.get('/ready', (c) => c.text('ok'));
app.post('/webhooks/whatsapp', async (c) => {
  const raw = Buffer.from(await c.req.arrayBuffer());
  if (!signed(raw, c.req.header('x-hub-signature-256'))) return c.text('bad signature', 401);
  const body = JSON.parse(raw.toString('utf8')) as { entry?: { changes?: { value?: { messages?: WebhookMessage[] } }[] }[] };
  for (const e of body.entry ?? []) for (const ch of e.changes ?? []) for (const m of ch.value?.messages ?? []) await handle(m, body);
  return c.text('ok');
});

serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
process.on('SIGTERM', () => void pool.end().then(() => process.exit(0)));
