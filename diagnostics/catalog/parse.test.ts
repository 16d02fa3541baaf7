import { describe, expect, it } from 'vitest';
import { describeIssues, parseCatalogDocument, parseCatalogText } from './parse.ts';

const TABLE = `# J1939 codes of the SY215C engine controller
kind: fault-codes
category: excavator
system: j1939
table: sany_ecu
codes:
  - code: SPN100-FMI1
    mode: radiator_clogging
    severity: critical
    description: { zh: 机油压力过低, en: Engine oil pressure low }
  - code: SPN110-FMI16
    mode: radiator_clogging
`;

describe('catalogue documents from data files', () => {
  it('reads a YAML fault-code table with its defaults', () => {
    const r = parseCatalogText(TABLE);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.doc).toMatchObject({
      kind: 'fault-codes',
      category: 'excavator',
      model: null,
      system: 'j1939',
      table: 'sany_ecu',
      codes: [
        {
          code: 'SPN100-FMI1',
          severity: 'critical',
          description: { en: 'Engine oil pressure low' },
        },
        { code: 'SPN110-FMI16', mode: 'radiator_clogging' },
      ],
    });
  });

  it('names the field and the file line of every problem', () => {
    const bad = TABLE.replace('SPN110-FMI16', 'SPN110-FMI77').replace(
      'severity: critical',
      'severity: fatal',
    );
    const r = parseCatalogText(`${bad}  - code: spn100-fmi1\n    mode: Radiator\n`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i]));
    expect(byPath['codes[0].severity']).toMatchObject({ line: 9 });
    expect(byPath['codes[1].code']).toMatchObject({ line: 11 });
    expect(byPath['codes[1].code']!.message).toMatch(/J1939/);
    expect(byPath['codes[2].mode']).toMatchObject({ line: 14, message: 'snake_case' });
    // Codes compare without case: SPN100-FMI1 twice is a duplicate.
    expect(byPath['codes[2].code']!.message).toMatch(
      /duplicate code spn100-fmi1 \(also codes\[0\]\)/,
    );
    expect(describeIssues(r.issues, 'codes.yaml')).toContain('codes.yaml:11: codes[1].code: ');
  });

  it('a missing field is reported at its parent’s line', () => {
    const r = parseCatalogText(
      'kind: fault-codes\ncategory: excavator\ncodes:\n  - code: X1\n    mode: a\n',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.find((i) => i.path === 'system')).toMatchObject({ line: 1 });
  });

  it('YAML syntax errors and unknown kinds are refused with a line', () => {
    const syntax = parseCatalogText('kind: fault-codes\ncodes: [a, b\n');
    expect(syntax).toMatchObject({ ok: false, issues: [{ path: '', line: expect.any(Number) }] });
    const dup = parseCatalogText('kind: profile\nkind: references\n');
    expect(dup.ok).toBe(false);
    const kind = parseCatalogText('kind: recipe\n');
    expect(kind).toMatchObject({ ok: false, issues: [{ path: 'kind', line: 1 }] });
  });

  it('OBD-II codes follow SAE J2012; vendor codes are free text; null means absent', () => {
    const obd = (code: string) =>
      parseCatalogDocument({
        kind: 'fault-codes',
        category: 'household_car',
        system: 'obd2',
        model: null,
        codes: [{ code, mode: 'brake_pad_wear', severity: null }],
      }).ok;
    expect(obd('P0217')).toBe(true);
    expect(obd('U0100')).toBe(true);
    expect(obd('P0G17')).toBe(false);
    expect(obd('X0217')).toBe(false);
    const vendor = parseCatalogDocument({
      kind: 'fault-codes',
      category: 'air_conditioner',
      system: 'vendor',
      codes: [{ code: 'E7', mode: 'compressor_wear' }],
    });
    expect(vendor).toMatchObject({ ok: true, doc: { table: 'default', model: null } });
  });

  it('a model upload gives its time unit as a duration', () => {
    const r = parseCatalogDocument({
      kind: 'rul-model',
      category: 'excavator',
      mode: 'radiator_clogging',
      mapping: { coolant: 'coolant_temp_c' },
      timeUnit: '1h',
      artefact: {},
    });
    expect(r).toMatchObject({ ok: true, doc: { timeUnit: 3_600_000, condition: 'always' } });
    const bad = parseCatalogDocument({
      kind: 'rul-model',
      category: 'excavator',
      mode: 'radiator_clogging',
      mapping: {},
      timeUnit: 'fortnight',
      artefact: {},
    });
    expect(bad).toMatchObject({ ok: false, issues: [{ path: 'timeUnit' }] });
  });
});
