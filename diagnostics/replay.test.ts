import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnoseCli } from './replay.ts';
import { gauss, rng } from './testing.ts';

/**
 * Synthetic run-to-failure fleet with known degradation: two constant sensors, two pure-noise
 * sensors, three that degrade (exponential-ish wear, different directions and noise) and one
 * weakly informative. Time steps are 10 units apart, so predictions must be in file units.
 */
function fleet(
  seed: number,
  units: number,
  truncate: boolean,
): { csv: string; truth: Map<string, number> } {
  const u = rng(seed);
  const g = gauss(rng(seed + 1000));
  const lines = ['unit,time,const_a,const_b,noise_a,noise_b,temp,pressure,vibration,weak'];
  const truth = new Map<string, number>();
  for (let k = 0; k < units; k++) {
    const life = 150 + Math.floor(200 * u());
    const last = truncate ? Math.floor(life * (0.2 + 0.75 * u())) : life;
    const offset = g();
    for (let i = 1; i <= last; i++) {
      const wear = Math.exp(3 * (i / life)) - 1; // 0 … e^3−1 ≈ 19
      lines.push(
        [
          `u${seed}-${k}`,
          i * 10,
          100,
          0.5,
          (5 + g()).toFixed(3),
          (50 + 3 * g()).toFixed(3),
          (600 + 2 * offset + 0.8 * wear + 0.6 * g()).toFixed(3),
          (20 - 0.05 * wear + 0.05 * g()).toFixed(4),
          (2 + 0.04 * wear + 0.08 * g()).toFixed(4),
          (7 + 0.02 * wear + g()).toFixed(3),
        ].join(','),
      );
    }
    truth.set(`u${seed}-${k}`, (life - last) * 10);
  }
  return { csv: `${lines.join('\n')}\n`, truth };
}

describe('sanbao diagnose replay', () => {
  let dir: string;
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sanbao-replay-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'learns from run-to-failure data and beats the best constant by far',
    { timeout: 180_000 },
    async () => {
      const train = fleet(1, 40, false);
      const test = fleet(2, 40, true);
      await writeFile(join(dir, 'train.csv'), train.csv);
      await writeFile(join(dir, 'test.csv'), test.csv);
      const code = await diagnoseCli(
        [
          'replay',
          '--train',
          join(dir, 'train.csv'),
          '--test',
          join(dir, 'test.csv'),
          '--out',
          join(dir, 'p.csv'),
        ],
        io,
      );
      // Progress goes to stderr (a line per 10 % when stderr is not a terminal), errors do not.
      expect(err.join('')).toContain('training: final fit 100 %');
      expect(err.join('')).not.toContain('sanbao diagnose replay:');
      expect(code).toBe(0);
      const rows = (await readFile(join(dir, 'p.csv'), 'utf8')).trim().split('\n');
      expect(rows[0]).toBe('unit,rul,rul_low,rul_high');
      const preds = new Map(rows.slice(1).map((r) => [r.split(',')[0]!, Number(r.split(',')[1])]));
      expect(preds.size).toBe(40);
      const truths = [...test.truth.values()];
      const mean = truths.reduce((a, b) => a + b, 0) / truths.length;
      const rmse = (f: (unit: string) => number) =>
        Math.sqrt(
          [...test.truth].reduce((a, [unit, t]) => a + (f(unit) - t) ** 2, 0) / truths.length,
        );
      const model = rmse((unit) => preds.get(unit)!);
      const constant = rmse(() => mean); // the best constant there is: it knows the test mean
      expect(model).toBeLessThan(0.6 * constant);
      // Sensor selection: the constant and pure-noise columns are not used.
      const used = out.join('').match(/columns used: (.*)/)![1]!;
      expect(used).not.toMatch(/const_a|const_b|noise_a|noise_b/);
      expect(used).toMatch(/temp/);
    },
  );

  it('bad arguments: exit 2 with the argument named', async () => {
    err.length = 0;
    expect(await diagnoseCli(['replay', '--train', 'a.csv', '--out', 'b.csv'], io)).toBe(2);
    expect(err.join('')).toContain('--out needs --test');
    err.length = 0;
    expect(await diagnoseCli(['replay', '--train', 'a.csv'], io)).toBe(2);
    expect(err.join('')).toContain('nothing to do');
    err.length = 0;
    expect(
      await diagnoseCli(['replay', '--train', 'a.csv', '--save', 'm.json', '--seed', '-1'], io),
    ).toBe(2);
    expect(err.join('')).toContain('--seed');
    err.length = 0;
    expect(await diagnoseCli(['replay', '--train', 'a.csv', '--tset', 'b.csv'], io)).toBe(2);
    expect(err.join('')).toContain('unknown argument "--tset"');
    err.length = 0;
    expect(
      await diagnoseCli(
        ['replay', '--train', join(dir, 'nope.csv'), '--test', 'b', '--out', 'c'],
        io,
      ),
    ).toBe(2);
    expect(err.join('')).toContain('--train');
    expect(await diagnoseCli(['frobnicate'], io)).toBe(2);
  });

  it('bad CSV: exit 2 naming the file, line and column', async () => {
    await writeFile(join(dir, 'bad.csv'), 'unit,time,s1\n1,1,0.5\n1,2,abc\n');
    err.length = 0;
    expect(
      await diagnoseCli(
        [
          'replay',
          '--train',
          join(dir, 'bad.csv'),
          '--test',
          join(dir, 'bad.csv'),
          '--out',
          join(dir, 'o.csv'),
        ],
        io,
      ),
    ).toBe(2);
    expect(err.join('')).toMatch(/bad\.csv line 3: column "s1" value "abc" is not a number/);
    await writeFile(join(dir, 'nohdr.csv'), 'engine,cycle,s1\n1,1,0.5\n');
    err.length = 0;
    expect(
      await diagnoseCli(
        [
          'replay',
          '--train',
          join(dir, 'nohdr.csv'),
          '--test',
          join(dir, 'bad.csv'),
          '--out',
          join(dir, 'o.csv'),
        ],
        io,
      ),
    ).toBe(2);
    expect(err.join('')).toContain('line 1: header must be');
  });
});
