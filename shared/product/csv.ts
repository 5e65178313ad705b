/**
 * CSV (RFC 4180) for exports that admins open in a spreadsheet: every cell quoted when it must be
 * (a comma, quote or line break), quotes doubled, CRLF between rows. A cell that a spreadsheet
 * would run as a formula (it begins with =, +, -, @, a tab or a carriage return: OWASP's
 * "CSV injection") gets a leading apostrophe, so it shows as text.
 */

const FORMULA = /^[=+\-@\t\r]/;

/** One cell as CSV text. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header row and the rows under it, as one CSV document (CRLF line ends, a final CRLF). */
export function toCsv(header: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
