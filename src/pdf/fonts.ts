// The fonts statements embed, shipped with the project (templates/pdf/fonts, SIL Open Font License) so every
// machine renders the same PDF. Noto Sans Tamil shapes Tamil (two-part vowel signs, conjuncts) but has no Latin
// letters, so text is split into runs and each run is drawn in the font that has its glyphs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fontkit from 'fontkit';
import { rememberSubsets } from './font-subset.js';

export const FONT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates', 'pdf', 'fonts');

export const FONT_FILES = {
  tamil: 'NotoSansTamil-Regular.ttf',
  tamilBold: 'NotoSansTamil-Bold.ttf',
  latin: 'NotoSans-Regular.ttf',
  latinBold: 'NotoSans-Bold.ttf',
} as const;
export type FontName = keyof typeof FONT_FILES;

let cache: Record<FontName, Buffer> | undefined;

/** The font files' bytes, read once per process (or worker). */
export function fontBytes(): Record<FontName, Buffer> {
  cache ??= Object.fromEntries(Object.entries(FONT_FILES).map(([name, file]) => [name, fs.readFileSync(path.join(FONT_DIR, file))])) as Record<
    FontName,
    Buffer
  >;
  return cache;
}

let parsed: Record<FontName, fontkit.Font> | undefined;

/**
 * The parsed fonts, once per process (or worker). pdfkit takes a fontkit font as well as bytes; parsing the
 * files again for every statement would cost more than drawing it. Each font also remembers what it shaped
 * and the glyphs it subset, across documents.
 */
export function parsedFonts(): Record<FontName, fontkit.Font> {
  parsed ??= Object.fromEntries(
    Object.entries(fontBytes()).map(([name, bytes]) => [name, rememberSubsets(rememberShaping(fontkit.create(bytes) as fontkit.Font))]),
  ) as Record<FontName, fontkit.Font>;
  return parsed;
}

const LAYOUT_LIMIT = 4_000;

/** Words pdfkit has shaped and scaled, shared by every document drawn with one font. */
interface SharedLayouts {
  cache: Record<string, unknown>;
  size: number;
}
const layouts = new WeakMap<fontkit.Font, SharedLayouts>();

/**
 * Shaping text (Tamil above all) is costly, and pdfkit keeps what it shaped only for one document (each
 * EmbeddedFont's layoutCache: word → run, positions already scaled to 1000 units per em), while labels, dates
 * and flower names repeat from statement to statement. So each font has one such cache for every document
 * (see shareLayouts). pdfkit only reads cached runs: it copies a position before changing it. pdfkit asks
 * fontkit to shape a word only when its cache lacks it, so counting those calls bounds the cache: when full it
 * is replaced by an empty one.
 */
function rememberShaping(font: fontkit.Font): fontkit.Font {
  const shared: SharedLayouts = { cache: Object.create(null) as Record<string, unknown>, size: 0 };
  layouts.set(font, shared);
  const layout = font.layout.bind(font);
  (font as unknown as { layout: typeof layout }).layout = (text, ...rest) => {
    if (++shared.size > LAYOUT_LIMIT) {
      shared.cache = Object.create(null) as Record<string, unknown>;
      shared.size = 1;
    }
    return layout(text, ...rest);
  };
  return font;
}

/**
 * Gives pdfkit's font object for one document (`doc._font` after `doc.font(name)`) the cache its fontkit font
 * shares with every other document. Anything that is not pdfkit's EmbeddedFont as we know it is left alone.
 */
export function shareLayouts(embedded: unknown): void {
  const e = embedded as { font?: fontkit.Font; layoutCache?: unknown } | null;
  const shared = e?.font && layouts.get(e.font);
  if (shared && e.layoutCache !== shared.cache && typeof e.layoutCache === 'object') e.layoutCache = shared.cache;
}

const tamilHas = (cp: number) => parsedFonts().tamil.hasGlyphForCodePoint(cp);

const isTamil = (cp: number) => (cp >= 0x0b80 && cp <= 0x0bff) || cp === 0x200c || cp === 0x200d;
const isNeutral = (ch: string) => /[\s\d.,:;()\-/%₹#'"+×x]/u.test(ch) && !/[A-Za-z]/.test(ch);

export interface TextRun {
  text: string;
  script: 'tamil' | 'latin';
}

/**
 * Splits text into Tamil and Latin runs. Spaces, digits and punctuation stay in the run they are in when its
 * font has them, so a Tamil phrase is shaped as a whole and fonts switch only where the script does.
 */
export function scriptRuns(text: string): TextRun[] {
  const runs: TextRun[] = [];
  // Each run is sliced out once at its end (adding character by character made a string per character).
  let start = 0;
  let current: TextRun['script'] | undefined;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    let script: TextRun['script'];
    if (isTamil(cp)) script = 'tamil';
    else if (current === 'tamil' && isNeutral(text.slice(i, i + width)) && tamilHas(cp)) script = 'tamil';
    else script = 'latin';
    if (current !== undefined && script !== current) {
      runs.push({ text: text.slice(start, i), script: current });
      start = i;
    }
    current = script;
    i += width;
  }
  if (current !== undefined) runs.push({ text: text.slice(start), script: current });
  return runs;
}
