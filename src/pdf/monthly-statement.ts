// The one-page monthly statement: the farmer's month in their language, the other language beneath each label.
// Same fonts, Tamil ActualText and fitting rules as the settlement statement (draw/bilingual from statement.ts).
import type { Language } from '../domain/columns.js';
import { dec, formatRupees } from '../domain/money.js';
import type { MonthlyStatementData } from '../domain/monthly-statements/monthly-statement.js';
import { translator } from '../i18n.js';
import { openDocument } from './document.js';
import { bilingual, draw } from './statement.js';
import { displayDate } from './statement-data.js';

const M = 40;
const RIGHT = 595.28 - M;
const GREY = '#555555';

export function monthName(month: string, lang: Language): string {
  return new Intl.DateTimeFormat(lang === 'ta' ? 'ta-IN' : 'en-IN', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${month}-01T00:00:00Z`),
  );
}

/** '30 Nov 2026' / '30 நவ., 2026', as the chat writes market dates. */
function dayName(date: string, lang: Language): string {
  return new Intl.DateTimeFormat(lang === 'ta' ? 'ta-IN' : 'en-IN', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );
}

export function renderMonthlyStatementPdf(data: MonthlyStatementData, generatedAt: Date): Promise<Buffer> {
  const lang = data.language;
  const other: Language = lang === 'ta' ? 'en' : 'ta';
  const t1 = translator(lang);
  const t2 = translator(other);
  const both = (key: string, o: Record<string, unknown> = {}) => [t1(`monthly.${key}`, o), t2(`monthly.${key}`, o)] as const;
  const { doc, done } = openDocument({
    lang,
    title: `${t1('monthly.title')} ${monthName(data.month, lang)} ${data.farmer.code}`,
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
  y += bilingual(doc, ...both('title'), M, y, { size: 14, bold: true }) + 4;
  const facts: [readonly [string, string], string][] = [
    [both('farmer'), `${data.farmer.name}${data.farmer.village ? `, ${data.farmer.village}` : ''}`],
    [both('code'), data.farmer.code],
    [both('month'), `${monthName(data.month, lang)} (${displayDate(data.monthStart)} – ${displayDate(data.monthEnd)})`],
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
  const none = () => row([{ text: t1('monthly.none'), x: M + 4, width: 300 }]);

  // Deliveries by flower.
  section('deliveries');
  const cols = [
    { key: 'flower', x: M + 4, width: 130, align: 'left' as const },
    { key: 'entries', x: 180, width: 45, align: 'right' as const },
    { key: 'quantity', x: 230, width: 80, align: 'right' as const },
    { key: 'amount', x: 315, width: 82, align: 'right' as const },
    { key: 'commission', x: 400, width: 72, align: 'right' as const },
    { key: 'net', x: 476, width: RIGHT - 476, align: 'right' as const },
  ];
  for (const c of cols) draw(doc, t1(`monthly.${c.key}`), c.x, y, { size: 8.5, bold: true, color: GREY, width: c.width, align: c.align, fit: true });
  y += 14;
  if (!data.deliveries.length) none();
  const unit = (u: 'kg' | 'piece') => t1(`statement.unit_${u}`);
  for (const d of data.deliveries) {
    row([
      { text: lang === 'ta' ? d.flowerTa : d.flower, ...cols[0]! },
      { text: String(d.entries), ...cols[1]! },
      { text: `${d.unit === 'piece' ? d.quantity.replace(/\.0+$/, '') : d.quantity} ${unit(d.unit)}`, ...cols[2]! },
      { text: formatRupees(d.amount), ...cols[3]! },
      { text: formatRupees(d.commission), ...cols[4]! },
      { text: formatRupees(d.net), ...cols[5]! },
    ]);
  }
  if (data.deliveries.length > 1) {
    const total = (f: 'amount' | 'commission' | 'net') => formatRupees(data.deliveries.reduce((a, d) => a.plus(dec(d[f])), dec('0')).toFixed(2));
    row([
      { text: t1('monthly.total'), ...cols[0]!, bold: true },
      { text: total('amount'), ...cols[3]!, bold: true },
      { text: total('commission'), ...cols[4]!, bold: true },
      { text: total('net'), ...cols[5]!, bold: true },
    ]);
  }

  section('settlements');
  if (!data.settlements.length) none();
  for (const s of data.settlements)
    row([
      { text: `${s.number}  ${displayDate(s.periodStart)} – ${displayDate(s.periodEnd)}`, x: M + 4, width: 380 },
      { text: formatRupees(s.net), x: 430, width: RIGHT - 430, align: 'right' },
    ]);

  section('advances');
  if (!data.advances.length) none();
  for (const a of data.advances)
    row([
      {
        text: `${displayDate(a.date)}${a.status === 'pending' || a.status === 'reversed' ? ` (${t1(`monthly.${a.status}`)})` : ''}`,
        x: M + 4,
        width: 380,
      },
      { text: formatRupees(a.amount), x: 430, width: RIGHT - 430, align: 'right' },
    ]);

  // Only when there were any: most months have none, and an empty section reads as something missing.
  if (data.adjustments.length) {
    section('adjustments');
    for (const a of data.adjustments)
      row([
        { text: `${displayDate(a.date)}  ${a.ref}: ${a.reason}`, x: M + 4, width: 380 },
        {
          // ASCII signs, as the settlement statement's deducted lines: the fonts' subsets carry them.
          text: `${a.amount.startsWith('-') ? '- ' : '+ '}${formatRupees(dec(a.amount).abs().toFixed(2))}`,
          x: 430,
          width: RIGHT - 430,
          align: 'right',
        },
      ]);
  }

  section('payments');
  if (!data.payments.length) none();
  for (const p of data.payments) {
    row([
      { text: `${displayDate(p.date)}  ${p.number}${p.reference ? `  ${t1('monthly.reference', { ref: p.reference })}` : ''}`, x: M + 4, width: 380 },
      { text: formatRupees(p.amount), x: 430, width: RIGHT - 430, align: 'right' },
    ]);
  }

  y += 12;
  const owes = dec(data.closingBalance).lt(0);
  doc
    .rect(M, y - 4, RIGHT - M, 36)
    .fillColor('#e6f2e6')
    .fill();
  bilingual(
    doc,
    t1(`monthly.${owes ? 'balanceOwes' : 'balance'}`, { date: dayName(data.monthEnd, lang) }),
    t2(`monthly.${owes ? 'balanceOwes' : 'balance'}`, { date: dayName(data.monthEnd, other) }),
    M + 8,
    y,
    { size: 11, bold: true },
  );
  draw(doc, formatRupees(dec(data.closingBalance).abs().toFixed(2)), 380, y, {
    size: 13,
    bold: true,
    width: RIGHT - 8 - 380,
    align: 'right',
    fit: true,
  });

  doc.page.margins.bottom = 0;
  draw(doc, t1('monthly.page', { market: mf, from: displayDate(data.monthStart), to: displayDate(data.monthEnd) }), M, 841.89 - 28, {
    size: 8,
    color: GREY,
    width: RIGHT - M,
    align: 'center',
  });
  doc.end();
  return done;
}
