// Imported first by the long-running entry points (src/main.ts). V8 lets the old generation grow to several
// times what survived the last full GC before collecting again; under a steady stream of messages that is
// ~250 MB of garbage on a live set of ~80 MB (bench/README.md, memory). Growing by 30 % instead keeps the peak
// near the live set for ~0.1 ms more GC per message. A factor, not a hard cap: a larger live set still fits.
import v8 from 'node:v8';

v8.setFlagsFromString('--heap-growing-percent=30');
