// One measured figure beside its target. ratio > 1 always means "better than the target".
export interface Figure {
  scenario: string;
  figure: string;
  value: number;
  unit: string;
  /** null: reported only (no target in the issue). */
  target: number | null;
  better: 'higher' | 'lower';
  note?: string;
}

export const ratio = (f: Figure) => (f.target === null || f.value === 0 ? null : f.better === 'higher' ? f.value / f.target : f.target / f.value);

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));

export function table(figures: Figure[]): string {
  const rows = figures.map((f) => {
    const r = ratio(f);
    return [
      f.scenario,
      f.figure,
      `${fmt(f.value)} ${f.unit}`,
      f.target === null ? '—' : `${f.better === 'higher' ? '≥' : '≤'} ${fmt(f.target)} ${f.unit}`,
      r === null ? '—' : `${r.toFixed(2)}${r >= 1 ? ' ✓' : ' ✗'}`,
      f.note ?? '',
    ];
  });
  const head = ['scenario', 'figure', 'value', 'target', 'ratio', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]!].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
