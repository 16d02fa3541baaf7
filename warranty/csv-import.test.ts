import { describe, expect, it } from 'vitest';
import { importUnitsCsv, parseCsv } from './csv-import.ts';

describe('CSV import of units', () => {
  it('parses quotes, doubled quotes, commas and CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
    ]);
  });

  it('accepts a valid file', () => {
    const r = importUnitsCsv(
      '\uFEFFserial,category,model,invoiceDate,priceCNY,seller\nA1,tv,L55,2025-03-03,2999,"某商场, 一店"\n\nA2,refrigerator,BCD,2025-03-04,,\n',
    );
    expect(r).toEqual({
      ok: true,
      units: [
        {
          serial: 'A1',
          category: 'tv',
          model: 'L55',
          invoiceDate: '2025-03-03',
          priceCNY: 2999,
          seller: '某商场, 一店',
        },
        { serial: 'A2', category: 'refrigerator', model: 'BCD', invoiceDate: '2025-03-04' },
      ],
    });
  });

  it('reports every bad line with its number and field, and imports nothing', () => {
    const r = importUnitsCsv(
      'serial,category,model,invoiceDate,priceCNY\nA1,tv,L55,2025-03-03,1\nA2,toaster,T,2025-02-30,-5\nA1,tv,L55,2025-03-03,1\n',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.line}:${e.field}`)).toEqual([
      '3:category',
      '3:invoiceDate',
      '3:priceCNY',
      '4:serial',
    ]);
  });

  it('refuses an unknown column in the header', () => {
    const r = importUnitsCsv('serial,colour\nA1,red\n');
    expect(r).toMatchObject({ ok: false, errors: [{ line: 1, field: 'colour' }] });
  });
});
