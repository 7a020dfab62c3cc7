// pdfkit deflates every stream of every document it writes. A statement's embedded font subsets and their
// ToUnicode maps repeat from document to document (the same labels, digits, flowers and villages): about half
// of them in a run of settlement statements. Their deflated bytes are kept, per content, and reused: zlib gives
// the same input the same output, so the document's bytes do not change. Page contents (always new) are
// deflated as before.
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import PDFDocument from 'pdfkit';

const LIMIT = 256;
let memo = new Map<string, Buffer>();
let hits = 0;

/** A TrueType font file ('true' or 0x00010000) or a ToUnicode CMap: the streams that repeat. */
function repeats(bytes: Uint8Array): boolean {
  const head = (bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!;
  return head === 0x74727565 || head === 0x00010000 || (head === 0x2f434944 && bytes[4] === 0x49); // '/CIDI'nit
}

/** zlib.deflateSync(bytes), remembered for the streams that repeat. */
export function deflated(bytes: Uint8Array): Buffer {
  if (bytes.length < 5 || !repeats(bytes)) return zlib.deflateSync(bytes);
  const key = createHash('sha256').update(bytes).digest('base64');
  let out = memo.get(key);
  if (out) hits++;
  else {
    if (memo.size >= LIMIT) memo = new Map();
    out = zlib.deflateSync(bytes);
    memo.set(key, out);
  }
  return out;
}

/** How many streams were served from the memo (tests). */
export const deflateMemoHits = () => hits;

interface PdfReference {
  compress: boolean;
  buffer: Uint8Array[] | Uint8Array;
  finalize(): unknown;
}

let installed = false;

/**
 * Teaches pdfkit's stream objects (PDFReference, not exported: taken from a throwaway document) to deflate
 * through `deflated`. A stream that would be compressed gets its deflated bytes as its content and is then
 * written as it is: pdfkit already set its /Filter when the content was written, and sets /Length from the
 * bytes it writes, so the object reads exactly as before.
 */
export function installDeflateMemo(): void {
  if (installed) return;
  installed = true;
  const proto = Object.getPrototypeOf(new PDFDocument({ font: null as unknown as string }).ref({})) as PdfReference;
  const finalize = proto.finalize;
  proto.finalize = function (this: PdfReference) {
    if (this.compress && Array.isArray(this.buffer) && this.buffer.length) {
      this.buffer = [deflated(Buffer.concat(this.buffer))];
      this.compress = false;
    }
    return finalize.call(this);
  };
}
