// Plain messages in bulk: a run of messages that are nothing but entry lines from staff, or nothing but a
// `bal`, is done with a handful of set-based statements for the whole run instead of ~16 ORM round trips per
// message. The texts, rows and figures are exactly those of the one-by-one path (dispatch.ts); anything that path
// would refuse, warn about or treat specially (unknown sender or farmer, no rate, fees above the amount, another
// farmer's balance, …) is left to it: resolvePlain() answers null for that message.
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../domain/columns.js';
import { feeFor } from '../domain/entries/entries.service.js';
import type { FlowerInfo } from '../domain/flowers/flowers.service.js';
import { localDate, localTime } from '../domain/market-time.js';
import { dec, entryAmounts, rupees, type Big } from '../domain/money.js';
import { normalizePhone } from '../domain/phone.js';
import { getBooleanSetting, getDecimalSetting, getStringSetting } from '../domain/settings/settings.service.js';
import { slotForTime, type SlotInfo } from '../domain/slots/slots.service.js';
import { translator } from '../i18n.js';
import { entryFigures, feeText } from './dispatch.js';
import { parseLine, type Command, type Vocabulary } from './parse.js';
import { joinVerdicts, money } from './render.js';

/** A stored inbound message as the pipeline reads it. */
export interface InboundRow {
  id: string;
  provider_message_id: string;
  sender: string;
  sender_phone: string | null;
  text: string | null;
  media_kind: string | null;
  received_at: Date | string;
}

type EntryCommand = Extract<Command, { kind: 'entry' }>;

/** Long loops give the event loop back this often, so webhook acks are not held behind a big batch. */
export const YIELD_EVERY = 32;

/** What a message looks like before anything is read from the database. */
export type PlainPlan =
  | { kind: 'entries'; phone: string; at: Date; lines: { index: number; command: EntryCommand }[] }
  | { kind: 'balance'; phone: string; at: Date; farmerCode: string | null };

interface FarmerRow {
  id: string;
  code: string;
  name: string;
  phone: string | null;
  wa: string | null;
  lang: Language;
  commission: string | null;
  active: boolean;
  balance: string;
  advances: string;
  settled: string;
}

interface PlainSender {
  phone: string;
  user: { id: string; lang: Language } | null;
  farmer: FarmerRow | null;
  language: Language;
}

interface EntryLine {
  index: number;
  id: string;
  farmer: FarmerRow;
  flower: FlowerInfo;
  slotId: string;
  date: string;
  quantity: string;
  rate: string;
  rateGiven: boolean;
  commissionRate: string;
  amounts: ReturnType<typeof entryAmounts>;
}

export type PlainWork =
  | { kind: 'entries'; row: InboundRow; sender: PlainSender & { user: NonNullable<PlainSender['user']> }; at: Date; lines: EntryLine[] }
  | { kind: 'balance'; row: InboundRow; sender: PlainSender; farmer: FarmerRow };

/** The plan of a message that may take the bulk path, or null for everything else. Pure: no database. */
export function plainPlan(row: InboundRow, vocab: Vocabulary): PlainPlan | null {
  const phone = row.sender_phone ?? normalizePhone(row.sender);
  if (!phone || row.media_kind || row.text === null) return null;
  const lines = row.text.split(/\r?\n/).map((text, index) => ({ text, index })).filter((l) => l.text.trim() !== '');
  if (lines.length === 0) return null;
  const at = new Date(row.received_at);
  const parsed = lines.map((l) => ({ index: l.index, result: parseLine(l.text, vocab) }));
  if (lines.length === 1) {
    const only = parsed[0]!.result;
    if (only.ok && only.command.kind === 'balance') return { kind: 'balance', phone, at, farmerCode: only.command.farmerCode };
  }
  const entries: { index: number; command: EntryCommand }[] = [];
  for (const p of parsed) {
    if (!p.result.ok || p.result.command.kind !== 'entry') return null;
    entries.push({ index: p.index, command: p.result.command });
  }
  return { kind: 'entries', phone, at, lines: entries };
}

/**
 * Reads, with ONE query, the senders, farmers and rates a run of planned messages needs, and works out each
 * entry's figures. null for a message the one-by-one path must handle.
 */
export async function resolvePlain(
  em: EntityManager,
  timeZone: string,
  vocab: { flowers: FlowerInfo[]; slots: SlotInfo[] },
  planned: { row: InboundRow; plan: PlainPlan }[],
): Promise<(PlainWork | null)[]> {
  const phones = [...new Set(planned.map((p) => p.plan.phone))];
  const codes = new Set<string>();
  const rateKeys = new Map<string, { flower: string; slot: string; date: string }>();
  // Slot and date of every entry line first: the rates to read depend on them.
  const placed = planned.map(({ plan }) => {
    if (plan.kind === 'balance') {
      if (plan.farmerCode) codes.add(plan.farmerCode.toUpperCase());
      return [];
    }
    const date = localDate(plan.at, timeZone);
    return plan.lines.map((l) => {
      codes.add(l.command.farmerCode.toUpperCase());
      const slot = l.command.slotId
        ? (vocab.slots.find((s) => s.id === l.command.slotId) ?? null)
        : slotForTime(vocab.slots, localTime(plan.at, timeZone));
      if (slot && l.command.rate === null) rateKeys.set(`${l.command.flowerId}|${slot.id}|${date}`, { flower: l.command.flowerId, slot: slot.id, date });
      return { slotId: slot?.id ?? null, date };
    });
  });
  const keys = [...rateKeys.values()];
  const { rows } = await sql<{ users: { id: string; phone: string; lang: Language }[]; farmers: FarmerRow[]; rates: { k: string; rate: string | null }[] }>`
    select
      (select coalesce(json_agg(json_build_object('id', u.id, 'phone', u.phone, 'lang', u.language_preference)), '[]')
         from users u where u.is_active and u.phone = any(${phones}::text[])) as users,
      (select coalesce(json_agg(json_build_object('id', f.id, 'code', f.farmer_code, 'name', f.name, 'phone', f.phone,
                'wa', f.whatsapp_number, 'lang', f.language_preference, 'commission', f.commission_rate::text, 'active', f.is_active,
                'balance', f.current_balance::text, 'advances', f.total_advances::text, 'settled', f.total_settlements::text)), '[]')
         from farmers f
        -- Three lookups, each on its own index (one OR across the columns would read the whole table).
        where f.id in (select id from farmers where farmer_code = any(${[...codes]}::text[])
                       union all select id from farmers where whatsapp_number = any(${phones}::text[]) and is_active
                       union all select id from farmers where phone = any(${phones}::text[]) and whatsapp_number is null and is_active)) as farmers,
      (select coalesce(json_agg(json_build_object('k', v.flower::text || '|' || v.slot::text || '|' || v.day::text,
                'rate', (select r.rate_per_unit::text from market_rates r
                          where r.flower_type_id = v.flower and r.time_slot_id = v.slot and r.effective_date <= v.day
                          order by r.effective_date desc limit 1))), '[]')
         from unnest(${keys.map((k) => k.flower)}::uuid[], ${keys.map((k) => k.slot)}::uuid[], ${keys.map((k) => k.date)}::date[]) as v(flower, slot, day)) as rates
  `.execute(em.getKysely());
  const found = rows[0]!;
  const users = new Map(found.users.map((u) => [u.phone, u]));
  const byCode = new Map(found.farmers.map((f) => [f.code, f]));
  const rates = new Map(found.rates.map((r) => [r.k, r.rate === null ? null : rupees(r.rate)]));
  const defaultCommission = await getDecimalSetting(em, 'commission_rate');

  const active = found.farmers.filter((f) => f.active);
  const senderOf = (phone: string): PlainSender | null => {
    const user = users.get(phone) ?? null;
    const byWa = active.filter((f) => f.wa === phone);
    const byPhone = active.filter((f) => f.wa === null && f.phone === phone);
    // Two farmers on one phone: which one the sender is, is the one-by-one path's call.
    if (byWa.length === 0 && byPhone.length > 1) return null;
    const farmer = byWa[0] ?? byPhone[0] ?? null;
    return { phone, user: user && { id: user.id, lang: user.lang }, farmer, language: user?.lang ?? farmer?.lang ?? 'ta' };
  };

  const works: (PlainWork | null)[] = [];
  for (const [i, { row, plan }] of planned.entries()) {
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
    const sender = senderOf(plan.phone);
    if (!sender || (!sender.user && !sender.farmer)) {
      works.push(null);
      continue;
    }
    if (plan.kind === 'balance') {
      let farmer: FarmerRow | null | undefined;
      if (!plan.farmerCode) farmer = sender.farmer;
      else if (sender.user || sender.farmer?.code === plan.farmerCode) farmer = byCode.get(plan.farmerCode.toUpperCase());
      works.push(farmer?.active ? { kind: 'balance', row, sender, farmer } : null);
      continue;
    }
    const user = sender.user;
    if (!user) {
      works.push(null);
      continue;
    }
    const lines: EntryLine[] = [];
    for (const [j, l] of plan.lines.entries()) {
      const { slotId, date } = placed[i]![j]!;
      const farmer = byCode.get(l.command.farmerCode.toUpperCase());
      const flower = vocab.flowers.find((f) => f.id === l.command.flowerId);
      const rate = l.command.rate ?? (slotId ? rates.get(`${l.command.flowerId}|${slotId}|${date}`) : null);
      if (!farmer?.active || !flower || !slotId || !rate) break;
      const commissionRate = rupees(farmer.commission ?? defaultCommission);
      const amounts = entryAmounts({ quantity: l.command.quantity, ratePerUnit: rate, commissionRate, feeAmount: await feeFor(em, l.command.quantity) });
      if (dec(amounts.netAmount).lt(0)) break;
      lines.push({ index: l.index, id: randomUUID(), farmer, flower, slotId, date, quantity: l.command.quantity, rate, rateGiven: l.command.rate !== null, commissionRate, amounts });
    }
    works.push(lines.length === plan.lines.length ? { kind: 'entries', row, sender: { ...sender, user }, at: plan.at, lines } : null);
  }
  return works;
}

interface Outgoing {
  phone: string;
  type: 'reply' | 'receipt';
  language: Language;
  text: string;
  userId: string | null;
  farmerId: string | null;
}

/** Does a run of resolved messages (all entries, or all balances); call inside a transaction. Returns the outcomes. */
export async function applyPlain(em: EntityManager, works: PlainWork[]): Promise<{ id: string; outcome: 'done' }[]> {
  const out: Outgoing[] = [];
  const replyTo = (sender: PlainSender, text: string) =>
    out.push({ phone: sender.phone, type: 'reply', language: sender.language, text, userId: sender.user?.id ?? null, farmerId: sender.farmer?.id ?? null });
  const entryWorks = works.filter((w): w is Extract<PlainWork, { kind: 'entries' }> => w.kind === 'entries');
  const written = entryWorks.length ? await writeEntries(em, entryWorks) : undefined;
  const receipts = await getBooleanSetting(em, 'farmer_receipts');
  for (const [i, w] of works.entries()) {
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
    if (w.kind === 'balance') {
      const t = translator(w.sender.language);
      const f = w.farmer;
      replyTo(w.sender, t(dec(f.balance).lt(0) ? 'chat.balanceOwes' : 'chat.balance', {
        name: f.name,
        farmer: f.code,
        balance: money(f.balance),
        amount: money(dec(f.balance).abs()),
        advances: money(f.advances),
        settled: money(f.settled),
      }));
      continue;
    }
    const t = translator(w.sender.language);
    const book = new Map<string, { farmer: FarmerRow; lines: string[] }>();
    const verdicts = w.lines.map((l) => {
      const entry = { entryNo: written!.entryNo.get(l.id)!, quantity: l.quantity, unit: l.flower.unit, ratePerUnit: l.rate, ...l.amounts };
      const fl = l.farmer.lang;
      const ft = translator(fl);
      const receipt = book.get(l.farmer.id) ?? { farmer: l.farmer, lines: [] };
      receipt.lines.push(ft('chat.receiptEntry', { ...entryFigures(entry, ft, fl, l.flower), fee: feeText(ft, 'chat.receiptFee', l.amounts.feeAmount) }));
      book.set(l.farmer.id, receipt);
      return t('chat.saved', { ...entryFigures(entry, t, w.sender.language, l.flower), farmer: l.farmer.code, fee: feeText(t, 'chat.savedFee', l.amounts.feeAmount) });
    });
    replyTo(w.sender, joinVerdicts(verdicts));
    if (!receipts) continue;
    for (const { farmer, lines } of book.values()) {
      const to = farmer.wa ?? farmer.phone;
      if (!to || to === w.sender.phone) continue;
      const ft = translator(farmer.lang);
      const market = await getStringSetting(em, farmer.lang === 'ta' ? 'market_name_ta' : 'market_name');
      const balance = written!.balanceAfter.get(w)!.get(farmer.id)!;
      const text = [ft('chat.receiptTitle', { market, farmer: `${farmer.name} (${farmer.code})` }), ...lines, ft('chat.receiptBalance', { balance: money(balance) })].join('\n');
      out.push({ phone: to, type: 'receipt', language: farmer.lang, text, userId: null, farmerId: farmer.id });
    }
  }
  await sql`
    insert into notifications (recipient_phone, type, language, payload, user_id, farmer_id, status, attempts, next_attempt_at)
    select v.phone, v.type, v.language, v.payload, v.user_id, v.farmer_id, 'pending', 0, now()
      from unnest(${out.map((o) => o.phone)}::text[], ${out.map((o) => o.type)}::text[], ${out.map((o) => o.language)}::text[],
                  ${out.map((o) => JSON.stringify({ text: o.text }))}::jsonb[], ${out.map((o) => o.userId)}::uuid[],
                  ${out.map((o) => o.farmerId)}::uuid[]) with ordinality as v(phone, type, language, payload, user_id, farmer_id, n)
     order by v.n`.execute(em.getKysely());
  return works.map((w) => ({ id: w.row.id, outcome: 'done' as const }));
}

/**
 * Inserts every entry, its audit row and the farmers' balance moves in ONE statement. Farmers are locked in id
 * order (as FOR NO KEY UPDATE, which the entries' foreign-key checks do not wait on), so two lanes cannot deadlock here.
 * Returns each entry's number and, per message, the balance of each of its farmers just after that message.
 */
async function writeEntries(em: EntityManager, works: Extract<PlainWork, { kind: 'entries' }>[]) {
  const lines = works.flatMap((w) => w.lines.map((l) => ({ w, l })));
  const col = <T>(f: (x: { w: (typeof works)[number]; l: EntryLine }) => T) => lines.map(f);
  const { rows } = await sql<{ k: 'e' | 'b'; id: string; val: string }>`
    with v as materialized (
      select * from unnest(
        ${col((x) => x.l.id)}::uuid[], ${col((x) => x.l.farmer.id)}::uuid[], ${col((x) => x.l.flower.id)}::uuid[],
        ${col((x) => x.l.slotId)}::uuid[], ${col((x) => x.l.date)}::date[], ${col((x) => x.w.at)}::timestamptz[],
        ${col((x) => x.l.quantity)}::numeric[], ${col((x) => x.l.flower.unit)}::text[], ${col((x) => x.l.rate)}::numeric[],
        ${col((x) => x.l.amounts.totalAmount)}::numeric[], ${col((x) => x.l.commissionRate)}::numeric[],
        ${col((x) => x.l.amounts.commissionAmount)}::numeric[], ${col((x) => x.l.amounts.feeAmount)}::numeric[],
        ${col((x) => x.l.amounts.netAmount)}::numeric[], ${col((x) => x.w.sender.user.id)}::uuid[], ${col((x) => x.w.sender.phone)}::text[],
        ${col((x) => x.w.row.provider_message_id)}::text[], ${col((x) => x.l.index)}::int[],
        ${col((x) => JSON.stringify({ farmer: x.l.farmer.code, flower: x.l.flower.code, quantity: x.l.quantity, rate: x.l.rate, rateGiven: x.l.rateGiven, ...x.l.amounts }))}::jsonb[]
      ) with ordinality as v(id, farmer_id, flower_type_id, time_slot_id, entry_date, entry_time, quantity, unit, rate_per_unit,
                             total_amount, commission_rate, commission_amount, fee_amount, net_amount, recorded_by_id, actor_phone,
                             source_message_id, source_line, details, n)
    ),
    ins as (
      insert into daily_entries (id, farmer_id, flower_type_id, time_slot_id, entry_date, entry_time, quantity, unit, rate_per_unit,
                                 total_amount, commission_rate, commission_amount, fee_amount, net_amount, recorded_by_id, source,
                                 source_message_id, source_line)
      select id, farmer_id, flower_type_id, time_slot_id, entry_date, entry_time, quantity, unit, rate_per_unit, total_amount,
             commission_rate, commission_amount, fee_amount, net_amount, recorded_by_id, 'whatsapp', source_message_id, source_line
        from v order by n
      returning id, entry_no
    ),
    audit as (
      insert into security_logs (action, actor_user_id, actor_phone, entity, entity_id, details)
      select 'entry.create', v.recorded_by_id, v.actor_phone, 'daily_entry', v.id::text, v.details || jsonb_build_object('entryNo', ins.entry_no::text)
        from v join ins using (id) order by v.n
    ),
    locked as materialized (
      select f.id from farmers f where f.id in (select farmer_id from v) order by f.id for no key update
    ),
    moved as (
      update farmers f set current_balance = f.current_balance + d.delta, updated_at = now()
        from (select farmer_id, sum(net_amount) as delta from v group by farmer_id) d join locked l on l.id = d.farmer_id
       where f.id = d.farmer_id
      returning f.id, f.current_balance::text as balance
    )
    select 'e' as k, id::text as id, entry_no::text as val from ins
    union all
    select 'b', id::text, balance from moved`.execute(em.getKysely());
  const entryNo = new Map<string, string>();
  const running = new Map<string, Big>();
  for (const r of rows) {
    if (r.k === 'e') entryNo.set(r.id, r.val);
    else running.set(r.id, dec(r.val));
  }
  // The statement moved each balance once, by the sum of every message; walking back from the end gives the
  // balance just after each message, as the one-by-one path would have shown it.
  const balanceAfter = new Map<(typeof works)[number], Map<string, string>>();
  for (const w of [...works].reverse()) {
    const after = new Map<string, string>();
    for (const l of w.lines) after.set(l.farmer.id, rupees(running.get(l.farmer.id)!));
    for (const l of w.lines) running.set(l.farmer.id, running.get(l.farmer.id)!.minus(l.amounts.netAmount));
    balanceAfter.set(w, after);
  }
  return { entryNo, balanceAfter };
}
