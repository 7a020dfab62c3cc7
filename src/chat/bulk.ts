// Plain messages in bulk: a planner. A run of messages that are nothing but entry lines from staff, or nothing but
// a `bal`, is read with one statement, priced by the domain's pricing and recorded with ONE recordEntries() call
// for the whole run, instead of ~16 ORM round trips per message. The texts, rows and figures are exactly those of the one-by-one path (dispatch.ts); anything that path
// would refuse, warn about or treat specially (unknown sender or farmer, no rate, fees above the amount, another
// farmer's balance, …) is left to it: resolvePlain() answers null for that message.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../errors.js';
import { isConfirmationRequired } from '../domain/confirmations/guard.js';
import type { Language } from '../domain/columns.js';
import type { InboundRow } from '../domain/inbox/claims.js';
import { entryPricing, placeEntry, priceEntry, recordEntries, type EntryLine, type Pricing } from '../domain/entries/record-entries.js';
import type { FlowerInfo } from '../domain/flowers/flower.service.js';
import { dec, rupees } from '../domain/money.js';
import { enqueueNotifications, type NewNotification } from '../domain/notifications/outbox.js';
import { normalizePhone } from '../domain/phone.js';
import { rateInForceSql, rateKey } from '../domain/rates/rate.service.js';
import type { SlotInfo } from '../domain/slots/slot.service.js';
import type { UserRole } from '../domain/users/user.entity.js';
import { translator } from '../i18n.js';
import { chatActor, chooseSender, senderLanguage } from './identify.js';
import { parseLine, type Command, type Vocabulary } from './parse.js';
import { addToReceipt, receiptNotifications, type ReceiptBook } from './receipts.js';
import { entryFigures, feeText, joinVerdicts, money } from './render.js';
import { undoChoice } from './conversation.js';
import type { Choices } from '../domain/notifications/choices.js';

export type { InboundRow };

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
  user: { id: string; lang: Language; role: UserRole } | null;
  farmer: FarmerRow | null;
  language: Language;
}

/** An entry line as the planner hands it to recordEntries(), with the farmer's row for the texts. */
type BulkLine = EntryLine & { index: number; farmer: EntryLine['farmer'] & { row: FarmerRow }; flower: FlowerInfo };

export type PlainWork =
  | {
      kind: 'entries';
      row: InboundRow;
      sender: PlainSender & { user: NonNullable<PlainSender['user']> };
      at: Date;
      lines: BulkLine[];
      pricing: Pricing;
    }
  | { kind: 'balance'; row: InboundRow; sender: PlainSender; farmer: FarmerRow };

/** The plan of a message that may take the bulk path, or null for everything else. Pure: no database. */
export function plainPlan(row: InboundRow, vocab: Vocabulary): PlainPlan | null {
  const phone = row.sender_phone ?? normalizePhone(row.sender);
  if (!phone || row.media_kind || row.text === null) return null;
  const lines = row.text
    .split(/\r?\n/)
    .map((text, index) => ({ text, index }))
    .filter((l) => l.text.trim() !== '');
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
 * Reads, with ONE query, the senders, farmers and rates a run of planned messages needs, and prices each entry
 * line with the domain's pricing. null for a message the one-by-one path must handle.
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
  for (const { plan } of planned) {
    if (plan.kind === 'balance') {
      if (plan.farmerCode) codes.add(plan.farmerCode.toUpperCase());
      continue;
    }
    for (const l of plan.lines) {
      codes.add(l.command.farmerCode.toUpperCase());
      const { date, slot } = placeEntry({ timeZone, slots: vocab.slots }, { slotId: l.command.slotId, at: plan.at });
      // Given rates too: the fat-finger guard compares them with the rate in force.
      if (slot) rateKeys.set(rateKey(l.command.flowerId, slot.id, date), { flower: l.command.flowerId, slot: slot.id, date });
    }
  }
  const keys = [...rateKeys.values()];
  const { rows } = await sql<{
    users: { id: string; phone: string; lang: Language; role: UserRole }[];
    farmers: FarmerRow[];
    rates: { f: string; s: string; d: string; rate: string | null }[];
    held: string[];
    buyer_phones: string[];
  }>`
    select
      -- A phone of a buyer takes the one-by-one path, where the commands and the balance of buyers live.
      (select coalesce(json_agg(b.phone), '[]') from buyers b where b.is_active and b.phone = any(${phones}::text[])) as buyer_phones,
      (select coalesce(json_agg(json_build_object('id', u.id, 'phone', u.phone, 'lang', u.language_preference, 'role', u.role)), '[]')
         from users u where u.is_active and u.phone = any(${phones}::text[])) as users,
      (select coalesce(json_agg(json_build_object('id', f.id, 'code', f.farmer_code, 'name', f.name, 'phone', f.phone,
                'wa', f.whatsapp_number, 'lang', f.language_preference, 'commission', f.commission_rate::text, 'active', f.is_active,
                'balance', f.current_balance::text, 'advances', f.total_advances::text, 'settled', f.total_settlements::text)), '[]')
         from farmers f
        -- Three lookups, each on its own index (one OR across the columns would read the whole table).
        where f.id in (select id from farmers where farmer_code = any(${[...codes]}::text[])
                       union all select id from farmers where whatsapp_number = any(${phones}::text[]) and is_active
                       union all select id from farmers where phone = any(${phones}::text[]) and whatsapp_number is null and is_active)) as farmers,
      (select coalesce(json_agg(json_build_object('f', v.flower, 's', v.slot, 'd', v.day::text,
                'rate', ${rateInForceSql(sql.ref('v.flower'), sql.ref('v.slot'), sql.ref('v.day'))})), '[]')
         from unnest(${keys.map((k) => k.flower)}::uuid[], ${keys.map((k) => k.slot)}::uuid[], ${keys.map((k) => k.date)}::date[]) as v(flower, slot, day)) as rates,
      -- Senders with lines held by the fat-finger guard: their next message settles those first (one by one).
      (select coalesce(json_agg(distinct c.sender_phone), '[]') from pending_confirmations c
        where c.status = 'held' and c.sender_phone = any(${phones}::text[])) as held
  `.execute(em.getKysely());
  const found = rows[0]!;
  const users = new Map(found.users.map((u) => [u.phone, u]));
  const buyerPhones = new Set(found.buyer_phones);
  const byCode = new Map(found.farmers.map((f) => [f.code, f]));
  const rates = new Map(found.rates.map((r) => [rateKey(r.f, r.s, r.d), r.rate === null ? null : rupees(r.rate)]));
  const pricing = await entryPricing(em, [], { timeZone, rates });
  // A phone whose line is held in this run: its later messages go one by one too (they settle the held line).
  const heldPhones = new Set(found.held);

  const active = found.farmers.filter((f) => f.active);
  const senderOf = (phone: string): PlainSender | null => {
    const { user, farmer, ambiguous } = chooseSender({
      user: users.get(phone) ?? null,
      byWhatsapp: active.filter((f) => f.wa === phone),
      byPhone: active.filter((f) => f.wa === null && f.phone === phone),
    });
    // Two farmers on one phone: which one the sender is, is the one-by-one path's call.
    if (ambiguous) return null;
    return { phone, user: user && { id: user.id, lang: user.lang, role: user.role }, farmer, language: senderLanguage(user?.lang, farmer?.lang) };
  };

  const works: (PlainWork | null)[] = [];
  for (const [i, { row, plan }] of planned.entries()) {
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
    const sender = buyerPhones.has(plan.phone) ? null : senderOf(plan.phone);
    if (!sender || (!sender.user && !sender.farmer) || heldPhones.has(plan.phone)) {
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
    const actor = chatActor(user, sender.phone);
    const lines: BulkLine[] = [];
    for (const l of plan.lines) {
      const farmer = byCode.get(l.command.farmerCode.toUpperCase());
      const flower = vocab.flowers.find((f) => f.id === l.command.flowerId);
      if (!farmer?.active || !flower) break;
      const line: BulkLine = {
        index: l.index,
        farmer: { id: farmer.id, code: farmer.code, commissionRate: farmer.commission, row: farmer },
        flower,
        quantity: l.command.quantity,
        slotId: l.command.slotId,
        rate: l.command.rate,
        at: plan.at,
        sourceMessageId: row.provider_message_id,
        sourceLine: l.index,
        actor,
      };
      // A line the domain would refuse (no slot, no rate, fees above the amount) or hold for confirmation (the
      // fat-finger guard) gets its verdict one by one.
      const priced = priceEntry(pricing, line);
      if (priced instanceof AppError) {
        if (isConfirmationRequired(priced)) heldPhones.add(plan.phone);
        break;
      }
      lines.push(line);
    }
    works.push(lines.length === plan.lines.length ? { kind: 'entries', row, sender: { ...sender, user }, at: plan.at, lines, pricing } : null);
  }
  return works;
}

/** Does a run of resolved messages (all entries, or all balances); call inside a transaction. Returns the outcomes. */
export async function applyPlain(em: EntityManager, works: PlainWork[]): Promise<{ id: string; outcome: 'done' }[]> {
  const out: NewNotification[] = [];
  const replyTo = (sender: PlainSender, text: string, choices?: Choices) =>
    out.push({
      recipientPhone: sender.phone,
      type: 'reply',
      language: sender.language,
      payload: choices ? { text, choices } : { text },
      userId: sender.user?.id ?? null,
      farmerId: sender.farmer?.id ?? null,
    });
  const entryWorks = works.filter((w): w is Extract<PlainWork, { kind: 'entries' }> => w.kind === 'entries');
  // Every line of the run in ONE call, in arrival order; each fact carries its farmer's balance just after it.
  const recorded = entryWorks.length
    ? await recordEntries(
        em,
        null,
        entryWorks.flatMap((w) => w.lines),
        { timeZone: entryWorks[0]!.pricing.timeZone, pricing: entryWorks[0]!.pricing },
      )
    : [];
  let next = 0;
  for (const [i, w] of works.entries()) {
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
    if (w.kind === 'balance') {
      const t = translator(w.sender.language);
      const f = w.farmer;
      replyTo(
        w.sender,
        t(dec(f.balance).lt(0) ? 'chat.balanceOwes' : 'chat.balance', {
          name: f.name,
          farmer: f.code,
          balance: money(f.balance),
          amount: money(dec(f.balance).abs()),
          advances: money(f.advances),
          settled: money(f.settled),
        }),
      );
      continue;
    }
    const t = translator(w.sender.language);
    const facts = recorded.slice(next, next + w.lines.length);
    next += w.lines.length;
    const book: ReceiptBook = new Map();
    const balanceAfter = new Map<string, string>();
    const verdicts = facts.map(({ entry, farmer, flower, balanceAfter: after }) => {
      const f = farmer.row;
      addToReceipt(book, { id: f.id, code: f.code, name: f.name, language: f.lang, recipient: f.wa ?? f.phone }, { kind: 'entry', entry, flower });
      balanceAfter.set(f.id, after);
      return t('chat.saved', {
        ...entryFigures(entry, t, w.sender.language, flower),
        farmer: f.code,
        fee: feeText(t, 'chat.savedFee', entry.feeAmount),
      });
    });
    // One entry saved: the same undo button as the one-by-one path (dispatch.ts).
    replyTo(w.sender, joinVerdicts(verdicts), facts.length === 1 ? undoChoice(w.sender.language, facts[0]!.entry.entryNo) : undefined);
    out.push(...(await receiptNotifications(em, book, { senderPhone: w.sender.phone, balanceOf: (id) => balanceAfter.get(id)! })));
  }
  await enqueueNotifications(em, out);
  return works.map((w) => ({ id: w.row.id, outcome: 'done' as const }));
}
