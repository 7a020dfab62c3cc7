// Ours against the naive design (issue 20), per concurrency, from the ingest and naive stages of one run:
// fully processed msg/s (goal ≥ 1.5× naive) and ack p99 (goal ≤ naive's, and ≤ 20 ms at c = 8).
import type { Figure } from './report.js';

interface StageDetail {
  connections: number;
  sustained: number;
  load: { latency: { p99: number } };
}

const stagesOf = (d: unknown): StageDetail[] => ((d as { stages?: StageDetail[] } | undefined)?.stages ?? []) as StageDetail[];

export function sideBySide(details: Record<string, unknown>): { figures: Figure[]; lines: string[] } {
  const ours = stagesOf(details.ingest);
  const theirs = stagesOf(details.naive);
  const figures: Figure[] = [];
  const lines: string[] = [];
  for (const o of ours) {
    const n = theirs.find((t) => t.connections === o.connections);
    if (!n) continue;
    const throughput = o.sustained / n.sustained;
    const ack = o.load.latency.p99 / Math.max(1, n.load.latency.p99);
    if (!lines.length) {
      lines.push('| c | ours, fully processed | naive | ours ÷ naive | ack p99 ours | ack p99 naive | ours ÷ naive |');
      lines.push('|---|---|---|---|---|---|---|');
    }
    lines.push(
      `| ${o.connections} | ${o.sustained.toFixed(0)} msg/s | ${n.sustained.toFixed(0)} msg/s | ${throughput.toFixed(2)} | ${o.load.latency.p99} ms | ${n.load.latency.p99} ms | ${ack.toFixed(2)} |`,
    );
    figures.push(
      {
        scenario: 'vs naive',
        figure: `fully processed c=${o.connections}, ours ÷ naive`,
        value: throughput,
        unit: '×',
        target: 1.5,
        better: 'higher',
      },
      { scenario: 'vs naive', figure: `ack p99 c=${o.connections}, ours ÷ naive`, value: ack, unit: '×', target: 1, better: 'lower' },
    );
  }
  return { figures, lines };
}
