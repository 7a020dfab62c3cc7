// GlyfSubset must write exactly the font file fontkit's own subsetter writes for the same glyphs in the same
// order (it only remembers per font what fontkit recomputes per document), so statements keep their bytes.
import fs from 'node:fs';
import path from 'node:path';
import * as fontkit from 'fontkit';
import { describe, expect, it } from 'vitest';
import { FONT_DIR, FONT_FILES } from '../../src/pdf/fonts.js';
import { FontSubsetter } from '../../src/pdf/font-subset.js';

const open = (file: string) => fontkit.create(fs.readFileSync(path.join(FONT_DIR, file))) as fontkit.Font;

/** fontkit's subset of a freshly parsed font: the reference bytes. */
function fontkitBytes(file: string, gids: number[]): Buffer {
  const subset = open(file).createSubset() as unknown as { includeGlyph(g: number): number; encode(): Uint8Array };
  for (const g of gids) subset.includeGlyph(g);
  return Buffer.from(subset.encode());
}

describe('GlyfSubset', () => {
  for (const [name, file] of Object.entries(FONT_FILES)) {
    it(`writes fontkit's bytes for ${name}`, () => {
      const font = open(file);
      // One subsetter for every case below: what it remembers from one subset must not leak into the next.
      const subsetter = new FontSubsetter(font, () => font.createSubset());
      const text = font.layout(name.startsWith('tamil') ? 'கொ கோ கௌ க்ஷ மல்லிகை ரோஜா ₹1,25,000.00' : 'Jasmine ₹1,25,000.00 Ñandú – 24-11-2026');
      const drawn = text.glyphs.map((g) => g.id);
      const compound: number[] = [];
      for (let g = 0; g < font.numGlyphs && compound.length < 20; g++) if (subsetter.glyph(g).components.length) compound.push(g);
      expect(compound.length).toBeGreaterThan(0);
      const cases = [
        [],
        drawn,
        [...drawn].reverse(),
        compound,
        [...compound.slice(0, 5), ...drawn, ...compound.slice(5)],
        Array.from({ length: font.numGlyphs - 1 }, (_, i) => font.numGlyphs - 1 - i),
      ];
      for (const gids of cases) {
        const ours = subsetter.createSubset();
        for (const g of gids) ours.includeGlyph(g);
        const bytes = Buffer.from(ours.encode());
        expect(bytes.equals(fontkitBytes(file, gids)), `${name}: ${gids.length} glyphs`).toBe(true);
        // And the file reads back as a font with those glyphs' outlines.
        const back = fontkit.create(bytes) as fontkit.Font;
        expect(back.numGlyphs).toBe(ours.glyphs.length);
        for (const [i, g] of ours.glyphs.entries())
          expect(back.getGlyph(i).path.toSVG(), `${name} case ${cases.indexOf(gids)} glyph ${i}=${g}`).toBe(font.getGlyph(g).path.toSVG());
      }
    });
  }
});
