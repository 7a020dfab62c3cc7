// The figures a buyer's bill (one market day) or statement (the month so far) shows. Facts only: src/pdf draws them.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Language } from '../columns.js';
import { dec, rupees, sum } from '../money.js';
import { getStringSetting } from '../settings/settings.service.js';
import { Buyer } from './buyer.entity.js';
import { buyerBalanceAsOf, collectionsBetween, salesBetween, type CollectionRow, type SaleRow } from './buyer.queries.js';

export interface BuyerDocumentData {
  kind: 'bill' | 'statement';
  language: Language;
  market: { name: string; nameTa: string };
  buyer: { id: string; code: string; name: string; village: string | null; phone: string | null };
  from: string;
  to: string;
  /** What the buyer owed before `from`. */
  openingBalance: string;
  sales: SaleRow[];
  collections: CollectionRow[];
  salesTotal: string;
  collected: string;
  /** What the buyer owed at the end of `to` (negative: a credit). */
  closingBalance: string;
}

const dayBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

export async function buyerDocumentData(
  em: EntityManager,
  buyerId: string,
  o: { kind: 'bill' | 'statement'; from: string; to: string; language?: Language },
): Promise<BuyerDocumentData> {
  const buyer = await em.findOneOrFail(Buyer, { id: buyerId });
  const sales = await salesBetween(em, buyerId, o.from, o.to);
  const collections = await collectionsBetween(em, buyerId, o.from, o.to);
  const openingBalance = await buyerBalanceAsOf(em, buyerId, dayBefore(o.from));
  const salesTotal = sum(sales.map((s) => s.totalAmount));
  const collected = sum(collections.map((c) => c.amount));
  return {
    kind: o.kind,
    language: o.language ?? buyer.languagePreference,
    market: { name: await getStringSetting(em, 'market_name'), nameTa: await getStringSetting(em, 'market_name_ta') },
    buyer: { id: buyer.id, code: buyer.buyerCode, name: buyer.name, village: buyer.village ?? null, phone: buyer.phone ?? null },
    from: o.from,
    to: o.to,
    openingBalance,
    sales,
    collections,
    salesTotal,
    collected,
    closingBalance: rupees(dec(openingBalance).plus(salesTotal).minus(collected)),
  };
}
