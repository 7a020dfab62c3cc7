// The fonts statements embed, shipped with the project (templates/pdf/fonts, SIL Open Font License) so every
// machine renders the same PDF. Noto Sans Tamil shapes Tamil (two-part vowel signs, conjuncts) but has no Latin
// letters, so text is split into runs and each run is drawn in the font that has its glyphs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fontkit from 'fontkit';

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
 * files again for every statement would cost more than drawing it.
 */
export function parsedFonts(): Record<FontName, fontkit.Font> {
  parsed ??= Object.fromEntries(
    Object.entries(fontBytes()).map(([name, bytes]) => [name, fontkit.create(bytes) as fontkit.Font]),
  ) as Record<FontName, fontkit.Font>;
  return parsed;
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
