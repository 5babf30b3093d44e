// CSV for exports (RFC 4180): every row ends CRLF; a field holding a comma, a quote or a line break is
// quoted with its quotes doubled. A text cell that a spreadsheet would read as a formula (starting with
// = + - @, a tab or a carriage return) gets a leading apostrophe, so an exported note such as
// `=HYPERLINK(…)` shows as text instead of running (OWASP "CSV injection").

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;

export type CsvValue = string | number | boolean | null | undefined;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
