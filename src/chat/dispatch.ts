// Runs one parsed line for one sender: permission check, the domain service, and the verdict text.
// Each line runs in its own savepoint with its own identity map, so a refused or failing line leaves nothing
// behind (not even an in-memory change) and never blocks the good lines of the same message.
// Farmer receipts are collected here and sent once per farmer.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TFunction } from 'i18next';
import { AppError } from '../errors.js';
import type { Choices } from '../domain/notifications/choices.js';
import { farmerMenu, undoChoice } from './conversation.js';
import { translator } from '../i18n.js';
import type { Language } from '../domain/columns.js';
import { recordSecurityEvent } from '../domain/audit/audit.service.js';
import {
  advanceIdByRef,
  approveAdvance,
  recordAdvance,
  rejectAdvance,
  reverseAdvance,
  tellFarmer,
  type AdvanceView,
} from '../domain/advances/advances.service.js';
import { adjustAndTell, correctSettlementByChat, signedMoney, tellAdvanceAll } from './corrections.js';
import { getBalance } from '../domain/balances/balances.service.js';
import type { StaffActor } from '../domain/audit/actor.js';
import { dayTotals, undoLastEntry, voidEntry } from '../domain/entries/entries.service.js';
import { entryFarmer, recordEntries } from '../domain/entries/record-entries.js';
import { findActiveFarmer } from '../domain/farmers/farmer.service.js';
import { Farmer } from '../domain/farmers/farmer.entity.js';
import { Buyer } from '../domain/buyers/buyer.entity.js';
import { FlowerType } from '../domain/flowers/flower-type.entity.js';
import { dec, sum } from '../domain/money.js';
import { ratesInForce } from '../domain/rates/rate.service.js';
import { getDecimalSetting } from '../domain/settings/settings.service.js';
import { User } from '../domain/users/user.entity.js';
import { chatActor, type Sender } from './identify.js';
import { flowerHint, type Command, type ParseResult, type Vocabulary } from './parse.js';
import { addToReceipt, receiptFarmer, type ReceiptBook, type ReceiptItem } from './receipts.js';
import { entryFigures, feeText, marketDate, money, nameIn, quantity, unitWord } from './render.js';
import { runBroadcastCommand } from './broadcast-commands.js';
import { isConfirmationRequired } from '../domain/confirmations/guard.js';
import { holdLine, runFix, type GuardedCommand } from './fixes.js';
import { addToBuyerReceipt, type BuyerReceiptBook } from './buyer-receipts.js';
import { buyerBalanceText, buyerStatementText, runSalesCommand, stockLines } from './sales-commands.js';

const isGuarded = (c: Command): c is GuardedCommand => c.kind === 'entry' || c.kind === 'advance' || c.kind === 'fix';

/** What the settlements feature offers the chat; absent until it is wired in. */
export interface StatementsPort {
  /** Queues the farmer's statement document for the requester; returns the reply text. */
  requestStatement(
    em: EntityManager,
    request: { farmerId: string; requesterPhone: string; language: Language; actorUserId: string | null },
  ): Promise<string>;
  /** Marks the farmer's latest finalized settlement paid; returns the reply text. */
  markPaid(em: EntityManager, request: { farmerId: string; reference: string; actor: StaffActor; language: Language }): Promise<string>;
}

export interface Verdict {
  ok: boolean;
  text: string;
  /** Buttons or a list to go with this verdict when it is the whole reply (a one-line message). */
  choices?: Choices;
  /** Not saved yet: the fat-finger guard holds it until the sender confirms. */
  held?: boolean;
  /** The held line's id (pending_confirmations), for the confirm buttons. */
  heldId?: string;
}

type Answer = string | { text: string; choices: Choices };

/** A phone that is only a farmer's gets the list to tap; staff keep their text help. */
const farmerOnly = (ctx: LineContext) => !ctx.sender.user && !ctx.sender.buyer && ctx.sender.farmer !== null;

export interface LineContext {
  em: EntityManager;
  sender: Sender;
  lang: Language;
  at: Date;
  date: string;
  timeZone: string;
  providerMessageId: string;
  vocab: Vocabulary;
  receipts: ReceiptBook;
  /** Buyer receipts of the message (src/chat/buyer-receipts.ts). */
  buyerReceipts?: BuyerReceiptBook;
  /** The line being run (sales and collections keep it with the message id). */
  lineNo?: number;
  statements?: StatementsPort;
  /** A one-line message that is not a command gets the short help too. */
  singleLine: boolean;
  /** Where documents made on request (the monthly statement) are written; absent: not offered. */
  dataDir?: string;
  /** Replaying a line its sender confirmed: the fat-finger guard lets it through. */
  confirmed?: boolean;
}

const refusal = (code: string, details: Record<string, unknown> = {}) => new AppError(code, code, 403, { ...details, refusal: true });

function actorOf(sender: Sender): StaffActor {
  if (!sender.user) throw refusal('STAFF_ONLY');
  return chatActor(sender.user, sender.phone);
}

/** Corrections are for admins only. */
function adminOf(sender: Sender): StaffActor {
  const actor = actorOf(sender);
  if (actor.role !== 'admin') throw refusal('ADMIN_ONLY');
  return actor;
}

/** A farmer the sender may see: staff any, a farmer only themself. No code: the sender's own farmer row. */
async function visibleFarmer(ctx: LineContext, code: string | null, example: string): Promise<Farmer> {
  if (!code) {
    if (ctx.sender.farmer) return ctx.sender.farmer;
    throw new AppError('WHICH_FARMER', 'Which farmer?', 400, { example });
  }
  if (!ctx.sender.user && ctx.sender.farmer?.farmerCode !== code) throw refusal('OWN_FIGURES_ONLY', { asked: code });
  return findActiveFarmer(ctx.em, code);
}

const addReceipt = (ctx: LineContext, farmer: Farmer, item: ReceiptItem) => addToReceipt(ctx.receipts, receiptFarmer(farmer), item);

export async function runLine(ctx: LineContext, parsed: ParseResult, lineNo: number): Promise<Verdict> {
  const t = translator(ctx.lang);
  if (!parsed.ok) {
    // unit_mismatch names the flower by code in `word`.
    const flower = ctx.vocab.flowers.find((f) => f.code === parsed.word);
    const args = {
      word: parsed.word ?? '',
      flowers: flowerHint(ctx.vocab, ctx.lang),
      flower: flower ? nameIn(ctx.lang, flower) : '',
      unit: flower ? unitWord(t, flower.unit) : '',
    };
    const text = `✗ ${t([`chat.error.${parsed.error}`, `fixes.error.${parsed.error}`, `buyers.error.${parsed.error}`, `corrections.error.${parsed.error}`], args)}`;
    if (parsed.error === 'unknown_command' && ctx.singleLine && farmerOnly(ctx)) return { ok: false, text, choices: farmerMenu(ctx.lang) };
    return { ok: false, text: parsed.error === 'unknown_command' && ctx.singleLine ? `${text}\n\n${helpText(ctx, t)}` : text };
  }
  try {
    // A fresh identity map per line: an entity the line changed before failing must not be flushed later by the
    // message's transaction. What the line committed is merged back into the message's map; its receipts too.
    const receipts: ReceiptBook = new Map();
    const buyerReceipts: BuyerReceiptBook = new Map();
    const answer = await ctx.em.transactional((em) => execute({ ...ctx, em, receipts, buyerReceipts, lineNo }, parsed.command, lineNo, t), {
      clear: true,
    });
    for (const { farmer, items } of receipts.values()) for (const item of items) addToReceipt(ctx.receipts, farmer, item);
    if (ctx.buyerReceipts)
      for (const { buyer, items } of buyerReceipts.values()) for (const item of items) addToBuyerReceipt(ctx.buyerReceipts, buyer, item);
    return typeof answer === 'string' ? { ok: true, text: answer } : { ok: true, ...answer };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    // The line's savepoint is rolled back (a fix's void too); the line is held in the message's transaction.
    if (isConfirmationRequired(err) && ctx.sender.user && isGuarded(parsed.command)) {
      const { text, heldId } = await holdLine(ctx, actorOf(ctx.sender), parsed.command, lineNo, err.details, t);
      return { ok: true, held: true, heldId, text };
    }
    const details = err.details ?? {};
    if (details.refusal) {
      recordSecurityEvent(ctx.em, {
        action: 'chat.refused',
        actor: chatActor(ctx.sender.user, ctx.sender.phone),
        entity: 'inbound_message',
        entityId: ctx.providerMessageId,
        details: { code: err.code, command: parsed.command.kind, line: lineNo, ...details },
      });
    }
    return {
      ok: false,
      text: `✗ ${t([`chat.error.${err.code}`, `fixes.error.${err.code}`, `buyers.error.${err.code}`, `corrections.error.${err.code}`], { ...details, defaultValue: err.message })}`,
    };
  }
}

async function execute(ctx: LineContext, command: Command, lineNo: number, t: TFunction): Promise<Answer> {
  const { em, lang } = ctx;
  switch (command.kind) {
    case 'entry': {
      const actor = actorOf(ctx.sender);
      const farmer = await findActiveFarmer(em, command.farmerCode);
      // The parser only names active flowers.
      const flower = ctx.vocab.flowers.find((f) => f.id === command.flowerId)!;
      const recorded = await recordEntries(
        em,
        actor,
        [
          {
            farmer: entryFarmer(farmer),
            flower,
            quantity: command.quantity,
            slotId: command.slotId,
            rate: command.rate,
            at: ctx.at,
            sourceMessageId: ctx.providerMessageId,
            sourceLine: lineNo,
            confirmed: ctx.confirmed ?? false,
          },
        ],
        { timeZone: ctx.timeZone },
      );
      const { entry } = recorded[0]!;
      addReceipt(ctx, farmer, { kind: 'entry', entry, flower });
      const text = t('chat.saved', {
        ...entryFigures(entry, t, lang, flower),
        farmer: farmer.farmerCode,
        fee: feeText(t, 'chat.savedFee', entry.feeAmount),
      });
      return { text, choices: undoChoice(lang, entry.entryNo) };
    }
    case 'undo':
    case 'void': {
      const actor = actorOf(ctx.sender);
      const entry =
        command.kind === 'undo'
          ? await undoLastEntry(em, { actor, at: ctx.at })
          : await voidEntry(em, { entryNo: command.entryNo, actor, reason: command.reason, at: ctx.at });
      const farmer = entry.farmer as Farmer;
      const flower = entry.flowerType as FlowerType;
      addReceipt(ctx, farmer, { kind: 'void', entry, flower });
      const balance = await getBalance(em, farmer.id);
      return t('chat.voided', { ...entryFigures(entry, t, lang, flower), farmer: farmer.farmerCode, balance: money(balance.currentBalance) });
    }
    case 'fix':
      return runFix(ctx, actorOf(ctx.sender), command, lineNo, t);
    case 'confirm':
    case 'decline':
      // A lone `ok` / `no` is handled before the lines run (src/chat/confirmations.ts); here nothing is waiting.
      return t(ctx.sender.user ? 'fixes.nothingHeld' : 'fixes.noted');
    case 'advance': {
      const actor = actorOf(ctx.sender);
      const farmer = await findActiveFarmer(em, command.farmerCode);
      const advance = await recordAdvance(em, {
        farmer,
        amount: command.amount,
        reason: command.reason,
        actor,
        at: ctx.at,
        sourceMessageId: `${ctx.providerMessageId}#${lineNo}`,
        confirmed: ctx.confirmed ?? false,
      });
      const ref = `A${advance.advanceNo}`;
      if (advance.status !== 'approved') {
        await tellFarmer(em, tellAdvanceAll, farmer, 'pending', advance);
        const limit = await getDecimalSetting(em, 'advance_auto_approve_limit');
        return t('chat.advancePending', { ref, amount: money(advance.amount), farmer: farmer.farmerCode, limit: money(limit) });
      }
      addReceipt(ctx, farmer, { kind: 'advance', amount: advance.amount });
      const balance = await getBalance(em, farmer.id);
      return t('chat.advanceApproved', { ref, amount: money(advance.amount), farmer: farmer.farmerCode, balance: money(balance.currentBalance) });
    }
    case 'adjust': {
      const actor = adminOf(ctx.sender);
      const farmer = await findActiveFarmer(em, command.farmerCode);
      const [fact] = await adjustAndTell(em, actor, [
        { farmerId: farmer.id, amount: command.amount, reason: command.reason, sourceMessageId: `${ctx.providerMessageId}#${lineNo}` },
      ]);
      return t('corrections.adjusted', {
        ref: `J${fact!.adjustmentNo}`,
        farmer: farmer.farmerCode,
        amount: signedMoney(fact!.amount),
        reason: fact!.reason,
        balance: money(fact!.balanceAfter),
      });
    }
    case 'approve':
    case 'reject':
    case 'reverse': {
      const actor = adminOf(ctx.sender);
      const advanceId = await advanceIdByRef(em, command.ref);
      const at = ctx.at;
      let view: AdvanceView;
      if (command.kind === 'approve') view = await approveAdvance(em, { advanceId, at }, actor, tellAdvanceAll);
      else if (command.kind === 'reject') view = await rejectAdvance(em, { advanceId, reason: command.reason, at }, actor, tellAdvanceAll);
      else view = await reverseAdvance(em, { advanceId, reason: command.reason, at }, actor, tellAdvanceAll);
      const balance = await getBalance(em, view.farmer.id);
      return t(`corrections.${command.kind === 'approve' ? 'approvedReply' : command.kind === 'reject' ? 'rejectedReply' : 'reversedReply'}`, {
        ref: view.ref,
        amount: money(view.amount),
        farmer: view.farmer.code,
        reason: command.kind === 'approve' ? '' : command.reason,
        balance: money(balance.currentBalance),
      });
    }
    case 'unpay':
    case 'reopen':
      return correctSettlementByChat(em, adminOf(ctx.sender), command, ctx.at, t);
    case 'balance': {
      // A buyer's phone: their own figures; a phone that is a farmer's and a buyer's gets both.
      const buyerText = !command.farmerCode && ctx.sender.buyer ? await buyerBalanceText(ctx, ctx.sender.buyer, t) : null;
      if (buyerText && !ctx.sender.farmer) return buyerText;
      const farmer = await visibleFarmer(ctx, command.farmerCode, 'bal FAR001');
      const b = await getBalance(em, farmer.id);
      const owes = dec(b.currentBalance).lt(0);
      const farmerText = t(owes ? 'chat.balanceOwes' : 'chat.balance', {
        name: farmer.name,
        farmer: farmer.farmerCode,
        balance: money(b.currentBalance),
        amount: money(dec(b.currentBalance).abs()),
        advances: money(b.totalAdvances),
        settled: money(b.totalSettlements),
      });
      return buyerText ? `${farmerText}\n\n${t('buyers.asBuyer')}\n${buyerText}` : farmerText;
    }
    case 'today': {
      // A buyer (who is not also a farmer) asking `today` gets the day's bill.
      if (!ctx.sender.user && !ctx.sender.farmer && ctx.sender.buyer) return runSalesCommand(ctx, { kind: 'buyerBill', buyerCode: null }, t);
      const mine = !ctx.sender.user;
      const rows = await dayTotals(em, ctx.date, mine ? ctx.sender.farmer!.id : undefined);
      const date = marketDate(ctx.date, lang);
      const stock = mine ? [] : await stockLines(ctx, t);
      if (rows.length === 0) return [t('chat.todayNone', { date }), ...stock].join('\n');
      const lines = rows.map((r) =>
        t('chat.todayLine', {
          flower: nameIn(lang, { name: r.flowerName, nameTa: r.flowerNameTa }),
          qty: quantity(r.quantity),
          unit: unitWord(t, r.unit),
          count: r.entries,
          total: money(r.totalAmount),
        }),
      );
      const total = t('chat.todayTotal', { total: money(sum(rows.map((r) => r.totalAmount))), net: money(sum(rows.map((r) => r.netAmount))) });
      return [t(mine ? 'chat.todayMine' : 'chat.todayTitle', { date }), ...lines, total, ...stock].join('\n');
    }
    case 'rates': {
      const rates = await ratesInForce(em, ctx.date);
      const date = marketDate(ctx.date, lang);
      if (rates.length === 0) return t('chat.ratesNone', { date });
      const byFlower = new Map<string, string[]>();
      for (const r of rates) {
        const key = nameIn(lang, { name: r.flowerName, nameTa: r.flowerNameTa });
        byFlower.set(key, [...(byFlower.get(key) ?? []), `${nameIn(lang, { name: r.slotName, nameTa: r.slotNameTa })} ${money(r.rate)}`]);
      }
      return [t('chat.ratesTitle', { date }), ...[...byFlower].map(([f, slots]) => `${f}: ${slots.join(' · ')}`)].join('\n');
    }
    case 'help':
      return farmerOnly(ctx) ? { text: t('conversation.intro'), choices: farmerMenu(lang) } : helpText(ctx, t);
    case 'lang': {
      // Changed through the line's own map, so the change is part of this line's savepoint.
      if (ctx.sender.user) (await em.findOneOrFail(User, ctx.sender.user.id)).languagePreference = command.language;
      if (ctx.sender.farmer) (await em.findOneOrFail(Farmer, ctx.sender.farmer.id)).languagePreference = command.language;
      if (ctx.sender.buyer) (await em.findOneOrFail(Buyer, ctx.sender.buyer.id)).languagePreference = command.language;
      ctx.sender.language = command.language;
      return translator(command.language)('chat.langSet');
    }
    case 'statement': {
      if (!command.farmerCode && !ctx.sender.farmer && ctx.sender.buyer) return buyerStatementText(ctx, ctx.sender.buyer, t);
      const farmer = await visibleFarmer(ctx, command.farmerCode, 'stmt FAR001');
      if (!ctx.statements) return t('chat.statementsUnavailable');
      return ctx.statements.requestStatement(em, {
        farmerId: farmer.id,
        requesterPhone: ctx.sender.phone,
        language: lang,
        actorUserId: ctx.sender.user?.id ?? null,
      });
    }
    case 'sale':
    case 'collection':
    case 'saleVoid':
    case 'saleFix':
    case 'buyerBalance':
    case 'buyerBill':
    case 'buyerStatement':
      return runSalesCommand(ctx, command, t);
    case 'summary':
    case 'optOut':
    case 'monthStatement':
      return runBroadcastCommand(ctx, command, t);
    case 'paid': {
      if (!ctx.sender.user) throw refusal('PAYMENT_STAFF_ONLY');
      const actor = actorOf(ctx.sender);
      const farmer = await findActiveFarmer(em, command.farmerCode);
      if (!ctx.statements) return t('chat.statementsUnavailable');
      return ctx.statements.markPaid(em, { farmerId: farmer.id, reference: command.reference, actor, language: lang });
    }
  }
}

/** Staff commands, farmer commands, or both for a phone that is both. */
function helpText(ctx: LineContext, t: TFunction): string {
  return [
    ctx.sender.user ? t('chat.help.staff') : null,
    ctx.sender.user ? t('buyers.help.staff') : null,
    ctx.sender.user?.role === 'admin' ? t('corrections.helpAdmin') : null,
    ctx.sender.farmer ? t('chat.help.farmer') : null,
    ctx.sender.buyer ? t('buyers.help.buyer') : null,
  ]
    .filter(Boolean)
    .join('\n\n');
}
