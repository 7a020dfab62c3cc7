// The farmer's statement as a PDF: pure (data in, bytes out), so it runs in a worker thread as well as inline.
// Every label is in the farmer's language with the other language beneath it; rupees use Indian grouping.
import type { Language } from '../domain/columns.js';
import { formatRupees } from '../domain/money.js';
import { translator } from '../i18n.js';
import { openDocument } from './document.js';
import { scriptRuns, shareLayouts, type FontName } from './fonts.js';
import { displayDate, type StatementData, type StatementLine } from './statement-data.js';

export type Doc = PDFKit.PDFDocument;
interface DrawOptions {
  size?: number;
  bold?: boolean;
  color?: string;
  /** Right or centre alignment within [x, x + width]. */
  width?: number;
  align?: 'left' | 'right' | 'center';
  /** Shrink the text to fit `width` rather than run into the next column. */
  fit?: boolean;
}

const PAGE = { width: 595.28, height: 841.89, margin: 40 };
const RIGHT = PAGE.width - PAGE.margin;
const GREY = '#555555';
// Totals: labels from TOTALS_X, amounts right-aligned in [VALUE_X, RIGHT]; long Tamil labels need the room.
const TOTALS_X = 200;
const VALUE_X = RIGHT - 120;
const COLUMNS = [
  { key: 'date', x: 40, width: 68, align: 'left' },
  { key: 'slot', x: 112, width: 96, align: 'left' },
  { key: 'flower', x: 212, width: 118, align: 'left' },
  { key: 'quantity', x: 326, width: 76, align: 'right' },
  { key: 'rate', x: 406, width: 64, align: 'right' },
  // Wide enough for ₹15,00,00,000.00 at full size; a larger amount shrinks (fit) rather than touch the rate.
  { key: 'amount', x: 476, width: RIGHT - 476, align: 'right' },
] as const;

function fontFor(script: 'tamil' | 'latin', bold: boolean): FontName {
  return script === 'tamil' ? (bold ? 'tamilBold' : 'tamil') : bold ? 'latinBold' : 'latin';
}

/** Selects a font (and its shaped words, kept across documents). */
function useFont(doc: Doc, font: FontName, size: number) {
  doc.font(font).fontSize(size);
  shareLayouts((doc as unknown as { _font: unknown })._font);
  return doc;
}

/** Each run of the text with its font and width at the given size. */
function measure(doc: Doc, text: string, o: DrawOptions) {
  const bold = o.bold ?? false;
  const size = o.size ?? 10;
  return scriptRuns(text).map((run) => {
    const font = fontFor(run.script, bold);
    return { text: run.text, font, width: useFont(doc, font, size).widthOfString(run.text) };
  });
}

function textWidth(doc: Doc, text: string, o: DrawOptions) {
  let w = 0;
  for (const run of measure(doc, text, o)) w += run.width;
  return w;
}

export interface RenderOptions {
  /** Sees every run of text drawn and its font (tests check each glyph exists in that font). */
  onRun?: (run: { text: string; font: FontName }) => void;
}
let probe: RenderOptions['onRun'];

/** UTF-16BE with its byte-order mark, as a PDF hex string: the text string form every reader takes. */
export const pdfTextString = (text: string) =>
  `<FEFF${Array.from({ length: text.length }, (_, i) => text.charCodeAt(i).toString(16).padStart(4, '0'))
    .join('')
    .toUpperCase()}>`;

// Tamil runs repeat from statement to statement (labels, slots, flowers): each span's operator is made once.
const SPAN_LIMIT = 2_000;
let spans = new Map<string, string>();
function actualTextSpan(text: string): string {
  let span = spans.get(text);
  if (span === undefined) {
    if (spans.size >= SPAN_LIMIT) spans = new Map();
    span = `/Span << /Lang (ta) /ActualText ${pdfTextString(text)} >> BDC`;
    spans.set(text, span);
  }
  return span;
}

/**
 * Draws with the run's real text attached as ActualText. The marked content sits inside pdfkit's own q … Q
 * around BT … ET (pdfkit's markContent would put it outside, where the text's transformation is already
 * undone, and poppler then loses the text): so the span is opened at BT and closed at ET.
 */
function withActualText(doc: Doc, text: string, drawRun: () => void) {
  const d = doc as unknown as { addContent(s: string): unknown };
  const write = d.addContent;
  const span = actualTextSpan(text);
  d.addContent = function (this: unknown, op: string) {
    if (op === 'BT') write.call(this, span);
    const r = write.call(this, op);
    if (op === 'ET') write.call(this, 'EMC');
    return r;
  };
  try {
    drawRun();
  } finally {
    d.addContent = write;
  }
}

/** Draws one line of mixed Tamil/Latin text, each run in the font that has its glyphs. */
export function draw(doc: Doc, text: string, x: number, y: number, o: DrawOptions = {}) {
  if (!text) return;
  let size = o.size ?? 10;
  // Each run is measured once: the widths place the runs after it and, summed, align the whole.
  let runs = measure(doc, text, o);
  if (o.fit && o.width !== undefined) {
    const w = runs.reduce((a, r) => a + r.width, 0);
    if (w > o.width) {
      size = (size * o.width) / w;
      runs = measure(doc, text, { ...o, size });
    }
  }
  let cx = x;
  if (o.width !== undefined && o.align && o.align !== 'left') {
    let w = 0;
    for (const run of runs) w += run.width;
    cx = o.align === 'right' ? x + o.width - w : x + (o.width - w) / 2;
  }
  doc.fillColor(o.color ?? '#000000');
  for (const run of runs) {
    probe?.({ text: run.text, font: run.font });
    useFont(doc, run.font, size);
    // Tamil glyphs are drawn in visual order (the e-sign of கொ before the க), so text taken from the glyphs
    // would read wrong: the run carries its real text as ActualText, which extraction, search and screen
    // readers use instead.
    // One baseline for both fonts: their ascents differ, so top-aligned runs would not sit on one line.
    // textWidth: pdfkit would measure the run again only to underline or link it.
    const put = () =>
      doc.text(run.text, cx, y + size * 0.95, { lineBreak: false, baseline: 'alphabetic', textWidth: run.width } as PDFKit.Mixins.TextOptions);
    if (run.font === 'tamil' || run.font === 'tamilBold') withActualText(doc, run.text, put);
    else put();
    cx += run.width;
  }
}

/** A label in the reader's language with the other language in small grey beneath; returns its height. */
export function bilingual(doc: Doc, first: string, second: string, x: number, y: number, o: DrawOptions = {}) {
  const size = o.size ?? 10;
  draw(doc, first, x, y, { ...o, size });
  draw(doc, second, x, y + size * 1.45, { ...o, size: size * 0.75, bold: false, color: GREY });
  return size * 1.45 + size * 0.75 * 1.5;
}

const quantityText = (line: StatementLine, unitLabel: string) =>
  `${line.unit === 'piece' ? line.quantity.replace(/\.0+$/, '') : line.quantity} ${unitLabel}`;

export function renderStatementPdf(data: StatementData, options: RenderOptions = {}): Promise<Buffer> {
  probe = options.onRun;
  try {
    return layout(data);
  } finally {
    probe = undefined;
  }
}

const shown0 = (amount: string, deducted: boolean) => `${deducted ? '- ' : ''}${formatRupees(amount)}`;

function layout(data: StatementData): Promise<Buffer> {
  const lang: Language = data.language;
  const other: Language = lang === 'ta' ? 'en' : 'ta';
  const t1 = translator(lang);
  const t2 = translator(other);
  const both = (key: string, opts: Record<string, unknown> = {}) => [t1(`statement.${key}`, opts), t2(`statement.${key}`, opts)] as const;

  const { doc, done } = openDocument({
    lang,
    title: `${t1(`statement.${data.kind === 'provisional' ? 'titleProvisional' : 'title'}`)} ${data.settlementNumber ?? data.farmer.code}`,
    author: lang === 'ta' ? data.market.nameTa : data.market.name,
    date: new Date(data.generatedAt),
    margin: PAGE.margin,
    bufferPages: true,
  });

  // Header: market, address, title, number.
  const [marketFirst, marketSecond] = lang === 'ta' ? [data.market.nameTa, data.market.name] : [data.market.name, data.market.nameTa];
  const [addrFirst, addrSecond] = lang === 'ta' ? [data.market.addressTa, data.market.address] : [data.market.address, data.market.addressTa];
  let y = PAGE.margin;
  y += bilingual(doc, marketFirst, marketSecond, PAGE.margin, y, { size: 17, bold: true });
  y += bilingual(doc, addrFirst, addrSecond, PAGE.margin, y + 2, { size: 9.5 }) + 8;
  doc.moveTo(PAGE.margin, y).lineTo(RIGHT, y).lineWidth(1).strokeColor('#333333').stroke();
  y += 10;
  const titleKey = data.kind === 'provisional' ? 'titleProvisional' : 'title';
  y += bilingual(doc, ...both(titleKey), PAGE.margin, y, { size: 14, bold: true }) + 6;

  // Farmer and period, two columns of label: value.
  const facts: [readonly [string, string], string][] = [
    [both('farmer'), data.farmer.name],
    [both('code'), data.farmer.code],
    [both('village'), data.farmer.village ?? '—'],
    [both('period'), `${displayDate(data.periodStart)} – ${displayDate(data.periodEnd)}`],
    [both('number'), data.settlementNumber ?? '—'],
    [both('generated'), displayDate(data.generatedAt.slice(0, 10))],
  ];
  const factTop = y;
  facts.forEach(([[a, b], value], i) => {
    const col = i < 3 ? 0 : 1;
    const fx = PAGE.margin + col * 262;
    const fy = factTop + (i % 3) * 30;
    bilingual(doc, a, b, fx, fy, { size: 9, bold: true });
    draw(doc, value, fx + 105, fy, { size: 10.5 });
  });
  y = factTop + 3 * 30 + 6;

  // Entries table.
  const header = () => {
    doc
      .rect(PAGE.margin, y - 3, RIGHT - PAGE.margin, 30)
      .fillColor('#eeeeee')
      .fill();
    for (const c of COLUMNS) {
      const [a, b] = both(c.key);
      draw(doc, a, c.x, y, { size: 9, bold: true, width: c.width, align: c.align });
      draw(doc, b, c.x, y + 13, { size: 7, color: GREY, width: c.width, align: c.align });
    }
    y += 32;
  };
  header();
  if (!data.lines.length) {
    draw(doc, t1('statement.noEntries'), PAGE.margin, y, { size: 10 });
    draw(doc, t2('statement.noEntries'), PAGE.margin, y + 14, { size: 8, color: GREY });
    y += 32;
  }
  const unitLabel = { kg: t1('statement.unit_kg'), piece: t1('statement.unit_piece') };
  data.lines.forEach((line, i) => {
    if (y > PAGE.height - PAGE.margin - 40) {
      doc.addPage();
      y = PAGE.margin;
      header();
    }
    if (i % 2 === 1)
      doc
        .rect(PAGE.margin, y - 3, RIGHT - PAGE.margin, 17)
        .fillColor('#f7f7f7')
        .fill();
    const cells: Record<(typeof COLUMNS)[number]['key'], string> = {
      date: displayDate(line.date),
      slot: (lang === 'ta' ? line.slotTa : line.slot) ?? line.slot ?? '',
      flower: (lang === 'ta' ? line.flowerTa : line.flower) ?? line.flower,
      quantity: quantityText(line, unitLabel[line.unit]),
      rate: formatRupees(line.rate),
      amount: formatRupees(line.amount),
    };
    for (const c of COLUMNS) draw(doc, cells[c.key], c.x, y, { size: 9.5, width: c.width, align: c.align, fit: true });
    y += 17;
  });

  // Totals.
  // [labels, amount, deducted from the total, the bottom line]
  const totals: [readonly [string, string], string, boolean, boolean][] = [
    [both('gross'), data.grossAmount, false, false],
    [data.commissionRate ? both('commissionAt', { rate: data.commissionRate }) : both('commission'), data.totalCommission, true, false],
    [both('fees'), data.totalFees, true, false],
    // Each adjustment its own line, signed: a credit adds, a debit takes off.
    ...(data.adjustments ?? []).map(
      (a) =>
        [both('adjustment', { ref: a.ref, reason: a.reason }), a.amount.replace(/^-/, ''), a.amount.startsWith('-'), false] as [
          readonly [string, string],
          string,
          boolean,
          boolean,
        ],
    ),
    [both('advancesDeducted'), data.totalAdvances, true, false],
    [both(data.kind === 'provisional' ? 'netProvisional' : 'netPayable'), data.netPayable, false, true],
  ];
  if (y > PAGE.height - PAGE.margin - 230 - 28 * (data.adjustments?.length ?? 0)) {
    doc.addPage();
    y = PAGE.margin;
  }
  y += 8;
  doc.moveTo(TOTALS_X, y).lineTo(RIGHT, y).lineWidth(0.8).strokeColor('#333333').stroke();
  y += 8;
  for (const [[a, b], amount, deducted, strong] of totals) {
    if (strong) {
      doc
        .rect(TOTALS_X - 6, y - 4, RIGHT - TOTALS_X + 6, 34)
        .fillColor('#e6f2e6')
        .fill();
    }
    const base = strong ? 10.5 : 9.5;
    // A long label shrinks rather than run into its amount.
    const room = RIGHT - 4 - textWidth(doc, shown0(amount, deducted), { size: strong ? 12 : 10, bold: strong }) - 12 - TOTALS_X;
    const size = Math.min(base, (base * room) / textWidth(doc, a, { size: base, bold: strong }));
    bilingual(doc, a, b, TOTALS_X, y, { size, bold: strong });
    const shown = shown0(amount, deducted);
    draw(doc, shown, VALUE_X, y, { size: strong ? 12 : 10, bold: strong, width: RIGHT - VALUE_X - 4, align: 'right' });
    y += strong ? 36 : 28;
  }
  y += 4;
  const [oa, ob] = both('advancesOutstanding');
  bilingual(doc, oa, ob, TOTALS_X, y, { size: 9.5 });
  draw(doc, formatRupees(data.advancesOutstanding), VALUE_X, y, { size: 10, width: RIGHT - VALUE_X - 4, align: 'right' });
  y += 36;

  // Paid, unpaid, or provisional.
  const status =
    data.status === 'paid'
      ? both('paid', { date: displayDate((data.paidAt ?? '').slice(0, 10)), ref: data.paymentReference ?? '' })
      : both(data.status === 'provisional' ? 'provisional' : data.status === 'reopened' ? 'reopened' : 'unpaid');
  doc
    .rect(PAGE.margin, y - 4, RIGHT - PAGE.margin, 34)
    .lineWidth(1)
    .strokeColor(data.status === 'paid' ? '#2e7d32' : '#b26a00')
    .stroke();
  bilingual(doc, status[0], status[1], PAGE.margin + 8, y + 1, { size: 10.5, bold: true, color: data.status === 'paid' ? '#2e7d32' : '#8a5200' });

  const range = doc.bufferedPageRange();
  for (let p = range.start; p < range.start + range.count; p++) {
    doc.switchToPage(p);
    const [pa] = both('page', { n: p + 1, total: range.count });
    // Writing inside the bottom margin would make pdfkit start a new page; lift the margin while drawing.
    doc.page.margins.bottom = 0;
    draw(doc, pa, PAGE.margin, PAGE.height - 28, { size: 8, color: GREY, width: RIGHT - PAGE.margin, align: 'center' });
  }
  doc.end();
  return done;
}
