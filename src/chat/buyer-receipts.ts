// Buyer receipts: what one staff message did to a buyer's account, one text per buyer in the buyer's language,
// with the balance after (what they owe, or their credit). Queued in the message's transaction.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TFunction } from 'i18next';
import type { Language } from '../domain/columns.js';
import { getBuyerBalance } from '../domain/buyers/buyer-balances.js';
import { dec } from '../domain/money.js';
import { enqueueNotification } from '../domain/notifications/outbox.js';
import { getBooleanSetting, getStringSetting } from '../domain/settings/settings.service.js';
import { translator } from '../i18n.js';
import { money, nameIn, quantity, unitWord, type Named } from './render.js';

export interface SaleFigures {
  saleNo: string;
  quantity: string;
  unit: 'kg' | 'piece';
  ratePerUnit: string;
  grossAmount: string;
  chargesAmount: string;
  totalAmount: string;
}

export type BuyerReceiptItem =
  | { kind: 'sale'; sale: SaleFigures; flower: Named }
  | { kind: 'saleVoid'; sale: SaleFigures; flower: Named }
  | { kind: 'collection'; collectionNo: string; amount: string; mode: string; reference: string | null; unapplied: string };

export interface ReceiptBuyer {
  id: string;
  code: string;
  name: string;
  language: Language;
  recipient: string | null;
}

export type BuyerReceiptBook = Map<string, { buyer: ReceiptBuyer; items: BuyerReceiptItem[] }>;

export function addToBuyerReceipt(book: BuyerReceiptBook, buyer: ReceiptBuyer, item: BuyerReceiptItem) {
  const page = book.get(buyer.id) ?? { buyer, items: [] };
  page.items.push(item);
  book.set(buyer.id, page);
}

export const receiptBuyer = (b: {
  id: string;
  buyerCode: string;
  name: string;
  languagePreference: Language;
  phone?: string | null;
}): ReceiptBuyer => ({
  id: b.id,
  code: b.buyerCode,
  name: b.name,
  language: b.languagePreference,
  recipient: b.phone ?? null,
});

/** The figures of a sale as replies, receipts and bills show them. */
export function saleFigures(t: TFunction, lang: Language, sale: SaleFigures, flower: Named) {
  return {
    no: `S${sale.saleNo}`,
    flower: nameIn(lang, flower),
    qty: quantity(sale.quantity),
    unit: unitWord(t, sale.unit),
    rate: money(sale.ratePerUnit),
    gross: money(sale.grossAmount),
    total: money(sale.totalAmount),
    charges: dec(sale.chargesAmount).gt(0) ? t('buyers.charges', { charges: money(sale.chargesAmount) }) : '',
  };
}

/** What the buyer owes, or their credit, in a phrase. */
export const balancePhrase = (t: TFunction, balance: string, to: 'buyer' | 'staff' = 'buyer') => {
  const key = dec(balance).lt(0) ? 'credit' : 'owes';
  return t(`buyers.${to === 'staff' ? `${key}Staff` : key}`, { amount: money(dec(balance).abs().toFixed(2)) });
};

function itemText(t: TFunction, lang: Language, item: BuyerReceiptItem): string {
  switch (item.kind) {
    case 'sale':
      return t('buyers.receiptSale', saleFigures(t, lang, item.sale, item.flower));
    case 'saleVoid':
      return t('buyers.receiptSaleVoid', saleFigures(t, lang, item.sale, item.flower));
    case 'collection':
      return [
        t('buyers.receiptCollection', { no: `C${item.collectionNo}`, amount: money(item.amount), mode: t(`buyers.mode.${item.mode}`) }),
        dec(item.unapplied).gt(0) ? t('buyers.receiptCredit', { amount: money(item.unapplied) }) : null,
      ]
        .filter(Boolean)
        .join('\n');
  }
}

/** One receipt per buyer of the message; none to the sender's own phone, none when buyer_receipts is off. */
export async function sendBuyerReceipts(em: EntityManager, senderPhone: string, book: BuyerReceiptBook): Promise<void> {
  if (book.size === 0 || !(await getBooleanSetting(em, 'buyer_receipts'))) return;
  for (const { buyer, items } of book.values()) {
    if (!buyer.recipient || buyer.recipient === senderPhone) continue;
    const lang = buyer.language;
    const t = translator(lang);
    const market = await getStringSetting(em, lang === 'ta' ? 'market_name_ta' : 'market_name');
    const balance = await getBuyerBalance(em, buyer.id);
    const text = [
      t('buyers.receiptTitle', { market, buyer: `${buyer.name} (${buyer.code})` }),
      ...items.map((i) => itemText(t, lang, i)),
      balancePhrase(t, balance),
    ].join('\n');
    enqueueNotification(em, { recipientPhone: buyer.recipient, type: 'receipt', language: lang, payload: { text } });
  }
}
