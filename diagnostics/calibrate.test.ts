import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrateMode } from './calibrate.ts';
import { PROFILES } from './profiles/index.ts';
import { parseRunCsv } from './replay/csv.ts';
import { diagnoseCli } from './replay.ts';
import { gauss, rng } from './testing.ts';

/** Air conditioners leaking to failure, where the real moves differ from the profile's. */
function leakRuns(units: number): string {
  const g = gauss(rng(5));
  const cols = [
    'compressor_freq_hz',
    'outdoor_temp_c',
    'setpoint_c',
    'indoor_temp_c',
    'suction_pressure_kpa',
    'discharge_temp_c',
    'supply_air_temp_c',
  ];
  const lines = [`unit,time,${cols.join(',')}`];
  for (let u = 0; u < units; u++) {
    const life = 200 + 10 * u;
    for (let i = 0; i <= life; i++) {
      const p = i / life;
      const running = i % 5 !== 0; // one sample in five the compressor is off
      const freq = running ? 50 + 2 * g() : 0;
      lines.push(
        [
          u,
          i,
          freq,
          30 + 0.2 * g(),
          25,
          25 + 0.1 * g() + 2 * p,
          860 * (1 - 0.3 * p) + 10 * g(),
          30 + 55 + 15 * p + 0.5 * g(),
          13.5 + 4 * p + 0.3 * g(),
        ]
          .map((x) => (typeof x === 'number' ? Number(x.toFixed(3)) : x))
          .join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

describe('profile calibration from run-to-failure histories', () => {
  const ac = PROFILES.find((p) => p.category === 'air_conditioner')!;

  it('re-estimates the failure moves from the data, under each indicator’s condition', () => {
    const { mode, rows } = calibrateMode(
      ac,
      'refrigerant_leak',
      parseRunCsv(leakRuns(12), 'runs.csv'),
    );
    const ind = (m: string) => mode.indicators.find((i) => i.metric === m)!;
    expect(ind('suction_pressure_kpa').failureRel).toBeCloseTo(0.3 * 0.97, 1); // ≈ 30 %, not the profile's 45 %
    expect(ind('discharge_temp_c').failureDelta).toBeGreaterThan(12);
    expect(ind('discharge_temp_c').failureDelta).toBeLessThan(17);
    expect(ind('supply_air_temp_c').failureDelta).toBeCloseTo(4 * 0.97, 0);
    expect(rows.find((r) => r.metric === 'compressor_freq_hz')!.note).toBe(
      'no clear move in the profile direction',
    );
    expect(ind('compressor_freq_hz').failureDelta).toBe(25); // kept
  });

  it('CLI: prints the changes; an unknown mode or category exits 2 naming the argument', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sanbao-cal-'));
    try {
      await writeFile(join(dir, 'runs.csv'), leakRuns(6));
      const out: string[] = [];
      const err: string[] = [];
      const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) };
      expect(
        await diagnoseCli(
          [
            'calibrate',
            '--category',
            'air_conditioner',
            '--mode',
            'refrigerant_leak',
            '--train',
            join(dir, 'runs.csv'),
          ],
          io,
        ),
      ).toBe(0);
      expect(out.join('')).toMatch(/suction_pressure_kpa failureRel: 0.45 → 0.2\d/);
      expect(
        await diagnoseCli(
          ['calibrate', '--category', 'air_conditioner', '--mode', 'nope', '--train', 'x'],
          io,
        ),
      ).toBe(2);
      expect(err.join('')).toContain('--mode');
      expect(
        await diagnoseCli(
          ['calibrate', '--category', 'toaster', '--mode', 'x', '--train', 'x'],
          io,
        ),
      ).toBe(2);
      expect(err.join('')).toContain('--category');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
