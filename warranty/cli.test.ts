import { describe, expect, it } from 'vitest';
import { warrantyCli } from './cli.ts';
import { carCase, fault, goodsCase } from './fixtures.ts';

function io(files: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: (s: string) => void out.push(s),
      stderr: (s: string) => void err.push(s),
      readFile: async (p: string) => {
        const f = files[p];
        if (f === undefined) throw new Error(`ENOENT: no such file ${p}`);
        return f;
      },
    },
  };
}

describe('sanbao warranty evaluate', () => {
  it('[部分商品三包 第九条] prints the decision as JSON, and a summary with --text', async () => {
    const c = io({
      'case.json': JSON.stringify(
        goodsCase('tv', {
          evaluationDate: '2025-03-09',
          currentFault: fault('2025-03-09', 'backlight'),
        }),
      ),
    });
    expect(await warrantyCli(['evaluate', 'case.json', '--text'], c.io)).toBe(0);
    const [json, text] = c.out;
    expect(JSON.parse(json ?? '')).toMatchObject({ remedy: 'return', free: true });
    expect(text).toMatch(/→ RETURN, free/);
    expect(text).toMatch(/\[P95 Art\. 9\]/);
  });

  it('bad fields → exit 2 and a message naming the field', async () => {
    const c = io({ 'case.json': JSON.stringify(carCase({ mileageKm: -1 })) });
    expect(await warrantyCli(['evaluate', 'case.json'], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/facts\.mileageKm/);
  });

  it('missing file, bad JSON, bad usage and a refused policy → exit 2', async () => {
    const c = io({
      'bad.json': '{ nope',
      'weak.json': JSON.stringify(carCase({}, { terms: { wholeUnitKm: 10_000 } })),
    });
    expect(await warrantyCli(['evaluate', 'missing.json'], c.io)).toBe(2);
    expect(await warrantyCli(['evaluate', 'bad.json'], c.io)).toBe(2);
    expect(await warrantyCli(['frobnicate'], c.io)).toBe(2);
    expect(await warrantyCli(['evaluate', 'weak.json'], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(
      /cannot read missing\.json[\s\S]*not valid JSON[\s\S]*usage[\s\S]*WARRANTY_ERR_POLICY_WEAKER.*CAR21 Art\. 18/,
    );
  });
});

describe('README example', () => {
  it('[汽车三包 第二十四条] warranty/examples/car-transmission.json: 4 repairs of P0700 → free repair, counter 4 of 4', async () => {
    const { readFile } = await import('node:fs/promises');
    const c = io({});
    const code = await warrantyCli(['evaluate', 'warranty/examples/car-transmission.json'], {
      ...c.io,
      readFile: (p) => readFile(new URL(`../${p}`, import.meta.url), 'utf8'),
    });
    expect(code).toBe(0);
    const e = JSON.parse(c.out[0] ?? '');
    expect(e).toMatchObject({ remedy: 'repair', free: true, periodStart: '2025-03-03' });
    expect(e.counters[0].explanation.en).toMatch(/repaired 4 of 4 times/);
  });
});
