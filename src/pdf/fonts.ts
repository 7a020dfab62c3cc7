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
  cache ??= Object.fromEntries(
    Object.entries(FONT_FILES).map(([name, file]) => [name, fs.readFileSync(path.join(FONT_DIR, file))]),
  ) as Record<FontName, Buffer>;
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

type Position = { xAdvance: number } & Record<string, number>;

/** The parts of fontkit's GlyphRun pdfkit reads; advanceWidth is summed when asked, after pdfkit has scaled. */
class Run {
  constructor(
    readonly glyphs: fontkit.Glyph[],
    readonly positions: Position[],
  ) {}
  get advanceWidth(): number {
    let w = 0;
    for (const p of this.positions) w += p.xAdvance;
    return w;
  }
  copy(): Run {
    return new Run([...this.glyphs], this.positions.map((p) => ({ ...p })));
  }
}
const SHAPED_LIMIT = 20_000;

/**
 * Shaping text (Tamil above all) is the costliest part of a statement, and pdfkit forgets what it shaped with
 * every new document, while labels, dates and flower names repeat from statement to statement. The font
 * remembers runs it has shaped; each caller gets fresh position objects because pdfkit scales them in place.
 */
function rememberShaping(font: fontkit.Font): fontkit.Font {
  const shaped = new Map<string, Run>();
  type Shaped = { glyphs: fontkit.Glyph[]; positions: Position[] };
  const layout = font.layout.bind(font) as unknown as (text: string, features?: unknown) => Shaped;
  (font as unknown as { layout: (text: string, features?: unknown) => Shaped }).layout = (text, features) => {
    if (features !== undefined) return layout(text, features);
    let run = shaped.get(text);
    if (!run) {
      const fresh = layout(text);
      run = new Run(fresh.glyphs, fresh.positions).copy();
      if (shaped.size >= SHAPED_LIMIT) shaped.clear();
      shaped.set(text, run);
    }
    return run.copy();
  };
  return font;
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
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    let script: TextRun['script'];
    if (isTamil(cp)) script = 'tamil';
    else if (isNeutral(ch) && runs.length && runs[runs.length - 1]!.script === 'tamil' && tamilHas(cp)) script = 'tamil';
    else script = 'latin';
    const last = runs[runs.length - 1];
    if (last && last.script === script) last.text += ch;
    else runs.push({ text: ch, script });
  }
  return runs;
}
