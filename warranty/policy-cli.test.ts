import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth } from '../core/auth.ts';
import { warrantyCli } from './cli.ts';
import { buildTestApp, type TestApp } from './test-app.ts';

/**
 * `sanbao warranty policy …` and `sanbao warranty evaluate` with a maker's policy (issue 20,
 * parts 6 and 7): `check` offline against the national baselines; `save`, `list` and `show`
 * against a service listening on a real socket (the test app, clock 2025-07-01).
 */
const example = (name: string) => readFile(new URL(`./examples/${name}`, import.meta.url), 'utf8');

function cli(files: Record<string, string>, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    stdout: (s: string) => void out.push(s),
    stderr: (s: string) => void err.push(s),
    readFile: async (p: string) => {
      const f = files[p];
      if (f === undefined) throw new Error(`ENOENT: no such file ${p}`);
      return f;
    },
    env,
  };
  return {
    run: (...args: string[]) => warrantyCli(args, io),
    out,
    err,
    reset: () => {
      out.length = 0;
      err.length = 0;
    },
  };
}

describe('sanbao warranty policy check (offline)', () => {
  it('[部分商品三包 第四条] prints the policy units would follow; a weaker one → exit 2 naming the term and the clause', async () => {
    const ac = JSON.parse(await example('maker-policy-air-conditioner.json'));
    const weak = { ...ac, terms: { ...ac.terms, wholeUnitMonths: { value: 6, clause: '第二条' } } };
    const c = cli({
      'ac.json': JSON.stringify(ac),
      'weak.json': JSON.stringify(weak),
      'exc.json': await example('maker-policy-excavator.json'),
      'bad.json': JSON.stringify({ ...ac, effectiveFrom: '2024-13-01', version: 'a b' }),
    });
    expect(await c.run('policy', 'check', 'ac.json')).toBe(0);
    expect(JSON.parse(c.out.join(''))).toMatchObject({
      issuer: 'manufacturer',
      basedOn: 'cn-p95-air_conditioner@1995-08-25',
      terms: { wholeUnitMonths: { value: 24, clause: 'Acme 空调三包服务承诺（2024版） 第二条' } },
    });
    expect(c.err.join('')).toMatch(/no weaker than cn-p95-air_conditioner@1995-08-25/);
    c.reset();
    expect(await c.run('policy', 'check', 'weak.json')).toBe(2);
    expect(c.err.join('')).toMatch(
      /WARRANTY_ERR_POLICY_WEAKER[\s\S]*weak\.json: terms\.wholeUnitMonths: wholeUnitMonths 6 is below the minimum 12 \(P95 catalogue\)/,
    );
    c.reset();
    expect(await c.run('policy', 'check', 'exc.json')).toBe(0);
    expect(JSON.parse(c.out.join(''))).toMatchObject({ regime: 'MAKER', category: 'excavator' });
    expect(c.err.join('')).toMatch(/no national rules/);
    c.reset();
    expect(await c.run('policy', 'check', 'bad.json')).toBe(2);
    expect(c.err.join('')).toMatch(
      /bad\.json: version: no spaces and no @[\s\S]*bad\.json: effectiveFrom/,
    );
    c.reset();
    expect(await c.run('policy', 'check')).toBe(2);
    expect(await c.run('policy', 'frob', 'x')).toBe(2);
    expect(await c.run('policy', 'check', 'missing.json')).toBe(2);
    expect(c.err.join('')).toMatch(
      /bad usage of "check"[\s\S]*bad usage of "frob"[\s\S]*cannot read missing\.json/,
    );
  });
});

describe('sanbao warranty evaluate with a maker’s policy', () => {
  it('warranty/examples/excavator-pump.json: a main part after the whole-unit period → free repair under the maker’s clauses', async () => {
    const c = cli({ 'case.json': await example('excavator-pump.json') });
    expect(await c.run('evaluate', 'case.json', '--text')).toBe(0);
    const [json, text] = c.out;
    const e = JSON.parse(json ?? '');
    const title = '示例重工《挖掘机产品三包服务手册》2025版';
    expect(e).toMatchObject({
      remedy: 'repair',
      free: true,
      policy: { manufacturer: 'DemoHeavy' },
    });
    expect(e.remedies[0].clause).toBe(`${title} 第五条; ${title} 第四条`);
    expect(text).toMatch(
      /policy maker:DemoHeavy\/excavator\/DH215@2025, DemoHeavy's, in force from 2024-01-01/,
    );
    expect(text).toMatch(
      /main_part_period ends 2026-08-17 \[示例重工《挖掘机产品三包服务手册》2025版 第四条\]/,
    );
    expect(text).not.toMatch(/CAR21|P95|消法/);
  });
});

describe('sanbao warranty policy save / list / show (against a running service)', () => {
  let t: TestApp;
  let api: string;
  let other: string;
  beforeAll(async () => {
    t = await buildTestApp();
    other = (await createAuth(t.sql).issue({ role: 'manufacturer', subject: 'Other' })).token;
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    api = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => t?.close());

  it('saves versions, refuses a weaker one naming the term, and shows the version a unit bought on a date follows', async () => {
    const ac = JSON.parse(await example('maker-policy-air-conditioner.json'));
    const v2 = { ...ac, version: '2025.1', effectiveFrom: '2025-03-01' };
    v2.terms = { ...ac.terms, wholeUnitMonths: { value: 36, clause: '第二条' } };
    const weak = { ...v2, version: '2025.2', effectiveFrom: '2025-09-01' };
    weak.terms = { ...ac.terms, mainPartMonths: 12 };
    const files = {
      'v1.json': JSON.stringify(ac),
      'v2.json': JSON.stringify(v2),
      'weak.json': JSON.stringify(weak),
    };
    const c = cli(files, { SANBAO_API: api, SANBAO_TOKEN: t.tokens.manufacturer });
    expect(await c.run('policy', 'save', 'v1.json')).toBe(0);
    expect(JSON.parse(c.out.join(''))).toMatchObject({ version: '2024.1', manufacturer: 'Acme' });
    expect(await c.run('policy', 'save', 'v2.json')).toBe(0);
    c.reset();
    expect(await c.run('policy', 'save', 'weak.json')).toBe(2);
    expect(c.err.join('')).toMatch(
      /answered 422: WARRANTY_ERR_POLICY_WEAKER[\s\S]*terms\.mainPartMonths: mainPartMonths 12 is below the minimum 36/,
    );
    expect(await c.run('policy', 'save', 'v1.json')).toBe(2);
    expect(c.err.join('')).toMatch(/409: WARRANTY_ERR_POLICY_VERSION_CONFLICT.*already saved/);
    c.reset();
    expect(
      await c.run('policy', 'show', 'Acme', 'air_conditioner', ac.model, '--date', '2024-06-01'),
    ).toBe(0);
    const shown = JSON.parse(c.out.join(''));
    expect(shown.inForce).toMatchObject({ version: '2024.1', effectiveTo: '2025-02-28' });
    expect(shown.versions.map((v: { version: string }) => v.version)).toEqual(['2024.1', '2025.1']);
    c.reset();
    expect(await c.run('policy', 'list', '--category', 'air_conditioner')).toBe(0);
    expect(JSON.parse(c.out.join('')).policies).toHaveLength(2);
  });

  it('a confined manufacturer token cannot save or read another maker’s policy; no token, no service', async () => {
    const ac = await example('maker-policy-air-conditioner.json');
    const c = cli({ 'ac.json': ac }, { SANBAO_API: api, SANBAO_TOKEN: other });
    const model = JSON.parse(ac).model as string;
    expect(await c.run('policy', 'save', 'ac.json')).toBe(2);
    expect(await c.run('policy', 'show', 'Acme', 'air_conditioner', model)).toBe(2);
    expect(await c.run('policy', 'list', '--manufacturer', 'Acme')).toBe(2);
    expect(c.err.join('')).toMatch(
      /403: APP_ERR_OTHER_TENANT[\s\S]*403: APP_ERR_OTHER_TENANT[\s\S]*403: APP_ERR_OTHER_TENANT/,
    );
    const none = cli({ 'ac.json': ac }, { SANBAO_API: api });
    expect(await none.run('policy', 'save', 'ac.json')).toBe(2);
    expect(none.err.join('')).toMatch(/token: a bearer token/);
    const down = cli({}, { SANBAO_API: 'http://127.0.0.1:1', SANBAO_TOKEN: other });
    expect(await down.run('policy', 'list')).toBe(1);
    expect(down.err.join('')).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/);
  });
});
