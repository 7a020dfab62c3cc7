// One way to start a ledger PDF: our fonts only, the reader's language and a title in it, a fixed date, and the
// bytes collected into a Buffer when the document ends.
import PDFDocument from 'pdfkit';
import type { Language } from '../domain/columns.js';
import { installDeflateMemo } from './deflate-memo.js';
import { parsedFonts } from './fonts.js';

export interface DocumentOptions {
  lang: Language;
  title: string;
  author: string;
  /** Creation and modification date: a fixed date makes the same data render the same bytes. */
  date: Date;
  margin: number;
  bufferPages?: boolean;
}

export function openDocument(o: DocumentOptions): { doc: PDFKit.PDFDocument; done: Promise<Buffer> } {
  installDeflateMemo();
  const doc = new PDFDocument({
    // No Helvetica: every run is drawn in one of our fonts, and loading it costs time on every document.
    font: null as unknown as string,
    size: 'A4',
    margin: o.margin,
    bufferPages: o.bufferPages ?? false,
    // Viewers show the title; screen readers pick the voice from the language.
    lang: o.lang === 'ta' ? 'ta-IN' : 'en-IN',
    displayTitle: true,
    info: { Title: o.title, Author: o.author, CreationDate: o.date, ModDate: o.date },
  });
  // pdfkit accepts a parsed fontkit font (its types only list paths and buffers).
  for (const [name, font] of Object.entries(parsedFonts())) doc.registerFont(name, font as unknown as Buffer);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, done };
}
