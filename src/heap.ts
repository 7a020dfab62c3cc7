// Imported first by the long-running entry points (src/main.ts, src/ops/settle-cli.ts). V8 lets the old generation grow to up to four
// times what survived the last full GC before collecting again; under a steady stream of messages that was
// ~250 MB of garbage on a live set of ~80 MB (bench/HISTORY.md, memory). Growing by at most 100 % (twice the live
// set) keeps the peak near the live set; 30 % saved ~10 MB more but doubled the full GCs that land inside a
// `bal` (bench/HISTORY.md). A factor, not a hard cap: a larger live set still fits.
import v8 from 'node:v8';

v8.setFlagsFromString('--heap-growing-percent=100');
