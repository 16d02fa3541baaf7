import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../app/cli.ts';
import { api, connectDevice, provision, waitFor } from './helpers/clients.ts';
import { describeOnPostgresDb } from './helpers/postgres.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * GET /api/v1/fleet/overview (issues 6 and 7) on PGlite and on PostgreSQL: a small fleet whose
 * numbers are worked out by hand below — exposure from invoice dates, quality failures only
 * (misuse is not a product failure), a correction replacing the record it corrects, an
 * exchange costing its unit's price — and a manufacturer token seeing its own units only.
 */
const day = 86_400_000;
const chinaDate = (offsetDays: number) =>
  new Date(Date.now() + 8 * 3_600_000 + offsetDays * day).toISOString().slice(0, 10);

interface Overview {
  scope: { manufacturer: string | null; category: string | null };
  devices: { total: number; online: number; offline: number; disabled: number };
  health: { scored: number; buckets: Array<{ from: number; to: number; count: number }> };
  alerts: {
    open: number;
    byModeSeverity: Array<{ category: string; mode: string; severity: string; count: number }>;
  };
  failures: {
    byModel: Array<{
      category: string;
      model: string;
      units: number;
      failedUnits: number;
      repairs: number;
      unitYears: number;
      ratePerUnitYear: number | null;
      mtbfDays: number | null;
    }>;
    byComponent: Array<{
      category: string;
      component: string;
      failedUnits: number;
      repairs: number;
      ratePerUnitYear: number | null;
    }>;
  };
  remedies: Array<{ remedy: string; count: number; costCNY: number }>;
}

function overviewSuite(backend: string, env: () => Record<string, string>) {
  let svc: RunningService;
  let gree: string;
  let midea: string;
  let eng: string;
  let mqtt: MqttClient | undefined;
  const call = <T>(method: string, url: string, token: string, body?: unknown) =>
    api<T>(svc.httpUrl, method, url, token, body);

  const record = (droppedOff: number, component: string, extra: Record<string, unknown> = {}) => ({
    outletId: 'OV-1',
    droppedOffAt: chinaDate(droppedOff),
    handedBackAt: chinaDate(droppedOff + 1),
    reportedFault: '不制冷 — not cooling',
    diagnosis: { faultCode: 'E1', component, cause: 'quality' },
    parts: [{ name: component, number: 'P-1', genuine: true }],
    charges: { labourHours: 2, labourRateCNY: 80, materialsCNY: 150, towingCNY: 0 },
    signatures: { repairer: 'eng' },
    ...extra,
  });

  beforeAll(async () => {
    svc = await startService(env());
    const issue = async (role: string, subject: string) =>
      (await call<{ token: string }>('POST', '/api/v1/tokens', svc.adminToken, { role, subject }))
        .body.token;
    gree = await issue('manufacturer', 'Gree');
    midea = await issue('manufacturer', 'Midea');
    eng = await issue('engineer', 'eng-li');
    await call('POST', '/api/v1/warranty/outlets', svc.adminToken, {
      id: 'OV-1',
      name: 'outlet',
      authorizedFrom: chinaDate(-1000),
    });
    const dev = await provision(svc.httpUrl, svc.adminToken, 'air_conditioner', 'KFR-35GW');
    await provision(svc.httpUrl, svc.adminToken, 'air_conditioner', 'KFR-35GW'); // not Gree's
    const unit = async (serial: string, manufacturer: string, age: number, extra = {}) => {
      const r = await call('POST', '/api/v1/warranty/units', eng, {
        serial,
        category: 'air_conditioner',
        model: manufacturer === 'Gree' ? 'KFR-35GW' : 'KFR-26GW',
        manufacturer,
        invoiceDate: chinaDate(-age),
        priceCNY: 3_000,
        ...extra,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    };
    await unit('OV-G1', 'Gree', 365, { deviceId: dev.id });
    await unit('OV-G2', 'Gree', 365);
    await unit('OV-G3', 'Gree', 183);
    await unit('OV-M1', 'Midea', 100);
    const repair = async (serial: string, body: unknown) => {
      const r = await call<{ seq: number }>('POST', `/api/v1/units/${serial}/repairs`, eng, body);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.seq;
    };
    // G1: two quality repairs; the first is corrected to another component.
    const s1 = await repair('OV-G1', record(-300, 'compressor'));
    await repair('OV-G1', record(-200, 'compressor'));
    await repair('OV-G1', { ...record(-300, 'four_way_valve'), kind: 'correction', corrects: s1 });
    // G2: a repair after misuse: not a product failure, but a remedy the manufacturer paid.
    // Its work item would be a formula in a spreadsheet: the CSV must keep it text.
    await repair('OV-G2', {
      ...record(-100, 'remote_control'),
      workItems: ['=HYPERLINK("http://evil.example")', 'replace battery'],
      diagnosis: { faultCode: 'R', component: 'remote_control', cause: 'consumer_misuse' },
    });
    // G3: a failure answered by an exchange.
    await repair('OV-G3', { ...record(-20, 'compressor'), remedyGranted: 'exchange' });
    // Midea: one failure, and a misuse repair at an outlet that is not in the registry.
    await repair('OV-M1', record(-10, 'compressor'));
    await repair('OV-M1', {
      ...record(-5, 'panel'),
      outletId: 'GHOST-9',
      diagnosis: { faultCode: 'X', component: 'panel', cause: 'consumer_misuse' },
    });

    mqtt = await connectDevice(svc.mqttUrl, dev);
    await mqtt.publishAsync(
      `devices/${dev.id}/events`,
      JSON.stringify({ ts: Date.now(), code: 'F0', severity: 'error' }),
      { qos: 1 },
    );
    await waitFor(
      async () =>
        (await call<{ total: number }>('GET', `/api/v1/alerts?device=${dev.id}`, eng)).body
          .total === 1,
      15_000,
      'alert opened',
    );
  });

  afterAll(async () => {
    await mqtt?.endAsync();
    await svc?.stop();
  });

  it(`${backend}: a manufacturer sees its own fleet's numbers, computed as defined`, async () => {
    const r = await call<Overview>('GET', '/api/v1/fleet/overview', gree);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const o = r.body;
    expect(o.scope).toEqual({ manufacturer: 'Gree', category: null });
    // Devices: only the one linked to a Gree unit, online (connected).
    expect(o.devices).toEqual({ total: 1, online: 1, offline: 0, disabled: 0 });
    expect(o.health.buckets.map((b) => [b.from, b.to])).toEqual([
      [0, 20],
      [20, 40],
      [40, 60],
      [60, 80],
      [80, 100],
    ]);
    expect(o.health.buckets.reduce((s, b) => s + b.count, 0)).toBe(o.health.scored);
    expect(o.alerts.open).toBe(1);
    expect(o.alerts.byModeSeverity).toEqual([
      expect.objectContaining({ category: 'air_conditioner', mode: 'refrigerant_leak', count: 1 }),
    ]);
    // Exposure 365 + 365 + 183 unit-days; failures: G1 twice (quality), G3 once; G2 is misuse.
    const unitDays = 365 + 365 + 183;
    const [model] = o.failures.byModel;
    expect(o.failures.byModel).toHaveLength(1);
    expect(model).toMatchObject({
      category: 'air_conditioner',
      model: 'KFR-35GW',
      units: 3,
      failedUnits: 2,
      repairs: 3,
    });
    // The service's "today" may be a day after the test's near midnight in China.
    expect(model!.unitYears).toBeGreaterThanOrEqual(unitDays / 365.25 - 0.001);
    expect(model!.unitYears).toBeLessThanOrEqual((unitDays + 3) / 365.25 + 0.001);
    expect(model!.ratePerUnitYear).toBeCloseTo(3 / model!.unitYears, 3);
    expect(model!.mtbfDays).toBeCloseTo((model!.unitYears * 365.25) / 3, 0);
    // The correction moved G1's first failure to the four-way valve.
    const comp = Object.fromEntries(o.failures.byComponent.map((c) => [c.component, c]));
    expect(Object.keys(comp).sort()).toEqual(['compressor', 'four_way_valve']);
    expect(comp.compressor).toMatchObject({ failedUnits: 2, repairs: 2 });
    expect(comp.four_way_valve).toMatchObject({ failedUnits: 1, repairs: 1 });
    expect(comp.compressor!.ratePerUnitYear).toBeCloseTo(2 / model!.unitYears, 3);
    // Remedies: 3 repairs (G1 ×2 effective, G2) at 2 h × 80 + 150 = 310 each; one exchange at
    // 310 + the unit's 3,000.
    expect(o.remedies).toEqual([
      { remedy: 'exchange', count: 1, costCNY: 3_310 },
      { remedy: 'repair', count: 3, costCNY: 930 },
    ]);
  });

  it(`${backend}: scoping — another manufacturer, a category filter, the admin's whole fleet`, async () => {
    const m = (await call<Overview>('GET', '/api/v1/fleet/overview?manufacturer=Gree', midea)).body;
    expect(m.scope.manufacturer).toBe('Midea'); // its own, whatever it asks for
    expect(m.devices.total).toBe(0);
    expect(m.alerts.open).toBe(0);
    expect(m.failures.byModel).toEqual([
      expect.objectContaining({ model: 'KFR-26GW', units: 1, failedUnits: 1, repairs: 1 }),
    ]);
    const tv = (await call<Overview>('GET', '/api/v1/fleet/overview?category=tv', gree)).body;
    expect(tv.failures.byModel).toEqual([]);
    expect(tv.devices.total).toBe(0);
    const all = (await call<Overview>('GET', '/api/v1/fleet/overview', svc.adminToken)).body;
    expect(all.scope.manufacturer).toBeNull();
    expect(all.devices.total).toBe(2);
    expect(all.failures.byModel.map((x) => x.model).sort()).toEqual(['KFR-26GW', 'KFR-35GW']);
    // Whole fleet (its own query plan): compressor failures on G1, G3 and M1, the valve on G1.
    expect(
      all.failures.byComponent.map((c) => [c.component, c.failedUnits, c.repairs]).sort(),
    ).toEqual([
      ['compressor', 3, 3],
      ['four_way_valve', 1, 1],
    ]);
    expect((await call('GET', '/api/v1/fleet/overview', eng)).status).toBe(403);
    expect((await call('GET', '/api/v1/fleet/overview?category=', gree)).status).toBe(400);
  });

  const period = () => `from=${chinaDate(-400)}&to=${chinaDate(2)}`;
  const report = async (kind: string, token: string, extra = '') => {
    const r = await call<Report>('GET', `/api/v1/reports/${kind}?${period()}${extra}`, token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  it(`${backend}: the ledgers (一台账两清单) and the quarterly report, as JSON`, async () => {
    const outlets = await report('outlets', svc.adminToken);
    const byId = Object.fromEntries(outlets.rows.map((r) => [r.outletId, r]));
    // Gree: G1 ×2 effective, G2, G3; Midea M1 — at 2 h × 80 + 150 = 310 CNY each.
    expect(byId['OV-1']).toMatchObject({
      registered: true,
      authorizedInPeriod: true,
      repairs: 5,
      freeRepairs: 0,
      exchanges: 1,
      returns: 0,
      chargesCNY: 1_550,
      avgDaysOut: 1,
    });
    expect(byId['GHOST-9']).toMatchObject({ registered: false, repairs: 1, name: null });
    expect(outlets.rows[0]!.outletId).toBe('GHOST-9'); // unregistered outlets first

    const problems = await report('problems', gree);
    expect(
      problems.rows.map((r) => [r.serial, r.faultCode, r.repairsTotal, r.repeat, r.remedyReached]),
    ).toEqual([
      ['OV-G1', 'E1', 2, true, 'repair'],
      ['OV-G3', 'E1', 1, false, 'exchange'],
    ]);

    const fixes = await report('rectifications', gree);
    expect(fixes.rows.map((r) => [r.serial, r.recordSeq])).toEqual([
      ['OV-G1', 3], // the correction of record 1 stands in for it
      ['OV-G1', 2],
      ['OV-G2', 1],
      ['OV-G3', 1],
    ]);
    expect(fixes.rows.every((r) => r.verification === 'no repair order')).toBe(true);
    expect(fixes.rows[0]).toMatchObject({ component: 'four_way_valve', chargesCNY: 310 });

    const q = await report('quarterly', gree);
    expect(q.rows).toEqual([
      expect.objectContaining({
        category: 'air_conditioner',
        units: 3,
        failures: 3,
        failedUnits: 2,
        repairs: 3,
        exchanges: 1,
        returns: 0,
        remedyCostCNY: 4 * 310 + 3_000,
        topComponent: 'compressor',
        alertsOpened: 1,
      }),
    ]);
  });

  it(`${backend}: CSV (BOM, Chinese headers, formulas kept as text) and XLSX (the three ledgers as sheets)`, async () => {
    const res = await fetch(`${svc.httpUrl}/api/v1/reports/rectifications?${period()}&format=csv`, {
      headers: { authorization: `Bearer ${gree}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(
      /attachment; filename="sanbao-rectifications-/,
    );
    const csv = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.slice(1).trimEnd().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 3)).toEqual(['产品序列号', '维修记录号', '维修工单']);
    expect(lines).toHaveLength(1 + 4);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example""); replace battery"`);

    const x = await fetch(`${svc.httpUrl}/api/v1/reports/ledgers?${period()}&format=xlsx&lang=en`, {
      headers: { authorization: `Bearer ${gree}` },
    });
    expect(x.status).toBe(200);
    expect(x.headers.get('content-type')).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await x.arrayBuffer());
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Repair-outlet ledger',
      'Problem list',
      'Rectification list',
    ]);
    const sheet = wb.getWorksheet('Problem list')!;
    expect(sheet.getRow(1).getCell(1).value).toBe('serial');
    expect(sheet.getRow(2).getCell(1).value).toBe('OV-G1');
    expect(sheet.actualRowCount).toBe(1 + 2);
    const json = await report('problems', gree);
    const repeatCol = json.columns.findIndex((c) => c.key === 'repairsTotal') + 1;
    expect(sheet.getRow(2).getCell(repeatCol).value).toBe(2);

    const bad = await call<{ error: string; details?: unknown }>(
      'GET',
      '/api/v1/reports/ledgers?format=csv',
      gree,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('QUALITY_ERR_ONE_TABLE_PER_CSV');
    const badQ = await call<{ details?: unknown }>(
      'GET',
      '/api/v1/reports/outlets?quarter=2026Q5',
      gree,
    );
    expect(badQ.status).toBe(400);
    expect(JSON.stringify(badQ.body.details)).toContain('quarter');
    expect((await call('GET', '/api/v1/reports/outlets', eng)).status).toBe(403);
  });

  it(`${backend}: \`sanbao report\` writes the file from the API, and says why when it cannot`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sanbao-report-'));
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), env: {} };
    try {
      const file = path.join(dir, 'problems.csv');
      const args = [
        '--api',
        svc.httpUrl,
        '--token',
        gree,
        '--from',
        chinaDate(-400),
        '--to',
        chinaDate(2),
      ];
      expect(await main(['report', 'problems', '--out', file, ...args], io), err.join('\n')).toBe(
        0,
      );
      const csv = await readFile(file, 'utf8');
      expect(csv.split('\r\n')[1]).toMatch(/^OV-G1,/);
      expect(
        await main(['report', 'ledgers', '--out', path.join(dir, 'l.xlsx'), ...args], io),
        err.join('\n'),
      ).toBe(0);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(path.join(dir, 'l.xlsx'));
      expect(wb.worksheets).toHaveLength(3);
      // Refusals: bad usage (2) names the field; a refused request (1) writes nothing.
      expect(await main(['report', 'problems', '--out', path.join(dir, 'x'), ...args], io)).toBe(2);
      expect(err.at(-1)).toContain('format');
      expect(await main(['report', 'ledgers', '--out', path.join(dir, 'l.csv'), ...args], io)).toBe(
        1,
      );
      expect(err.at(-1)).toContain('QUALITY_ERR_ONE_TABLE_PER_CSV');
      expect(await readdir(dir)).toEqual(['l.xlsx', 'problems.csv']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

interface Report {
  columns: Array<{ key: string; zh: string; en: string }>;
  rows: Array<Record<string, string | number | boolean | null>>;
}

describe('fleet overview on PGlite', () => overviewSuite('PGlite', () => ({})));

await describeOnPostgresDb('fleet overview on PostgreSQL', (db) =>
  overviewSuite('PostgreSQL', () => ({ DATABASE_URL: db().url })),
);
