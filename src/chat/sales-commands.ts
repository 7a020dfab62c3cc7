// The buyers' chat commands: sales, collections, voids and fixes of sales (staff), and what a buyer may ask:
// `bal`, `bill` (the day's sales as text and a PDF), `stmt` (the month so far as a PDF). A buyer sees only their own.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { TFunction } from 'i18next';
import { AppError } from '../errors.js';
import { translator } from '../i18n.js';
import type { Language } from '../domain/columns.js';
import type { StaffActor } from '../domain/audit/actor.js';
import type { Buyer } from '../domain/buyers/buyer.entity.js';
import { getBuyerBalance } from '../domain/buyers/buyer-balances.js';
import { buyerDocumentData } from '../domain/buyers/buyer-documents.js';
import { findActiveBuyer } from '../domain/buyers/buyer.service.js';
import { dayStock, openSales, salesBetween } from '../domain/buyers/buyer.queries.js';
import { recordCollections } from '../domain/buyers/collections.service.js';
import { recordSales } from '../domain/buyers/record-sales.js';
import { fixSale, voidSale } from '../domain/buyers/sale-corrections.js';
import { dec, sum } from '../domain/money.js';
import { enqueueNotification } from '../domain/notifications/outbox.js';
import { renderBuyerDocumentPdf } from '../pdf/buyer-document.js';
import { displayDate } from '../pdf/statement-data.js';
import { chatActor } from './identify.js';
import type { LineContext } from './dispatch.js';
import type { SalesCommand } from './parse-sales.js';
import { addToBuyerReceipt, balancePhrase, receiptBuyer, saleFigures, type BuyerReceiptItem } from './buyer-receipts.js';
import { marketDate, money, nameIn, quantity, unitWord } from './render.js';

const refusal = (code: string, details: Record<string, unknown> = {}) => new AppError(code, code, 403, { ...details, refusal: true });

function staff(ctx: LineContext): StaffActor {
  if (!ctx.sender.user) throw refusal('STAFF_ONLY');
  return chatActor(ctx.sender.user, ctx.sender.phone);
}

/** A buyer the sender may see: staff any, a buyer only themself; no code: the sender's own buyer row. */
async function visibleBuyer(ctx: LineContext, code: string | null, example: string): Promise<Buyer> {
  if (!code) {
    if (ctx.sender.buyer) return ctx.sender.buyer;
    throw new AppError('WHICH_BUYER', 'Which buyer?', 400, { example });
  }
  if (!ctx.sender.user && ctx.sender.buyer?.buyerCode !== code) throw refusal('OWN_FIGURES_ONLY', { asked: code });
  return findActiveBuyer(ctx.em, code);
}

const addReceipt = (ctx: LineContext, buyer: Buyer, item: BuyerReceiptItem) => {
  if (ctx.buyerReceipts) addToBuyerReceipt(ctx.buyerReceipts, receiptBuyer(buyer), item);
};

/** The refusals' money figures as the reply shows them (₹ with Indian grouping). */
function wordedFigures(err: unknown): unknown {
  if (!(err instanceof AppError) || !err.details) return err;
  const d = { ...err.details };
  for (const k of ['limit', 'balance', 'amount', 'after']) if (typeof d[k] === 'string') d[k] = money(d[k]);
  return new AppError(err.code, err.message, err.status, d);
}

const flowerOf = (ctx: LineContext, id: string) => ctx.vocab.flowers.find((f) => f.id === id)!;

export async function runSalesCommand(ctx: LineContext, command: SalesCommand, t: TFunction): Promise<string> {
  const { em, lang } = ctx;
  switch (command.kind) {
    case 'sale': {
      const actor = staff(ctx);
      const buyer = await findActiveBuyer(em, command.buyerCode);
      const flower = flowerOf(ctx, command.flowerId);
      const [r] = await recordSales(
        em,
        actor,
        [
          {
            buyer: { id: buyer.id, code: buyer.buyerCode },
            flower,
            quantity: command.quantity,
            rate: command.rate,
            at: ctx.at,
            override: command.override,
            sourceMessageId: ctx.providerMessageId,
            sourceLine: ctx.lineNo ?? 0,
          },
        ],
        { timeZone: ctx.timeZone },
      ).catch((err: unknown) => {
        throw wordedFigures(err);
      });
      const { sale, balanceAfter } = r!;
      addReceipt(ctx, buyer, { kind: 'sale', sale, flower });
      return t('buyers.saleSaved', {
        ...saleFigures(t, lang, sale, flower),
        buyer: buyer.buyerCode,
        balance: balancePhrase(t, balanceAfter, 'staff'),
      });
    }
    case 'collection': {
      const actor = staff(ctx);
      const buyer = await findActiveBuyer(em, command.buyerCode);
      const [r] = await recordCollections(
        em,
        actor,
        [
          {
            buyer: { id: buyer.id, code: buyer.buyerCode },
            amount: command.amount,
            mode: command.mode,
            reference: command.reference,
            at: ctx.at,
            sourceMessageId: ctx.providerMessageId,
            sourceLine: ctx.lineNo ?? 0,
          },
        ],
        { timeZone: ctx.timeZone },
      );
      const c = r!;
      addReceipt(ctx, buyer, {
        kind: 'collection',
        collectionNo: c.collection.collectionNo,
        amount: c.collection.amount,
        mode: c.collection.mode,
        reference: c.collection.reference,
        unapplied: c.unapplied,
      });
      const applied = c.allocations.map((a) =>
        dec(a.saleDue).eq(0)
          ? t('buyers.appliedFull', { no: `S${a.saleNo}`, amount: money(a.amount) })
          : t('buyers.appliedPart', { no: `S${a.saleNo}`, amount: money(a.amount), due: money(a.saleDue) }),
      );
      return [
        t('buyers.collectionSaved', {
          no: `C${c.collection.collectionNo}`,
          buyer: buyer.buyerCode,
          amount: money(c.collection.amount),
          mode: t(`buyers.mode.${c.collection.mode}`),
        }),
        applied.length ? t('buyers.appliedTo', { list: applied.join(', ') }) : null,
        dec(c.unapplied).gt(0) ? t('buyers.overCollected', { amount: money(c.unapplied) }) : null,
        `${buyer.buyerCode}: ${balancePhrase(t, c.balanceAfter, 'staff')}`,
      ]
        .filter(Boolean)
        .join('\n');
    }
    case 'saleVoid': {
      const actor = staff(ctx);
      const { sale, balanceAfter } = await voidSale(em, { saleNo: command.saleNo, actor, reason: command.reason, at: ctx.at });
      const buyer = await findActiveBuyer(em, sale.buyerCode).catch(() => null);
      const figures = {
        saleNo: sale.saleNo,
        quantity: sale.quantity,
        unit: sale.unit,
        ratePerUnit: sale.ratePerUnit,
        grossAmount: sale.totalAmount,
        chargesAmount: '0',
        totalAmount: sale.totalAmount,
      };
      if (buyer) addReceipt(ctx, buyer, { kind: 'saleVoid', sale: figures, flower: sale.flower });
      return t('buyers.saleVoided', {
        ...saleFigures(t, lang, figures, sale.flower),
        buyer: sale.buyerCode,
        balance: balancePhrase(t, balanceAfter, 'staff'),
      });
    }
    case 'saleFix': {
      const actor = staff(ctx);
      const { old, fixed } = await fixSale(em, {
        saleNo: command.saleNo,
        actor,
        quantity: command.quantity,
        rate: command.rate,
        at: ctx.at,
        timeZone: ctx.timeZone,
        sourceMessageId: ctx.providerMessageId,
        sourceLine: ctx.lineNo ?? 0,
      });
      const buyer = await findActiveBuyer(em, old.buyerCode).catch(() => null);
      const oldFigures = {
        saleNo: old.saleNo,
        quantity: old.quantity,
        unit: old.unit,
        ratePerUnit: old.ratePerUnit,
        grossAmount: old.totalAmount,
        chargesAmount: '0',
        totalAmount: old.totalAmount,
      };
      if (buyer) {
        addReceipt(ctx, buyer, { kind: 'saleVoid', sale: oldFigures, flower: old.flower });
        addReceipt(ctx, buyer, { kind: 'sale', sale: fixed.sale, flower: old.flower });
      }
      return t('buyers.saleFixed', {
        old: `S${old.saleNo}`,
        ...saleFigures(t, lang, fixed.sale, old.flower),
        buyer: old.buyerCode,
        balance: balancePhrase(t, fixed.balanceAfter, 'staff'),
      });
    }
    case 'buyerBalance':
      return buyerBalanceText(ctx, await visibleBuyer(ctx, command.buyerCode, 'bal B001'), t);
    case 'buyerBill': {
      const buyer = await visibleBuyer(ctx, command.buyerCode, 'bill B001');
      const sales = await salesBetween(em, buyer.id, ctx.date, ctx.date);
      const date = marketDate(ctx.date, lang);
      const lines = sales.map((s) =>
        t(dec(s.due).eq(0) ? 'buyers.billLinePaid' : 'buyers.billLine', {
          ...saleFigures(t, lang, s, { name: s.flowerName, nameTa: s.flowerNameTa }),
          due: money(s.due),
        }),
      );
      const pdf = await queueDocument(ctx, buyer, 'bill', ctx.date, ctx.date);
      return [
        t('buyers.billTitle', { buyer: `${buyer.name} (${buyer.buyerCode})`, date }),
        ...(lines.length ? lines : [t('buyers.billNone')]),
        lines.length ? t('buyers.billTotal', { total: money(sum(sales.map((s) => s.totalAmount))) }) : null,
        balancePhrase(t, await getBuyerBalance(em, buyer.id), ctx.sender.buyer?.id === buyer.id ? 'buyer' : 'staff'),
        pdf ? t('buyers.pdfComing') : null,
      ]
        .filter(Boolean)
        .join('\n');
    }
    case 'buyerStatement': {
      const buyer = await visibleBuyer(ctx, command.buyerCode, 'stmt B001');
      return buyerStatementText(ctx, buyer, t);
    }
  }
}

/** `stmt` for a buyer: the month so far as a PDF. */
export async function buyerStatementText(ctx: LineContext, buyer: Buyer, t: TFunction): Promise<string> {
  const from = `${ctx.date.slice(0, 8)}01`;
  const queued = await queueDocument(ctx, buyer, 'statement', from, ctx.date);
  if (!queued) return t('chat.statementsUnavailable');
  return t('buyers.statementQueued', { buyer: `${buyer.name} (${buyer.buyerCode})`, from: displayDate(from), to: displayDate(ctx.date) });
}

/** `bal` for a buyer: what they owe (or their credit) and since when the oldest unpaid sale is due. */
export async function buyerBalanceText(ctx: LineContext, buyer: Buyer, t: TFunction): Promise<string> {
  const balance = await getBuyerBalance(ctx.em, buyer.id);
  const open = await openSales(ctx.em, buyer.id);
  const oldest = open[0];
  return [
    `${buyer.name} (${buyer.buyerCode})`,
    balancePhrase(t, balance, ctx.sender.buyer?.id === buyer.id ? 'buyer' : 'staff'),
    oldest
      ? t('buyers.oldestDue', { date: marketDate(oldest.date, ctx.lang), no: `S${oldest.saleNo}`, due: money(oldest.due), count: open.length })
      : null,
    buyer.creditLimit != null ? t('buyers.limit', { limit: money(buyer.creditLimit) }) : null,
  ]
    .filter(Boolean)
    .join('\n');
}

/** Renders the bill or statement to DATA_DIR and queues it for the sender; false when documents are not offered. */
async function queueDocument(ctx: LineContext, buyer: Buyer, kind: 'bill' | 'statement', from: string, to: string): Promise<boolean> {
  if (!ctx.dataDir) return false;
  // The asker's language: a buyer gets their own, staff asking for a buyer get theirs.
  const language: Language = ctx.lang;
  const data = await buyerDocumentData(ctx.em, buyer.id, { kind, from, to, language });
  const bytes = await renderBuyerDocumentPdf(data, ctx.at);
  const filename = `${kind}-${buyer.buyerCode}-${to}.pdf`;
  const relative = path.join('statements', 'buyers', to, `${ctx.providerMessageId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${filename}`);
  await fs.mkdir(path.join(ctx.dataDir, path.dirname(relative)), { recursive: true });
  await fs.writeFile(path.join(ctx.dataDir, relative), bytes);
  const caption = translator(language)(`buyers.${kind}Caption`, {
    buyer: `${buyer.name} (${buyer.buyerCode})`,
    period: from === to ? displayDate(to) : `${displayDate(from)} – ${displayDate(to)}`,
    balance: balancePhrase(translator(language), data.closingBalance, 'staff'),
  });
  enqueueNotification(ctx.em, {
    recipientPhone: ctx.sender.phone,
    type: kind === 'bill' ? 'buyer_bill' : 'buyer_statement',
    language,
    payload: { documentPath: relative, filename, caption },
    userId: ctx.sender.user?.id ?? null,
  });
  return true;
}

/** The day's stock lines for `today`: received, sold, unsold per flower. */
export async function stockLines(ctx: LineContext, t: TFunction): Promise<string[]> {
  const rows = await dayStock(ctx.em, ctx.date);
  if (rows.length === 0) return [];
  return [
    t('buyers.stockTitle'),
    ...rows.map((r) =>
      t('buyers.stockLine', {
        flower: nameIn(ctx.lang, { name: r.flowerName, nameTa: r.flowerNameTa }),
        received: quantity(r.received),
        sold: quantity(r.sold),
        unsold: quantity(r.unsold),
        unit: unitWord(t, r.unit),
      }),
    ),
  ];
}
