import { zodIssues } from '../core/index.ts';
import { UnitInputSchema, type UnitInput } from './repair-record-schema.ts';

/**
 * Bulk import of units from CSV (issue 5 "Registry"): a header row naming UnitInput fields, then
 * one unit per line. Every line is validated and every problem reported with its line number;
 * the caller imports all units or none. Pure.
 */
export interface CsvLineError {
  line: number;
  field: string;
  message: string;
}
export type CsvImportResult =
  { ok: true; units: UnitInput[] } | { ok: false; errors: CsvLineError[] };

const NUMBER_FIELDS = new Set(['priceCNY']);
const KNOWN = new Set(Object.keys(UnitInputSchema.shape));

/** Splits CSV text into rows of fields (RFC 4180: quotes, doubled quotes, CRLF, commas in quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else field += ch;
  }
  if (field !== '' || row.length) endRow();
  return rows;
}

/** Validates every line; returns all units, or every error with its line number (1 = header). */
export function importUnitsCsv(text: string): CsvImportResult {
  const rows = parseCsv(text.replace(/^\uFEFF/, ''));
  const header = (rows[0] ?? []).map((h) => h.trim());
  const errors: CsvLineError[] = [];
  if (!header.includes('serial'))
    errors.push({
      line: 1,
      field: 'serial',
      message: 'header must name the columns, including serial',
    });
  header.forEach((h) => {
    if (h && !KNOWN.has(h))
      errors.push({
        line: 1,
        field: h,
        message: `unknown column; expected some of ${[...KNOWN].join(', ')}`,
      });
  });
  if (errors.length) return { ok: false, errors };
  const units: UnitInput[] = [];
  const seen = new Map<string, number>();
  rows.slice(1).forEach((cells, i) => {
    const line = i + 2;
    if (cells.every((c) => c.trim() === '')) return; // blank line
    const obj: Record<string, unknown> = {};
    header.forEach((h, j) => {
      const v = (cells[j] ?? '').trim();
      if (v !== '') obj[h] = NUMBER_FIELDS.has(h) ? Number(v) : v;
    });
    const r = UnitInputSchema.safeParse(obj);
    if (!r.success) {
      for (const d of zodIssues(r.error.issues))
        errors.push({ line, field: d.path, message: d.message });
      return;
    }
    const dup = seen.get(r.data.serial);
    if (dup !== undefined)
      errors.push({ line, field: 'serial', message: `duplicate of line ${dup}` });
    seen.set(r.data.serial, line);
    units.push(r.data);
  });
  return errors.length ? { ok: false, errors } : { ok: true, units };
}
