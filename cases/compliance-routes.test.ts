import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCasesTestApp, type CasesTestApp } from './test-app.ts';

/**
 * Compliance memory through HTTP: the checks on a repair order are kept as findings, counted
 * against the outlet, seller and maker; a rectification moves a finding from the 问题清单 to the
 * 整治提升情况清单 (JSON, CSV, XLSX); a regulator confirms and publishes violations with a
 * blacklist flag; an outlet's authorization history survives a re-save.
 */
let t: CasesTestApp;
const SERIAL = 'KFR-35GW-0001';

const call = async (method: 'GET' | 'POST', url: string, token?: string, body?: unknown) => {
  const r = await t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return {
    status: r.statusCode,
    headers: r.headers,
    raw: r.rawPayload,
    body: r.headers['content-type']?.toString().includes('json') ? r.json() : undefined,
  };
};

beforeAll(async () => {
  t = await buildCasesTestApp({ start: '2026-03-02T02:00:00.000Z' });
  const m = t.tokens.manufacturer;
  expect(
    (
      await call('POST', '/warranty/outlets', m, {
        id: 'O-1',
        name: '格力授权站',
        manufacturer: 'Changan',
        authorizedFrom: '2024-01-01',
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await call('POST', '/warranty/units', m, {
        serial: SERIAL,
        category: 'air_conditioner',
        model: 'KFR-35GW',
        invoiceDate: '2025-12-01',
        seller: '苏宁石家庄店',
      })
    ).status,
  ).toBe(201);
  // A repair inside the free period, charged, with a non-genuine compressor.
  const r = await call('POST', `/units/${SERIAL}/repairs`, t.tokens.engineer, {
    outletId: 'O-1',
    droppedOffAt: '2026-02-10T09:00:00+08:00',
    handedBackAt: '2026-02-11T17:00:00+08:00',
    reportedFault: '不制冷',
    diagnosis: { faultCode: 'E1', component: 'compressor', cause: 'quality' },
    parts: [{ name: 'compressor', number: 'CP-9', genuine: false }],
    charges: { materialsCNY: 800 },
    signatures: { repairer: '赵工' },
  });
  expect(r.status).toBe(201);
}, 60_000);
afterAll(async () => t?.close());

describe('compliance memory over HTTP', () => {
  it('keeps the violations of a repair order with rule, clause and evidence, against outlet, seller and maker', async () => {
    const r = await call('GET', '/compliance/findings?source=repair_order', t.tokens.regulator);
    const fs = r.body.findings as Array<Record<string, unknown>>;
    const rules = fs.map((f) => f.rule).sort();
    expect(rules).toEqual(expect.arrayContaining(['charges_inside_free_period', 'genuine_parts']));
    for (const f of fs)
      expect(f).toMatchObject({
        source: 'repair_order',
        serial: SERIAL,
        recordSeq: 1,
        outletId: 'O-1',
        seller: '苏宁石家庄店',
        manufacturer: 'Changan',
        status: 'open',
        evidence: { outletId: 'O-1', record: { seq: 1 } },
      });
    expect(fs.find((f) => f.rule === 'charges_inside_free_period')?.clause).toMatch(/P95/);
    // A confined maker sees its own; another maker none.
    expect((await call('GET', '/compliance/findings', t.tokens.manufacturer)).body.total).toBe(
      fs.length,
    );
    expect((await call('GET', '/compliance/findings', t.tokens.otherMaker)).body.total).toBe(0);
    expect((await call('GET', '/compliance/findings', t.tokens.owner)).status).toBe(403);
  });

  it('a rectification moves a finding from the 问题清单 to the 整治提升情况清单, in JSON, CSV and XLSX', async () => {
    const before = await call('GET', '/reports/violations?lang=zh', t.tokens.regulator);
    expect(before.body.title.zh).toBe('问题清单');
    const rows = before.body.rows as Array<Record<string, unknown>>;
    const target = rows.find((x) => x.rule === '三包期内违规收费')!;
    expect(target).toMatchObject({
      outletId: 'O-1',
      seller: '苏宁石家庄店',
      manufacturer: 'Changan',
      source: '维修单检查',
    });
    const fixed = await call(
      'POST',
      `/compliance/findings/${String(target.id)}/rectify`,
      t.tokens.engineer,
      {
        action: '退还用户800元并对技师培训',
        evidence: '退款凭证 #R-77',
      },
    );
    expect(fixed.status).toBe(200);
    expect(fixed.body.rectification).toMatchObject({
      action: '退还用户800元并对技师培训',
      at: '2026-03-02T02:00:00.000Z',
    });
    const again = await call(
      'POST',
      `/compliance/findings/${String(target.id)}/rectify`,
      t.tokens.engineer,
      { action: 'x' },
    );
    expect([again.status, again.body.error]).toEqual([409, 'CASES_ERR_FINDING_CLOSED']);

    const after = await call('GET', '/reports/violations', t.tokens.regulator);
    expect((after.body.rows as Array<{ id: string }>).map((x) => x.id)).not.toContain(target.id);
    const rect = await call('GET', '/reports/violation-rectifications?lang=en', t.tokens.regulator);
    expect(rect.body.title.en).toMatch(/Rectifications/);
    expect(rect.body.rows).toEqual([
      expect.objectContaining({
        id: target.id,
        action: '退还用户800元并对技师培训',
        evidence: '退款凭证 #R-77',
        rectifiedAt: '2026-03-02T02:00:00.000Z',
      }),
    ]);

    const csv = await call(
      'GET',
      '/reports/violation-rectifications?format=csv&lang=zh',
      t.tokens.regulator,
    );
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const text = csv.raw.toString('utf8');
    expect(text.startsWith('\uFEFF问题编号,问题类型,依据条款')).toBe(true);
    expect(text).toContain('退还用户800元并对技师培训');

    const xlsx = await call('GET', '/reports/compliance-lists?format=xlsx', t.tokens.regulator);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.raw as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['问题清单', '整治提升情况清单']);
    expect(wb.worksheets[1]!.rowCount).toBe(2);
    expect(
      (await call('GET', '/reports/compliance-lists?format=csv', t.tokens.regulator)).status,
    ).toBe(400);
    expect((await call('GET', '/reports/violations', t.tokens.desk)).status).toBe(403);
  });

  it('a regulator publishes confirmed violations with a blacklist flag and reason; the public sees them without a token', async () => {
    const open = (
      await call('GET', '/compliance/findings?status=open&source=repair_order', t.tokens.regulator)
    ).body.findings as Array<{ id: string; rule: string }>;
    const bad = await call('POST', '/compliance/disclosures', t.tokens.regulator, {
      party: { kind: 'outlet', id: 'O-2', name: 'x' },
      findingIds: [open[0]!.id, 'F-NONE'],
      summary: 's',
      blacklisted: true,
    });
    expect(bad.status).toBe(400);
    expect((bad.body.details as Array<{ path: string }>).map((d) => d.path).sort()).toEqual([
      'body.blacklistReason',
    ]);
    const mismatch = await call('POST', '/compliance/disclosures', t.tokens.regulator, {
      party: { kind: 'outlet', id: 'O-2', name: 'x' },
      findingIds: [open[0]!.id, 'F-NONE'],
      summary: 's',
      blacklisted: false,
    });
    expect(mismatch.status).toBe(400);
    expect(
      (mismatch.body.details as Array<{ path: string; message: string }>).map(
        (d) => `${d.path}: ${d.message}`,
      ),
    ).toEqual([
      `body.findingIds[0]: finding ${open[0]!.id} does not count against outlet O-2`,
      'body.findingIds[1]: no finding F-NONE',
    ]);
    const disclosure = {
      party: { kind: 'outlet', id: 'O-1', name: '格力授权站' },
      findingIds: open.map((f) => f.id),
      summary: '使用非原厂配件并在三包期内收费',
      blacklisted: true,
      blacklistReason: '屡查屡犯',
    };
    expect(
      (await call('POST', '/compliance/disclosures', t.tokens.manufacturer, disclosure)).status,
    ).toBe(403);
    const pub = await call('POST', '/compliance/disclosures', t.tokens.regulator, disclosure);
    expect(pub.status).toBe(201);
    const seen = await call('GET', '/public/violations');
    expect(seen.status).toBe(200);
    expect(seen.body.disclosures[0]).toMatchObject({
      party: { kind: 'outlet', id: 'O-1' },
      blacklisted: true,
      blacklistReason: '屡查屡犯',
      violations: open.map(() => expect.objectContaining({ clause: expect.any(String) })),
    });
    const confirmed = (await call('GET', '/compliance/findings?status=open', t.tokens.regulator))
      .body.findings as Array<{ confirmedBy: string | null }>;
    expect(confirmed.every((f) => f.confirmedBy === 'samr-hebei')).toBe(true);
  });

  it('an outlet saved again keeps its earlier authorization in the history', async () => {
    const m = t.tokens.manufacturer;
    await call('POST', '/warranty/outlets', m, {
      id: 'O-1',
      name: '格力授权站',
      manufacturer: 'Changan',
      authorizedFrom: '2024-01-01',
      authorizedTo: '2026-02-28',
    });
    const h = await call('GET', '/compliance/outlets/O-1/authorizations', t.tokens.regulator);
    expect(h.body.history.map((x: { authorizedTo: string | null }) => x.authorizedTo)).toEqual([
      null,
      '2026-02-28',
    ]);
    // Another maker never authorized O-1: to it the outlet is unknown.
    const other = await call('GET', '/compliance/outlets/O-1/authorizations', t.tokens.otherMaker);
    expect([other.status, other.body.error]).toEqual([404, 'WARRANTY_ERR_UNKNOWN_OUTLET']);
  });

  it('scorecards count the outlet’s findings by rule and status', async () => {
    const s = await call(
      'GET',
      '/compliance/scorecards?by=outlet&quarter=2026Q1',
      t.tokens.regulator,
    );
    const card = (s.body.scorecards as Array<Record<string, unknown>>).find(
      (x) => x.party === 'O-1',
    );
    expect(card).toMatchObject({
      findings: { rectified: 1 },
      byRule: { charges_inside_free_period: 1, genuine_parts: 1 },
      repairs: { verified: 0, failed: 0, firstTimeFixRate: null },
    });
  });
});
