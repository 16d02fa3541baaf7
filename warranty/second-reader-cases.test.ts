import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warrantyCli } from './cli.ts';
import type { Evaluation } from './evaluation-schema.ts';
import { disagreements, SECOND_READER_CASES } from './second-reader-cases.ts';
import { buildTestApp, type TestApp } from './test-app.ts';

/**
 * Issue 20: the second reader's 三包 cases (second-reader-cases.ts), each through the CLI
 * (`sanbao warranty evaluate case.json`) and the HTTP API (`POST /api/v1/warranty/evaluate` on the
 * warranty test app, with its stored holiday calendar), and both must give the same decision.
 */
let t: TestApp | undefined;
// PGlite and the migrations take a few seconds on a busy 2-core machine: more than the default hook timeout.
beforeAll(async () => {
  t = await buildTestApp();
  await t.app.ready();
}, 60_000);
afterAll(() => t?.close());

async function viaCli(input: unknown): Promise<Evaluation> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await warrantyCli(['evaluate', 'case.json'], {
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s),
    readFile: async () => JSON.stringify(input),
  });
  expect(err.join(''), 'CLI stderr').toBe('');
  expect(code).toBe(0);
  return JSON.parse(out[0] ?? '') as Evaluation;
}

async function viaHttp(input: unknown): Promise<Evaluation> {
  if (!t) throw new Error('test app not started');
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/v1/warranty/evaluate',
    payload: input as Record<string, unknown>,
  });
  expect(r.statusCode, r.body).toBe(200);
  return r.json<Evaluation>();
}

describe('second reader’s 三包 cases through the CLI and the HTTP API (issue 20)', () => {
  it.each(SECOND_READER_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const cli = await viaCli(c.input);
    const http = await viaHttp(c.input);
    expect(disagreements(cli, c.expect), 'CLI').toEqual([]);
    expect(disagreements(http, c.expect), 'HTTP').toEqual([]);
    expect(http).toEqual(cli);
  });
});

/** Engine changes the second reading led to, each through the HTTP API. */
describe('parts read by a word they contain are where a part sits, not the part (issue 20)', () => {
  const car = (facts: Record<string, unknown>, policy?: unknown) => ({
    category: '家用汽车',
    ...(policy === undefined ? {} : { policy }),
    facts: {
      invoiceDate: '2025-03-03',
      evaluationDate: '2025-10-06',
      mileageKm: 9_000,
      priceCNY: 150_000,
      usageCompensationCoefficient: 0.004,
      ...facts,
    },
  });
  const twice = (part: string) => [
    {
      date: '2025-05-06T09:00:00+08:00',
      returnedDate: '2025-05-06T15:00:00+08:00',
      component: '发动机',
      faultCode: 'P0335',
      partsReplaced: [part],
    },
    {
      date: '2025-07-07T09:00:00+08:00',
      returnedDate: '2025-07-07T15:00:00+08:00',
      component: '发动机',
      faultCode: 'P0335',
      partsReplaced: [part],
    },
  ];
  const fault = { component: '发动机', faultCode: 'P0335', description: '行驶中抖动' };

  it('[汽车三包 第二十四条第一款第三项] the 曲轴位置传感器 replaced twice is not the 曲轴 replaced twice; a 曲轴 replaced twice is', async () => {
    const sensor = await viaHttp(car({ repairs: twice('曲轴位置传感器'), currentFault: fault }));
    expect(sensor.remedy).toBe('repair');
    expect(sensor.counters.find((c) => c.key === 'same_main_part_replacements')?.count).toBe(0);
    expect(sensor.warnings.map((w) => w.code)).toContain('part_read_as');
    const shaft = await viaHttp(car({ repairs: twice('曲轴'), currentFault: fault }));
    expect(shaft.remedy).toBe('return');
    expect(shaft.amountOwedCNY).toBe(5_400); // 150,000 × 9,000 / 1000 × 0.4 % (Art. 27)
  });

  it('[汽车三包 第二十四条第一款第三项][第九条第六项] a 三包凭证 that lists the 曲轴位置传感器 by name makes it a main part', async () => {
    const d = await viaHttp(
      car(
        { repairs: twice('曲轴位置传感器'), currentFault: fault },
        { mainParts: ['曲轴位置传感器'] },
      ),
    );
    expect(d.remedy).toBe('return');
    expect(d.counters.find((c) => c.key === 'same_main_part_replacements')?.count).toBe(2);
    expect(d.warnings.map((w) => w.code)).not.toContain('part_read_as');
  });

  it('[汽车三包 第二十四条第一款第二项] 变速器油 changed twice is not the transmission replaced twice', async () => {
    const d = await viaHttp(
      car({
        repairs: twice('变速器油').map((r) => ({ ...r, component: '变速器', faultCode: 'P0700' })),
        currentFault: { component: '变速器', faultCode: 'P0700' },
      }),
    );
    expect(d.remedy).toBe('repair');
    expect(d.counters.find((c) => c.key === 'assembly_replacements')?.count).toBe(0);
  });

  it('[汽车三包 第二十二条] day 3: replacing the 发动机舱盖 (a component read as sitting at the engine) is no Art. 22 return, and says why in zh and en', async () => {
    const d = await viaHttp(
      car({
        evaluationDate: '2025-03-06',
        mileageKm: 200,
        currentFault: { component: '发动机舱盖', requiresReplacement: true },
      }),
    );
    expect(d.remedy).toBe('repair');
    const w = d.warnings.find((x) => x.code === 'replaced_part_not_main');
    expect(w?.zh).toContain('第二十二条');
    expect(w?.en).toContain('Arts. 20 and 22');
  });
});
