import { PassThrough, type Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Cell, Column, ReportTable } from './reports.ts';

/**
 * Report tables as files: CSV (RFC 4180, UTF-8 with a byte-order mark so that Excel on a
 * Chinese Windows opens it as UTF-8) and XLSX (exceljs, streamed: a ledger of a whole year does
 * not sit in memory twice). Text that a spreadsheet would run as a formula (= + - @ at the
 * start) is prefixed with an apostrophe in CSV (OWASP "CSV injection"); XLSX cells are typed,
 * so text stays text there.
 */
export type Lang = 'zh' | 'en';
/** What a file needs of a table (other modules' tables too: cases/ writes its lists with these). */
export type Table = Pick<ReportTable, 'title' | 'columns' | 'rows'>;

const YES_NO: Record<Lang, [string, string]> = { zh: ['是', '否'], en: ['yes', 'no'] };

function text(v: Cell, lang: Lang): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return YES_NO[lang][v ? 0 : 1];
  return String(v);
}

function csvField(v: Cell, lang: Lang): string {
  let s = text(v, lang);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const header = (c: Column, lang: Lang) => (lang === 'zh' ? c.zh : c.en);

/** One table as CSV text (with BOM, CRLF line ends). */
export function toCsv(t: Table, lang: Lang): string {
  const lines = [t.columns.map((c) => csvField(header(c, lang), lang)).join(',')];
  for (const row of t.rows)
    lines.push(t.columns.map((c) => csvField(row[c.key] ?? null, lang)).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** Sheet names: at most 31 characters, none of \ / ? * [ ] : */
const sheetName = (s: string) => s.replace(/[\\/?*[\]:]/g, ' ').slice(0, 31);

/** Tables as one XLSX workbook, one sheet each, streamed. */
export function toXlsx(tables: readonly Table[], lang: Lang): Readable {
  const out = new PassThrough();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  wb.creator = 'Sanbao';
  wb.created = new Date();
  void (async () => {
    for (const t of tables) {
      const ws = wb.addWorksheet(sheetName(lang === 'zh' ? t.title.zh : t.title.en), {
        views: [{ state: 'frozen', ySplit: 1 }],
      });
      ws.columns = t.columns.map((c) => ({
        header: header(c, lang),
        key: c.key,
        width: Math.min(40, Math.max(10, header(c, lang).length * (lang === 'zh' ? 2.2 : 1.2))),
        ...(c.type === 'money' ? { style: { numFmt: '#,##0.00' } } : {}),
      }));
      ws.getRow(1).font = { bold: true };
      ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: t.columns.length } };
      for (const row of t.rows) {
        const values: Record<string, string | number | null> = {};
        for (const c of t.columns) {
          const v = row[c.key] ?? null;
          values[c.key] = typeof v === 'boolean' ? text(v, lang) : v;
        }
        ws.addRow(values).commit();
      }
      ws.commit();
    }
    await wb.commit();
  })().catch((err: unknown) => out.destroy(err as Error));
  return out;
}
