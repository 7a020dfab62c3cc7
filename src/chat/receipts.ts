// Farmer receipts, composed in ONE place: what happened to a farmer's account (facts the domain returned) turned
// into one text per farmer in the farmer's language, with the balance after. The chat (one by one and in bulk) and
// the office's web API both queue their receipts through receiptNotifications().
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../domain/columns.js';
import { enqueueNotification, type NewNotification } from '../domain/notifications/outbox.js';
import { getBooleanSetting, getStringSetting } from '../domain/settings/settings.service.js';
import { translator } from '../i18n.js';
import { fixFigures } from './fixes.js';
import { entryFigures, feeText, money, type EntryFigureFacts, type Named } from './render.js';

/** One line of a receipt: what happened. */
export type ReceiptItem =
  | { kind: 'entry'; entry: EntryFigureFacts & { feeAmount: string }; flower: Named }
  | { kind: 'void'; entry: EntryFigureFacts; flower: Named }
  | { kind: 'advance'; amount: string }
  /** A fix: the voided original and its replacement, shown old → new. */
  | { kind: 'fix'; old: EntryFigureFacts; entry: EntryFigureFacts & { feeAmount: string }; flower: Named };

/** Who a receipt is for. */
export interface ReceiptFarmer {
  id: string;
  code: string;
  name: string;
  language: Language;
  /** WhatsApp number, else phone; null: no receipt. */
  recipient: string | null;
}

/** The receipt lines per farmer of one message or request; one receipt per farmer (WhatsApp's pair limit). */
export type ReceiptBook = Map<string, { farmer: ReceiptFarmer; items: ReceiptItem[] }>;

export function addToReceipt(book: ReceiptBook, farmer: ReceiptFarmer, item: ReceiptItem) {
  const page = book.get(farmer.id) ?? { farmer, items: [] };
  page.items.push(item);
  book.set(farmer.id, page);
}

/** A farmer entity's receipt address. */
export const receiptFarmer = (f: {
  id: string;
  farmerCode: string;
  name: string;
  languagePreference: Language;
  whatsappNumber?: string | null;
  phone?: string | null;
}): ReceiptFarmer => ({
  id: f.id,
  code: f.farmerCode,
  name: f.name,
  language: f.languagePreference,
  recipient: f.whatsappNumber ?? f.phone ?? null,
});

function itemText(item: ReceiptItem, lang: Language): string {
  const t = translator(lang);
  switch (item.kind) {
    case 'entry':
      return t('chat.receiptEntry', { ...entryFigures(item.entry, t, lang, item.flower), fee: feeText(t, 'chat.receiptFee', item.entry.feeAmount) });
    case 'void':
      return t('chat.receiptVoid', entryFigures(item.entry, t, lang, item.flower));
    case 'advance':
      return t('chat.receiptAdvance', { amount: money(item.amount) });
    case 'fix':
      return t('fixes.receiptFix', {
        ...fixFigures(t, lang, item.old, item.entry, item.flower),
        fee: feeText(t, 'chat.receiptFee', item.entry.feeAmount),
      });
  }
}

/**
 * The receipts of a book as outbox rows (none when farmer_receipts is off). A farmer without a phone gets none,
 * nor does a sender logging their own farm's lot (they see it in the reply). `balanceOf`: the farmer's balance
 * after the change the receipt reports.
 */
export async function receiptNotifications(
  em: EntityManager,
  book: ReceiptBook,
  opts: { senderPhone: string | null; balanceOf: (farmerId: string) => string | Promise<string> },
): Promise<NewNotification[]> {
  if (book.size === 0 || !(await getBooleanSetting(em, 'farmer_receipts'))) return [];
  const out: NewNotification[] = [];
  for (const { farmer, items } of book.values()) {
    const to = farmer.recipient;
    if (!to || to === opts.senderPhone) continue;
    const lang = farmer.language;
    const t = translator(lang);
    const market = await getStringSetting(em, lang === 'ta' ? 'market_name_ta' : 'market_name');
    const balance = await opts.balanceOf(farmer.id);
    const text = [
      t('chat.receiptTitle', { market, farmer: `${farmer.name} (${farmer.code})` }),
      ...items.map((i) => itemText(i, lang)),
      t('chat.receiptBalance', { balance: money(balance) }),
    ].join('\n');
    out.push({ recipientPhone: to, type: 'receipt', language: lang, payload: { text }, farmerId: farmer.id });
  }
  return out;
}

/** Queues one farmer's receipt for one change (the office's web writes), through the unit of work. */
export async function queueReceipt(em: EntityManager, farmer: ReceiptFarmer, item: ReceiptItem, balanceAfter: string): Promise<void> {
  const book: ReceiptBook = new Map();
  addToReceipt(book, farmer, item);
  for (const n of await receiptNotifications(em, book, { senderPhone: null, balanceOf: () => balanceAfter })) enqueueNotification(em, n);
}
