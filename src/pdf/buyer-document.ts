// A buyer's bill (a market day's sales) or statement (the month so far) on one A4 page: the buyer's language
// first, the other beneath each label. Same fonts, Tamil ActualText and fitting as the farmers' statements.
import type { Language } from '../domain/columns.js';
import type { BuyerDocumentData } from '../domain/buyers/buyer-documents.js';
import { dec, formatRupees } from '../domain/money.js';
import { translator } from '../i18n.js';
import { openDocument } from './document.js';
import { bilingual, draw } from './statement.js';
import { displayDate } from './statement-data.js';

const M = 40;
const RIGHT = 595.28 - M;
const GREY = '#555555';

export function renderBuyerDocumentPdf(data: BuyerDocumentData, generatedAt: Date): Promise<Buffer> {
  const lang = data.language;
  const other: Language = lang === 'ta' ? 'en' : 'ta';
  const t1 = translator(lang);
  const t2 = translator(other);
  const both = (key: string, o: Record<string, unknown> = {}) => [t1(`buyers.pdf.${key}`, o), t2(`buyers.pdf.${key}`, o)] as const;
  const title = data.kind === 'bill' ? 'billTitle' : 'statementTitle';
  const { doc, done } = openDocument({
    lang,
    title: `${t1(`buyers.pdf.${title}`)} ${data.buyer.code} ${data.to}`,
    author: lang === 'ta' ? data.market.nameTa : data.market.name,
    date: generatedAt,
    margin: M,
  });

  let y = M;
  const [mf, ms] = lang === 'ta' ? [data.market.nameTa, data.market.name] : [data.market.name, data.market.nameTa];
  y += bilingual(doc, mf, ms, M, y, { size: 16, bold: true });
  doc
    .moveTo(M, y + 4)
    .lineTo(RIGHT, y + 4)
    .lineWidth(1)
    .strokeColor('#333333')
    .stroke();
  y += 12;
  y += bilingual(doc, ...both(title), M, y, { size: 14, bold: true }) + 4;
  const period = data.from === data.to ? displayDate(data.to) : `${displayDate(data.from)} – ${displayDate(data.to)}`;
  const facts: [readonly [string, string], string][] = [
    [both('buyer'), `${data.buyer.name}${data.buyer.village ? `, ${data.buyer.village}` : ''}`],
    [both('code'), data.buyer.code],
    [both(data.kind === 'bill' ? 'period' : 'periodRange'), period],
  ];
  for (const [[a, b], v] of facts) {
    bilingual(doc, a, b, M, y, { size: 9, bold: true });
    draw(doc, v, M + 110, y, { size: 10.5, width: RIGHT - M - 110, fit: true });
    y += 26;
  }
  const section = (key: string) => {
    y += 6;
    doc
      .rect(M, y - 3, RIGHT - M, 28)
      .fillColor('#eeeeee')
      .fill();
    y += bilingual(doc, ...both(key), M + 4, y, { size: 11, bold: true }) + 2;
  };
  const row = (cells: { text: string; x: number; width: number; align?: 'left' | 'right'; bold?: boolean }[]) => {
    for (const c of cells) draw(doc, c.text, c.x, y, { size: 9.5, width: c.width, align: c.align ?? 'left', fit: true, bold: c.bold });
    y += 15;
  };
  const money = (x: number, text: string, bold = false) => ({ text, x, width: 80, align: 'right' as const, bold });

  // A bill shows what was owed before the day only when something was.
  if (data.kind === 'statement' || !dec(data.openingBalance).eq(0)) {
    const label = t1(data.kind === 'statement' ? 'buyers.pdf.opening' : 'buyers.pdf.openingBill');
    row([{ text: label, x: M + 4, width: 300, bold: true }, money(RIGHT - 80, formatRupees(data.openingBalance), true)]);
  }
  section('sales');
  const cols = [
    { key: 'ref', x: M + 4, width: 55 },
    { key: 'date', x: M + 60, width: 60 },
    { key: 'flower', x: M + 122, width: 110 },
    { key: 'quantity', x: M + 234, width: 60, align: 'right' as const },
    { key: 'rate', x: M + 296, width: 60, align: 'right' as const },
    { key: 'amount', x: RIGHT - 160, width: 78, align: 'right' as const },
    { key: 'due', x: RIGHT - 80, width: 80, align: 'right' as const },
  ];
  for (const c of cols)
    draw(doc, t1(`buyers.pdf.${c.key}`), c.x, y, { size: 8.5, bold: true, color: GREY, width: c.width, align: c.align, fit: true });
  y += 14;
  if (!data.sales.length) row([{ text: t1('buyers.pdf.none'), x: M + 4, width: 300 }]);
  const unit = (u: 'kg' | 'piece') => t1(`statement.unit_${u}`);
  for (const s of data.sales) {
    if (y > 760) break;
    row([
      { text: `S${s.saleNo}`, ...cols[0]! },
      { text: displayDate(s.date), ...cols[1]! },
      { text: lang === 'ta' ? s.flowerNameTa : s.flowerName, ...cols[2]! },
      { text: `${s.quantity.replace(/\.?0+$/, '')} ${unit(s.unit)}`, ...cols[3]! },
      { text: formatRupees(s.ratePerUnit), ...cols[4]! },
      { text: formatRupees(s.totalAmount), ...cols[5]! },
      { text: formatRupees(s.due), ...cols[6]! },
    ]);
  }
  row([
    { text: t1('buyers.pdf.total'), x: M + 4, width: 200, bold: true },
    { ...cols[5]!, text: formatRupees(data.salesTotal), bold: true },
  ]);

  section('collections');
  if (!data.collections.length) row([{ text: t1('buyers.pdf.none'), x: M + 4, width: 300 }]);
  for (const c of data.collections) {
    if (y > 760) break;
    row([
      {
        text: `C${c.collectionNo}  ${displayDate(c.date)}  ${t1(`buyers.mode.${c.mode}`)}${c.reference ? ` ${c.reference}` : ''}`,
        x: M + 4,
        width: 380,
      },
      money(RIGHT - 80, formatRupees(c.amount)),
    ]);
  }

  y += 12;
  const credit = dec(data.closingBalance).lt(0);
  doc
    .rect(M, y - 4, RIGHT - M, 36)
    .fillColor(credit ? '#e6f2e6' : '#fdf0e0')
    .fill();
  bilingual(doc, ...both(credit ? 'closingCredit' : 'closingOwes', { date: displayDate(data.to) }), M + 8, y, { size: 11, bold: true });
  draw(doc, formatRupees(dec(data.closingBalance).abs().toFixed(2)), 380, y, {
    size: 13,
    bold: true,
    width: RIGHT - 8 - 380,
    align: 'right',
    fit: true,
  });

  doc.page.margins.bottom = 0;
  draw(doc, t1('buyers.pdf.footer', { market: mf }), M, 841.89 - 28, { size: 8, color: GREY, width: RIGHT - M, align: 'center' });
  doc.end();
  return done;
}
