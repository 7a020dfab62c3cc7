// pdfkit embeds a subset of each font in every document through fontkit's TTFSubset, which decodes every
// used glyph's outline and re-encodes the font's tables value by value, every time: about a third of a
// statement's cost. GlyfSubset writes the very same bytes (test/pdf/font-subset.test.ts compares them with
// fontkit's) from what it keeps per font: each glyph's raw glyf bytes, its components and metrics, and the
// tables that do not depend on which glyphs are used (head, hhea, maxp, cvt, prep, fpgm).
import type * as fontkit from 'fontkit';

interface GlyphData {
  /** The glyph's bytes in the font's glyf table (a view; copied only when components need renumbering). */
  bytes: Uint8Array;
  /** Compound glyphs: the glyphs they are built of and where their ids sit in `bytes`. */
  components: { glyphID: number; pos: number }[];
  advance: number;
  bearing: number;
}

/** What fontkit keeps on a TrueType font and its glyphs, beyond its published types. */
interface TTFInternals {
  loca: { version: 0 | 1; offsets: number[] };
  _variationProcessor?: unknown;
  directory: { tables: Record<string, { offset: number; length: number } | undefined> };
  stream: { buffer: Uint8Array };
  getGlyph(gid: number): fontkit.Glyph & {
    _decode(): { numberOfContours: number; components?: { glyphID: number; pos: number }[] } | null;
    _getMetrics(): { leftBearing: number };
  };
  createSubset(): fontkit.Subset & { glyphs: number[] };
}

/** The subset's table order and the bytes of the tables that are the same for every subset of one font. */
interface FontTemplate {
  header: Uint8Array;
  tags: string[];
  fixed: Map<string, Uint8Array>;
  locaLong: boolean;
}

const HHEA_NUMBER_OF_METRICS = 34;
const MAXP_NUM_GLYPHS = 4;

/** Reads the tables of a font file written by fontkit's subsetter (sfnt directory: tag, checksum, offset, length). */
function tablesOf(encoded: Uint8Array): { header: Uint8Array; tables: [string, Uint8Array][] } {
  const file = new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const count = view.getUint16(4);
  const tables: [string, Uint8Array][] = [];
  for (let i = 0; i < count; i++) {
    const at = 12 + i * 16;
    const tag = String.fromCharCode(...file.subarray(at, at + 4));
    const offset = view.getUint32(at + 8);
    tables.push([tag, file.subarray(offset, offset + view.getUint32(at + 12))]);
  }
  return { header: file.slice(0, 12), tables };
}

export class FontSubsetter {
  private readonly glyphs = new Map<number, GlyphData>();
  private readonly glyf: Uint8Array;
  private template?: FontTemplate;

  constructor(
    private readonly font: fontkit.Font,
    private readonly fontkitSubset: () => fontkit.Subset,
  ) {
    const f = font as unknown as TTFInternals;
    const entry = f.directory.tables.glyf!;
    // A plain Uint8Array view: Buffer's slice() would share memory, and renumbering a compound glyph's
    // components in a "copy" would then rewrite the font itself.
    const file = f.stream.buffer;
    this.glyf = new Uint8Array(file.buffer, file.byteOffset + entry.offset, entry.length);
  }

  /** Only plain TrueType outlines without variations; anything else keeps fontkit's own subsetter. */
  static handles(font: fontkit.Font): boolean {
    const f = font as unknown as TTFInternals;
    return !!f.directory.tables.glyf && !!f.directory.tables.loca && !f.directory.tables['CFF '] && !f._variationProcessor;
  }

  glyph(gid: number): GlyphData {
    let g = this.glyphs.get(gid);
    if (!g) {
      const f = this.font as unknown as TTFInternals;
      const glyph = f.getGlyph(gid);
      const decoded = glyph._decode();
      g = {
        bytes: this.glyf.subarray(f.loca.offsets[gid]!, f.loca.offsets[gid + 1]!),
        components: decoded && decoded.numberOfContours < 0 ? (decoded.components ?? []).map((c) => ({ glyphID: c.glyphID, pos: c.pos })) : [],
        advance: glyph.advanceWidth,
        bearing: glyph._getMetrics().leftBearing,
      };
      this.glyphs.set(gid, g);
    }
    return g;
  }

  /** The tables fontkit writes for every subset, taken once from fontkit's own output. */
  templateFor(): FontTemplate {
    if (!this.template) {
      const { header, tables } = tablesOf(this.fontkitSubset().encode());
      const fixed = new Map(tables.filter(([tag]) => !['loca', 'glyf', 'hmtx'].includes(tag)).map(([tag, bytes]) => [tag, bytes.slice()]));
      this.template = { header, tags: tables.map(([tag]) => tag), fixed, locaLong: (this.font as unknown as TTFInternals).loca.version === 1 };
    }
    return this.template;
  }

  createSubset(): GlyfSubset {
    return new GlyfSubset(this);
  }
}

/** A drop-in for fontkit's TTFSubset (what pdfkit calls): includeGlyph while drawing, encode once at the end. */
export class GlyfSubset {
  readonly glyphs: number[] = [];
  readonly mapping: Record<number, number> = {};

  constructor(private readonly source: FontSubsetter) {
    // fontkit's subsets always start with the missing glyph.
    this.includeGlyph(0);
  }

  includeGlyph(glyph: number | { id: number }): number {
    const gid = typeof glyph === 'object' ? glyph.id : glyph;
    let mapped = this.mapping[gid];
    if (mapped === undefined) {
      this.glyphs.push(gid);
      mapped = this.mapping[gid] = this.glyphs.length - 1;
    }
    return mapped;
  }

  encode(): Uint8Array {
    const t = this.source.templateFor();
    // Components join the subset as they are met, exactly as fontkit's loop does.
    const parts: Uint8Array[] = [];
    const metrics: GlyphData[] = [];
    let glyfLength = 0;
    for (let i = 0; i < this.glyphs.length; i++) {
      const g = this.source.glyph(this.glyphs[i]!);
      let bytes = g.bytes;
      if (g.components.length) {
        bytes = bytes.slice();
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (const c of g.components) view.setUint16(c.pos, this.includeGlyph(c.glyphID));
      }
      parts.push(bytes);
      metrics.push(g);
      glyfLength += bytes.length;
    }
    const n = parts.length;
    const sizes: Record<string, number> = { loca: (n + 1) * (t.locaLong ? 4 : 2), glyf: glyfLength, hmtx: n * 4 };
    const sizeOf = (tag: string) => sizes[tag] ?? t.fixed.get(tag)!.length;
    const dirLength = 12 + t.tags.length * 16;
    let total = dirLength;
    for (const tag of t.tags) total += sizeOf(tag);

    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    out.set(t.header, 0);
    let offset = dirLength;
    t.tags.forEach((tag, i) => {
      const at = 12 + i * 16;
      for (let k = 0; k < 4; k++) out[at + k] = tag.charCodeAt(k);
      // fontkit leaves checksums at 0.
      view.setUint32(at + 8, offset);
      view.setUint32(at + 12, sizeOf(tag));
      const start = offset;
      switch (tag) {
        case 'loca': {
          let o = 0;
          for (let g = 0; g <= n; g++) {
            if (t.locaLong) view.setUint32(start + g * 4, o);
            else view.setUint16(start + g * 2, o >>> 1);
            o += g < n ? parts[g]!.length : 0;
          }
          break;
        }
        case 'glyf': {
          let o = start;
          for (const p of parts) {
            out.set(p, o);
            o += p.length;
          }
          break;
        }
        case 'hmtx':
          metrics.forEach((m, g) => {
            view.setUint16(start + g * 4, m.advance);
            view.setInt16(start + g * 4 + 2, m.bearing);
          });
          break;
        default:
          out.set(t.fixed.get(tag)!, start);
          if (tag === 'hhea') view.setUint16(start + HHEA_NUMBER_OF_METRICS, n);
          if (tag === 'maxp') view.setUint16(start + MAXP_NUM_GLYPHS, n);
      }
      offset += sizeOf(tag);
    });
    return out;
  }
}

/**
 * Makes `font.createSubset()` (what pdfkit calls for every document) return a GlyfSubset that remembers the
 * font's glyphs across documents. Returns the font; fonts GlyfSubset cannot write are left as they are.
 */
export function rememberSubsets(font: fontkit.Font): fontkit.Font {
  if (!FontSubsetter.handles(font)) return font;
  const original = font.createSubset.bind(font);
  const subsetter = new FontSubsetter(font, original);
  (font as unknown as { createSubset: () => unknown }).createSubset = () => subsetter.createSubset();
  return font;
}
