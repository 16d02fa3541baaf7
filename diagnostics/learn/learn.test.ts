import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnoseCli } from '../replay.ts';
import { parseRunCsv } from '../replay/csv.ts';
import { createRulStream, parseRulModel, RulModelError, type RulModelArtefact } from './index.ts';
import { assignFolds, cutRows, score } from './validation.ts';

/**
 * The learner through its CLI on real run-to-failure data: 30 engines of NASA C-MAPSS FD001's
 * training split, committed in testdata/ (public domain). Units 1–20 train, units 21–30 are cut
 * at random points and predicted. Accuracy figures live in bench/RESULTS.md (npm run eval:rul);
 * here: it learns (far better than a constant), the artefact round-trips, a seed fixes the model.
 */
const DATA = fileURLToPath(new URL('./testdata/cmapss-fd001-train-30.csv', import.meta.url));

describe('sanbao diagnose replay on real run-to-failure data (C-MAPSS FD001, 30 units)', () => {
  let dir: string;
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) };
  const truth = new Map<string, number>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sanbao-learn-'));
    const text = await readFile(DATA, 'utf8');
    const [header, ...lines] = text.trim().split('\n');
    const train = lines.filter((l) => Number(l.split(',')[0]) <= 20);
    // Test units 21–30, each stopped 10…140 cycles before its failure (the file's own rows).
    const byUnit = new Map<string, string[]>();
    for (const l of lines) {
      const u = l.split(',')[0]!;
      if (Number(u) > 20) byUnit.set(u, [...(byUnit.get(u) ?? []), l]);
    }
    const test: string[] = [];
    let k = 0;
    for (const [u, rows] of byUnit) {
      const left = Math.min(10 + ((k++ * 37) % 131), rows.length - 35);
      test.push(...rows.slice(0, rows.length - left));
      truth.set(u, left);
    }
    // Columns in another order in the test file: replay aligns them by name.
    const cols = header!.split(',');
    const perm = [0, 1, ...cols.slice(2).map((_, i) => cols.length - 1 - i)];
    const reorder = (l: string) => {
      const f = l.split(',');
      return perm.map((i) => f[i]).join(',');
    };
    await writeFile(join(dir, 'train.csv'), [header, ...train].join('\n'));
    await writeFile(join(dir, 'test.csv'), [reorder(header!), ...test.map(reorder)].join('\n'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const replay = (extra: string[]) =>
    diagnoseCli(['replay', '--train', join(dir, 'train.csv'), '--folds', '4', ...extra], io);

  it(
    'predicts held-out engines far better than a constant, with intervals, and saves a valid model',
    { timeout: 240_000 },
    async () => {
      out.length = 0;
      err.length = 0;
      const code = await replay([
        '--test',
        join(dir, 'test.csv'),
        '--out',
        join(dir, 'p.csv'),
        '--save',
        join(dir, 'model.json'),
      ]);
      expect(err.join('')).not.toContain('sanbao diagnose replay:');
      expect(code).toBe(0);
      const stdout = out.join('');
      expect(stdout).toMatch(/cross-validated RMSE \d+\.\d+, PHM08 score \d+ per 100 predictions/);
      expect(stdout).toMatch(/80 % interval coverage \d+\.\d %/);
      expect(stdout).toMatch(/saved model [0-9a-f]{16} to /);
      const [head, ...rows] = (await readFile(join(dir, 'p.csv'), 'utf8')).trim().split('\n');
      expect(head).toBe('unit,rul,rul_low,rul_high');
      expect(rows).toHaveLength(10);
      const errors: number[] = [];
      for (const r of rows) {
        const [unit, rul, lo, hi] = r.split(',').map(Number) as [number, number, number, number];
        expect(lo).toBeLessThanOrEqual(rul);
        expect(hi).toBeGreaterThanOrEqual(rul);
        errors.push(rul - truth.get(String(unit))!);
      }
      const mean = [...truth.values()].reduce((a, b) => a + b, 0) / truth.size;
      const constant = score([...truth.values()].map((t) => mean - t)).rmse; // knows the test mean
      expect(score(errors).rmse).toBeLessThan(0.6 * constant);

      // The artefact parses, and the streaming evaluation gives the CLI's predictions.
      const model = parseRulModel(JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')));
      expect(model.sensors).toContain('s11');
      expect(model.sensors).not.toContain('s1'); // constant in FD001
      const test = parseRunCsv(await readFile(join(dir, 'test.csv'), 'utf8'), 'test.csv');
      const u = test.units.find((x) => x.unit === '21')!;
      const s = createRulStream(model);
      const state = new Float64Array(s.stateSize + 3);
      s.init(state, 3);
      for (let i = 0; i < u.time.length; i++)
        s.push(
          state,
          3,
          model.sensors.map((n) => u.values[test.sensors.indexOf(n)]![i]!),
        );
      const line = rows.find((r) => r.startsWith('21,'))!.split(',');
      expect(s.predict(state, 3)!.rul).toBeCloseTo(Number(line[1]), 2);
    },
  );

  it(
    'the same seed gives the same model; a damaged or edited artefact is refused with the field named',
    { timeout: 240_000 },
    async () => {
      const first = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as RulModelArtefact;
      out.length = 0;
      expect(await replay(['--save', join(dir, 'again.json')])).toBe(0);
      const again = JSON.parse(await readFile(join(dir, 'again.json'), 'utf8')) as RulModelArtefact;
      expect(again.id).toBe(first.id);
      expect(again.gbt).toEqual(first.gbt);

      const edited = structuredClone(first);
      edited.cap = edited.cap * 2;
      expect(() => parseRulModel(edited)).toThrow(/id: does not match the content/);
      const broken = structuredClone(first) as unknown as { features: { sd: number[] } };
      broken.features.sd = [1];
      try {
        parseRulModel(broken);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(RulModelError);
        expect((e as RulModelError).issues.map((i) => i.path)).toContain('features.sd');
      }
      expect(() => parseRulModel({ format: 'other' })).toThrow(/format/);
    },
  );
});

describe('sanbao diagnose replay: bad input names the file line, exit 2, nothing written', () => {
  let dir: string;
  const err: string[] = [];
  const io = { stdout: () => undefined, stderr: (s: string) => err.push(s) };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sanbao-learn-bad-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(
    train: string,
    test?: string,
  ): Promise<{ code: number; msg: string; wrote: boolean }> {
    err.length = 0;
    await writeFile(join(dir, 'train.csv'), train);
    if (test !== undefined) await writeFile(join(dir, 'test.csv'), test);
    await rm(join(dir, 'out.csv'), { force: true });
    const args = ['replay', '--train', join(dir, 'train.csv'), '--folds', '2'];
    if (test !== undefined)
      args.push('--test', join(dir, 'test.csv'), '--out', join(dir, 'out.csv'));
    else args.push('--save', join(dir, 'm.json'));
    const code = await diagnoseCli(args, io);
    const wrote = await readFile(join(dir, 'out.csv')).then(
      () => true,
      () => false,
    );
    return { code, msg: err.join(''), wrote };
  }

  const unit = (name: string, rows: number, start = 1) =>
    Array.from(
      { length: rows },
      (_, i) =>
        `${name},${start + i},${(100 + i * 0.5 + ((i * 7) % 3)).toFixed(2)},${(50 - i * 0.1).toFixed(2)}`,
    );
  const good = ['unit,time,a,b', ...unit('1', 60), ...unit('2', 70), ...unit('3', 80)].join('\n');

  it('time not increasing within a unit', async () => {
    const lines = good.split('\n');
    lines.splice(5, 0, '1,3,100,50'); // unit 1 already had time 3 on line 4
    const r = await run(lines.join('\n'));
    expect(r.code).toBe(2);
    expect(r.msg).toMatch(/train\.csv line 6: unit "1" time 3 does not increase \(line 5 has 4\)/);
  });

  it('NaN and non-numeric values name the line and the column', async () => {
    const lines = good.split('\n');
    lines[2] = '1,2,NaN,50';
    const r = await run(lines.join('\n'));
    expect(r.code).toBe(2);
    expect(r.msg).toMatch(/line 3: column "a" value "NaN" is not a number/);
  });

  it('a test unit with fewer rows than the baseline window', async () => {
    const r = await run(good, ['unit,time,a,b', ...unit('9', 4)].join('\n'));
    expect(r.code).toBe(2);
    expect(r.msg).toMatch(
      /test\.csv line 2: unit "9" has 4 rows; the model needs at least \d+ \(its baseline window, --window\)/,
    );
    expect(r.wrote).toBe(false);
  });

  it('a test file missing a training column', async () => {
    const r = await run(good, ['unit,time,a', '9,1,100'].join('\n'));
    expect(r.code).toBe(2);
    expect(r.msg).toMatch(/test\.csv line 1: missing column\(s\) b present in the training file/);
  });

  it('a training unit too short to learn from', async () => {
    const r = await run(['unit,time,a,b', ...unit('1', 60), ...unit('2', 5)].join('\n'));
    expect(r.code).toBe(2);
    expect(r.msg).toMatch(/training unit "2" has 5 rows; at least \d+ are needed/);
  });

  it('without --out the predictions go to stdout as CSV and the report to stderr', async () => {
    await writeFile(join(dir, 'train.csv'), good);
    await writeFile(join(dir, 'test.csv'), ['unit,time,a,b', ...unit('7', 40)].join('\n'));
    const stdout: string[] = [];
    err.length = 0;
    const code = await diagnoseCli(
      [
        'replay',
        '--train',
        join(dir, 'train.csv'),
        '--test',
        join(dir, 'test.csv'),
        '--folds',
        '2',
      ],
      { stdout: (s) => stdout.push(s), stderr: (s) => err.push(s) },
    );
    expect(code).toBe(0);
    expect(stdout.join('')).toMatch(/^unit,rul,rul_low,rul_high\n7,[\d.]+,[\d.]+,[\d.]+\n$/);
    expect(err.join('')).toMatch(/cross-validated RMSE/);
  });

  it('reads files as NASA publishes them: whitespace-separated, no header', async () => {
    const ws = good
      .split('\n')
      .slice(1)
      .map((l) => l.replaceAll(',', '  '))
      .join('\n');
    err.length = 0;
    await writeFile(join(dir, 'nasa.txt'), ws);
    const code = await diagnoseCli(
      [
        'replay',
        '--train',
        join(dir, 'nasa.txt'),
        '--folds',
        '2',
        '--save',
        join(dir, 'nasa.json'),
      ],
      io,
    );
    expect(err.join('')).not.toContain('sanbao diagnose replay:');
    expect(code).toBe(0);
    const m = parseRulModel(JSON.parse(await readFile(join(dir, 'nasa.json'), 'utf8')));
    expect(m.sensors.every((s) => /^c\d+$/.test(s))).toBe(true);
  });
});

describe('validation protocol', () => {
  it('folds hold whole units, balanced; cuts fall within the horizon and after the window', () => {
    const fold = assignFolds(23, 5, 7);
    const sizes = [0, 1, 2, 3, 4].map((f) => fold.filter((x) => x === f).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(assignFolds(23, 5, 7)).toEqual(fold);
    const times = Float64Array.from({ length: 200 }, (_, i) => i + 1);
    const cuts = cutRows(times, 0, 30, 'horizon', 120, 50, 1);
    expect(cuts).toHaveLength(50);
    for (const c of cuts) {
      expect(c.row).toBeGreaterThanOrEqual(29);
      expect(c.truth).toBeGreaterThan(0);
      expect(c.truth).toBeLessThanOrEqual(120);
      expect(c.truth).toBe(200 - times[c.row]!);
    }
    const life = cutRows(times, 0, 30, 'life', 120, 200, 1);
    expect(Math.max(...life.map((c) => c.truth))).toBeGreaterThan(150);
  });

  it('PHM08 punishes late predictions more than early ones', () => {
    expect(score([10]).phm08Per100).toBeGreaterThan(score([-10]).phm08Per100);
    expect(score([10]).phm08Per100).toBeCloseTo((Math.exp(1) - 1) * 100, 6);
    expect(score([3, -4]).rmse).toBeCloseTo(Math.sqrt(12.5), 9);
  });
});
