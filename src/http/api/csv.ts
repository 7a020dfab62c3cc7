// RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma, quote or line break.
// Text that a spreadsheet would run as a formula (=, +, -, @ at the start) gets a leading apostrophe.

export type CsvCell = string | null;

function cell(value: CsvCell, isText: boolean): string {
  let v = value ?? '';
  if (isText && /^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(columns: { header: string; text?: boolean }[], rows: CsvCell[][]): string {
  const lines = [columns.map((c) => cell(c.header, false)).join(',')];
  for (const row of rows) lines.push(row.map((v, i) => cell(v, columns[i]?.text ?? false)).join(','));
  return lines.join('\r\n') + '\r\n';
}
