import { describe, expect, it } from 'vitest';
import { parseEvalArgs } from './options.ts';
import { checkTargets } from './report.ts';
import { delayInSamples, quantile, scoreRun, type AlertRecord, type TruthRecord } from './score.ts';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);
const at = (days: number): number => START + days * DAY;

/** Four devices over 100 days; two degradation faults, one sudden, one healthy unit. */
const truth: TruthRecord[] = [
  // 100-day span, fails on day 80: onset 20 days before the window (first seen at 80 %).
  {
    deviceId: 'A',
    category: 'air_conditioner',
    mode: 'refrigerant_leak',
    kind: 'degradation',
    onset: at(-20),
    failureAt: at(80),
    intervalMs: 600_000,
  },
  // 40-day span inside the window.
  {
    deviceId: 'B',
    category: 'air_conditioner',
    mode: 'refrigerant_leak',
    kind: 'degradation',
    onset: at(30),
    failureAt: at(70),
    intervalMs: 600_000,
  },
  {
    deviceId: 'C',
    category: 'tv',
    mode: 'logic_board_failure',
    kind: 'sudden',
    onset: at(50),
    failureAt: at(50) + 100_000, // between two samples: the next one, at(50) + 600 s, is no. 1
    intervalMs: 600_000,
  },
];

const alert = (deviceId: string, mode: string, ts: number, detector = 'trend'): AlertRecord => ({
  deviceId,
  category: deviceId === 'C' ? 'tv' : 'air_conditioner',
  mode,
  ts,
  detector,
});

function score(alerts: AlertRecord[]) {
  return scoreRun({
    truth,
    alerts,
    rul: [],
    start: START,
    end: at(100),
    devices: 4,
    graceMs: DAY,
  });
}

describe('evaluation scoring', () => {
  it('a right alert after onset detects the fault; lead = failure − first alert, also as share of span', () => {
    const s = score([
      alert('A', 'refrigerant_leak', at(30)), // 50 d before failure of a 100 d span
      alert('B', 'refrigerant_leak', at(60)), // 10 d before failure of a 40 d span
    ]);
    const leak = s.modes.find((m) => m.mode === 'refrigerant_leak')!;
    expect(leak.faults).toBe(2);
    expect(leak.recall).toBe(1);
    expect(leak.precision).toBe(1);
    expect(leak.leadMedianDays).toBeCloseTo(30); // (50 + 10) / 2
    expect(leak.leadP10Days).toBeCloseTo(14); // 10 + 0.1 × 40
    expect(leak.leadShareMedian).toBeCloseTo((0.5 + 0.25) / 2);
    // A is first seen 80 d before failure (80 % of its span), B's whole span is in the window.
    expect(leak.leadShareCeiling).toBeCloseTo(0.9);
    expect(s.overall.degradation.recall).toBe(1);
    expect(s.overall.falseAlarms).toBe(0);
  });

  it('an alert of the right mode before onset is false, and does not count as detection', () => {
    const s = score([alert('B', 'refrigerant_leak', at(10))]);
    const leak = s.modes.find((m) => m.mode === 'refrigerant_leak')!;
    expect(leak.detected).toBe(0);
    expect(leak.recall).toBe(0);
    expect(leak.falseAlarms).toBe(1);
    expect(leak.precision).toBe(0);
  });

  it('wrong modes and healthy units are false alarms, per 1,000 device-days', () => {
    const s = score([
      alert('D', 'compressor_wear', at(5)),
      alert('D', 'compressor_wear', at(40)), // dismissed and raised again: a second false alarm
      alert('A', 'compressor_wear', at(60)), // wrong mode on a degrading unit
      alert('A', 'refrigerant_leak', at(70)),
    ]);
    expect(s.overall.falseAlarms).toBe(3);
    expect(s.overall.deviceDays).toBe(400);
    expect(s.overall.falseAlarmsPer1000DeviceDays).toBeCloseTo(7.5);
    expect(s.overall.precision).toBeCloseTo(1 / 4);
    // Kind from the profiles when no fault of the mode was injected; unknown modes are built-in.
    expect(s.modes.find((m) => m.mode === 'compressor_wear')!.kind).toBe('builtin');
    const withKinds = scoreRun({
      truth,
      alerts: [alert('D', 'compressor_wear', at(5))],
      rul: [],
      start: START,
      end: at(100),
      devices: 4,
      graceMs: DAY,
      modeKinds: new Map([['air_conditioner/compressor_wear', 'degradation']]),
    });
    expect(withKinds.modes.find((m) => m.mode === 'compressor_wear')!.kind).toBe('degradation');
  });

  it('alerts on a failed unit after failure + grace are aftermath, not false alarms', () => {
    const s = score([
      alert('C', 'logic_board_failure', at(50) + 600_000, 'fault-code'),
      alert('C', 'tuner_failure', at(52)),
    ]);
    expect(s.overall.falseAlarms).toBe(0);
    expect(s.overall.aftermath).toBe(1);
  });

  it('a degradation found only after failure + grace is missed; within grace it counts with a negative lead', () => {
    const late = score([alert('B', 'refrigerant_leak', at(72))]);
    expect(late.overall.degradation.recall).toBe(0);
    expect(late.overall.falseAlarms).toBe(0);
    const withinGrace = score([alert('B', 'refrigerant_leak', at(70) + DAY / 2)]);
    expect(withinGrace.overall.degradation.recall).toBe(0.5);
    expect(withinGrace.overall.degradation.leadMedianDays).toBeCloseTo(-0.5);
  });

  it('sudden faults: delay in samples counts the first sample at/after the failure as 1', () => {
    expect(delayInSamples(1000, 1000, 600)).toBe(1);
    expect(delayInSamples(1000, 1500, 600)).toBe(1);
    expect(delayInSamples(1000, 2100, 600)).toBe(2);
    const s = score([alert('C', 'logic_board_failure', at(50) + 1_200_000, 'step')]);
    const m = s.modes.find((x) => x.mode === 'logic_board_failure')!;
    expect(m.recall).toBe(1);
    expect(m.delaySamplesMax).toBe(2);
    expect(m.detectedBy).toEqual({ step: 1 });
    const early = score([alert('C', 'logic_board_failure', at(49))]);
    expect(early.overall.sudden.recall).toBe(0);
    expect(early.overall.falseAlarms).toBe(1);
  });

  it('a sudden fault that shows in the data later (device idle at failure) counts its delay from there', () => {
    const shown = truth.map((t) =>
      t.deviceId === 'C' ? { ...t, observableAt: at(50) + 3_600_000 } : t,
    );
    const s = scoreRun({
      truth: shown,
      alerts: [alert('C', 'logic_board_failure', at(50) + 3_600_000 + 600_000)],
      rul: [],
      start: START,
      end: at(100),
      devices: 4,
      graceMs: DAY,
    });
    const m = s.modes.find((x) => x.mode === 'logic_board_failure')!;
    expect(m.delaySamplesMax).toBe(2);
    expect(m.delayFromFailureMax).toBe(7);
    expect(s.overall.sudden.withinTwoSamples).toBe(1);
  });

  it('a sudden fault that shows only days after the failure (unit idle) is still detected within the grace after it shows', () => {
    const late = at(50) + 2 * DAY; // parked over a weekend
    const shown = truth.map((t) => (t.deviceId === 'C' ? { ...t, observableAt: late } : t));
    const run = (alerts: AlertRecord[], tr: TruthRecord[]) =>
      scoreRun({
        truth: tr,
        alerts,
        rul: [],
        start: START,
        end: at(100),
        devices: 4,
        graceMs: DAY,
      });
    const s = run([alert('C', 'logic_board_failure', late)], shown);
    const m = s.modes.find((x) => x.mode === 'logic_board_failure')!;
    expect(m.recall).toBe(1);
    expect(m.delaySamplesMax).toBe(1);
    expect(s.overall.falseAlarms).toBe(0);
    // Without a later observation the grace runs from the failure: too late, missed, not false.
    const missed = run([alert('C', 'logic_board_failure', late)], truth);
    expect(missed.overall.sudden.recall).toBe(0);
    expect(missed.overall.falseAlarms).toBe(0);
    // And more than the grace after it showed is missed as well.
    const tooLate = run([alert('C', 'logic_board_failure', late + DAY + 600_000)], shown);
    expect(tooLate.overall.sudden.recall).toBe(0);
  });

  it('RUL: error and late share over checkpoints up to the failure', () => {
    const s = scoreRun({
      truth,
      alerts: [alert('B', 'refrigerant_leak', at(60))],
      rul: [
        { deviceId: 'B', ts: at(60), predictedFailureAt: at(73) }, // 3 d late
        { deviceId: 'B', ts: at(65), predictedFailureAt: at(66) }, // 4 d early
        { deviceId: 'B', ts: at(75), predictedFailureAt: at(90) }, // after the failure: ignored
      ],
      start: START,
      end: at(100),
      devices: 4,
      graceMs: DAY,
    });
    const leak = s.modes.find((m) => m.mode === 'refrigerant_leak')!;
    expect(leak.rulCheckpoints).toBe(2);
    expect(leak.rulRmseDays).toBeCloseTo(Math.sqrt((9 + 16) / 2));
    expect(leak.rulLateShare).toBe(0.5);
  });

  it('targets: each is checked against its threshold', () => {
    const s = score([
      alert('A', 'refrigerant_leak', at(30)),
      alert('B', 'refrigerant_leak', at(60)),
      alert('C', 'logic_board_failure', at(50) + 600_000),
    ]);
    const met = Object.fromEntries(checkTargets(s).map((t) => [t.target.split(' ')[0], t.met]));
    expect(met).toEqual({ degradation: true, sudden: true, false: true, no: true });
    expect(checkTargets(score([])).every((t) => t.target.startsWith('false') || !t.met)).toBe(true);
  });

  it('quantile interpolates between order statistics', () => {
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([0, 10], 0.1)).toBeCloseTo(1);
    expect(quantile([], 0.5)).toBeNull();
  });
});

describe('eval:diagnostics arguments', () => {
  it('defaults, and --name=value / --name value forms', () => {
    const a = parseEvalArgs(['--devices=10', '--days', '30', '--quiet']);
    expect(a).toMatchObject({ devices: 10, days: 30, seed: 2, trainSeed: 1, quiet: true });
    expect(a.intervalS).toBe(600);
    expect(parseEvalArgs(['--interval', '0']).intervalS).toBeUndefined();
  });

  it('names every bad argument', () => {
    expect(() => parseEvalArgs(['--seed', 'x', '--faults', '2', '--nope', '1', '--out'])).toThrow(
      /--out needs a value.*--seed: expected a number.*--faults: must be between 0 and 1.*unknown argument --nope/,
    );
    expect(() => parseEvalArgs(['--seed', '1'])).toThrow(/--train-seed must differ from --seed/);
    expect(() => parseEvalArgs(['--mix', 'toaster=1'])).toThrow(/--mix: bad entry "toaster=1"/);
  });
});
