import { describe, expect, it } from 'vitest';
import type { DeviceEvent, Sample } from '../core/sample.ts';
import { composeCatalog } from './catalog/compose.ts';
import { createDiagnosticsEngine } from './engine.ts';
import type { RulModelArtefact, RulStream } from './models/learner.ts';
import type { AlertCandidate } from './types.ts';
import { referenceKey } from './engine/plan.ts';
import { PROFILES } from './profiles/index.ts';
import { gauss, MINUTE, rng, T0 } from './testing.ts';

/** A running air conditioner in cooling, with sensor noise; `fanDead` seizes the indoor fan. */
function acSample(
  i: number,
  g: () => number,
  opts: { fanDead?: boolean; deviceId?: string } = {},
): Sample {
  const freq = 50 + 2 * g();
  return {
    deviceId: opts.deviceId ?? 'ac-1',
    category: 'air_conditioner',
    model: 'KFR-35GW',
    ts: T0 + i * MINUTE,
    metrics: {
      indoor_temp_c: 25 + 0.1 * g() + (opts.fanDead ? 4 : 0),
      outdoor_temp_c: 32 + 0.2 * g(),
      setpoint_c: 25,
      supply_air_temp_c: 13.5 + 0.3 * g(),
      compressor_current_a: 0.075 * freq + 0.08 * g(),
      compressor_freq_hz: freq,
      discharge_temp_c: 32 + 23 + 0.23 * freq + 0.5 * g(),
      evaporator_temp_c: 7.5 + 0.3 * g() - (opts.fanDead ? 10 : 0),
      condenser_temp_c: 44 + 0.4 * g(),
      suction_pressure_kpa: 862 + 10 * g(),
      fan_rpm: opts.fanDead ? 0 : 1050 + 12 * g(),
      power_w: 0.075 * freq * 209 + 40 + 12 * g(),
    },
  };
}

const event = (
  code: string,
  minutes: number,
  severity: DeviceEvent['severity'] = 'error',
): DeviceEvent => ({
  deviceId: 'ac-1',
  category: 'air_conditioner',
  model: 'KFR-35GW',
  ts: T0 + minutes * MINUTE,
  code,
  severity,
});

describe('diagnostics engine', () => {
  it('noise only: a week of healthy samples on several devices opens nothing', () => {
    const engine = createDiagnosticsEngine({ profiles: PROFILES, warmupSamples: 200 });
    for (const seed of [1, 2, 3]) {
      const g = gauss(rng(seed));
      for (let i = 0; i < 7 * 1440; i++)
        expect(
          engine.process(acSample(i, g, { deviceId: `ac-${seed}` })),
          `seed ${seed} i ${i}`,
        ).toEqual([]);
      expect(engine.health(`ac-${seed}`)!.score).toBeGreaterThan(80);
    }
  });

  it('sudden fault: the indoor fan seizure opens one candidate within 2 samples, with evidence', () => {
    const engine = createDiagnosticsEngine({ profiles: PROFILES, warmupSamples: 200 });
    const g = gauss(rng(9));
    const opened: Array<{ i: number; modeId: string }> = [];
    let first;
    for (let i = 0; i < 600; i++) {
      for (const c of engine.process(acSample(i, g, { fanDead: i >= 500 }))) {
        opened.push({ i, modeId: c.modeId });
        first ??= c;
      }
    }
    // The EWMA sees the jump at once and the signature agrees: often the first sample already.
    expect(opened).toHaveLength(1);
    expect(opened[0]!.modeId).toBe('indoor_fan_motor_seizure');
    expect(opened[0]!.i).toBeLessThanOrEqual(501);
    expect(first).toMatchObject({
      key: 'ac-1/indoor_fan_motor_seizure',
      component: 'fan_motor',
      severity: 'major',
      revision: 1,
    });
    expect(first!.evidence.flatMap((e) => e.metrics)).toContain('fan_rpm');
    expect(first!.evidence[0]!.metrics).toContain('fan_rpm');
    expect(first!.parts).toContain('indoor fan motor');
    expect(first!.action.zh.length).toBeGreaterThan(0);
    expect(opened.filter((o) => o.modeId === 'indoor_fan_motor_seizure')).toHaveLength(1);
    const h = engine.health('ac-1')!;
    expect(h.score).toBe(0);
    expect(
      h.modes.find((m) => m.modeId === 'indoor_fan_motor_seizure')!.contributions[0]!.metric,
    ).toBe('fan_rpm');
  });

  it('de-duplicates: one open candidate per device and mode; escalation is a new revision', () => {
    const engine = createDiagnosticsEngine({ profiles: PROFILES });
    const a = engine.processEvent(event('F0', 0, 'warning'));
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ modeId: 'refrigerant_leak', severity: 'minor', revision: 1 });
    expect(engine.processEvent(event('F0', 120, 'warning'))).toEqual([]);
    const b = engine.processEvent(event('E4', 200, 'critical'));
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ key: 'ac-1/refrigerant_leak', severity: 'critical', revision: 2 });
    expect(b[0]!.evidence.map((e) => e.detector)).toEqual(['fault-code']);
    expect(engine.openCandidates('ac-1')).toHaveLength(1);
    expect(engine.close('ac-1', 'refrigerant_leak')).toBe(true);
    expect(engine.processEvent(event('E4', 300, 'critical'))).toHaveLength(1); // a new occurrence after closing
  });

  it('unknown fault codes open the built-in unmapped-code mode', () => {
    const engine = createDiagnosticsEngine({ profiles: PROFILES });
    expect(engine.processEvent(event('U9', 0))[0]).toMatchObject({
      modeId: 'unmapped_fault_code',
      component: 'unknown',
    });
  });

  it('missing data: tick opens data_missing once; the next sample closes it', () => {
    let now = T0;
    const engine = createDiagnosticsEngine({ profiles: PROFILES, clock: () => now });
    const g = gauss(rng(4));
    for (let i = 0; i < 50; i++) engine.process(acSample(i, g));
    now = T0 + 52 * MINUTE;
    expect(engine.tick()).toEqual([]);
    now = T0 + 60 * MINUTE;
    const t = engine.tick();
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({ modeId: 'data_missing', severity: 'minor' });
    expect(engine.tick(T0 + 70 * MINUTE)).toEqual([]);
    engine.process(acSample(71, g));
    expect(engine.openCandidates('ac-1').map((c) => c.modeId)).not.toContain('data_missing');
  });

  it('missing data: a device replaying the past (timestamps months behind the clock) is not silent while its readings arrive', () => {
    // An accelerated simulated fleet, or a backlog uploaded after a long outage: the readings
    // are 90 days old by their timestamps but keep arriving. Judged by timestamps alone every
    // such device was reported missing at the first tick.
    const wall = T0 + 90 * 24 * 60 * MINUTE;
    let now = wall;
    const engine = createDiagnosticsEngine({ profiles: PROFILES, clock: () => now });
    const g = gauss(rng(4));
    for (let i = 0; i < 50; i++) {
      now = wall + i * 1000; // one simulated minute per wall second
      engine.process(acSample(i, g));
    }
    expect(engine.tick(now + 1000)).toEqual([]);
    // The replay stops: silent on both clocks once five intervals (minutes) pass without arrivals.
    expect(engine.tick(now + 4 * MINUTE)).toEqual([]);
    const t = engine.tick(now + 6 * MINUTE);
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({ modeId: 'data_missing' });
    expect(t[0]!.evidence[0]!.message).toMatch(/^no data for 360 s/);
  });

  it('samples of a category without a profile are ignored and counted', () => {
    const engine = createDiagnosticsEngine({
      profiles: PROFILES.filter((p) => p.category !== 'tv'),
    });
    expect(
      engine.process({ deviceId: 'tv-1', category: 'tv', model: 'x', ts: T0, metrics: { on: 1 } }),
    ).toEqual([]);
    expect(engine.ignored).toBe(1);
    expect(engine.size).toBe(0);
  });
});

describe('healthy baselines from a training fleet (references)', () => {
  /** An air conditioner whose refrigerant is already 60 % gone when first seen. */
  const leaking = (i: number, g: () => number): Sample => {
    const s = acSample(i, g, { deviceId: 'ac-old' });
    s.metrics.suction_pressure_kpa = 862 * (1 - 0.45 * 0.6) + 10 * g();
    return s;
  };
  const suctionBaseline = (engine: ReturnType<typeof createDiagnosticsEngine>) =>
    engine
      .baselines('ac-old')
      .find((b) => b.modeId === 'refrigerant_leak' && b.metric === 'suction_pressure_kpa')
      ?.baseline;

  it('baselines() lists what each indicator learnt, once its warm-up is complete', () => {
    const engine = createDiagnosticsEngine({ profiles: PROFILES, warmupSamples: 50 });
    const g = gauss(rng(11));
    for (let i = 0; i < 40; i++) engine.process(acSample(i, g, { deviceId: 'ac-new' }));
    expect(engine.baselines('ac-new')).toEqual([]);
    for (let i = 40; i < 80; i++) engine.process(acSample(i, g, { deviceId: 'ac-new' }));
    const suction = engine
      .baselines('ac-new')
      .find((b) => b.modeId === 'refrigerant_leak' && b.metric === 'suction_pressure_kpa');
    expect(suction?.baseline).toBeGreaterThan(850);
    expect(suction?.baseline).toBeLessThan(875);
  });

  it('a mode learns its baselines over its own warm-up: a washer’s spin, three hours of it', () => {
    // One 90-minute programme a day, ~14 minutes of it spinning; a sample a minute.
    const engine = createDiagnosticsEngine({ profiles: PROFILES });
    const g = gauss(rng(13));
    const learnt = () =>
      engine
        .baselines('wm-1')
        .filter((b) => b.modeId === 'drum_bearing_wear')
        .map((b) => b.metric)
        .sort();
    let spins = 0;
    for (let day = 0; spins <= 200; day++) {
      for (let m = 0; m < 90; m++) {
        const spinning = m >= 72 && m < 86;
        if (spinning) spins++;
        engine.process({
          deviceId: 'wm-1',
          category: 'washing_machine',
          model: 'TG100V88WMUIADY5',
          ts: T0 + day * 86_400_000 + m * MINUTE,
          metrics: {
            drum_rpm: spinning ? 1200 + 4 * g() : 48,
            motor_current_a: spinning ? 2.6 + 0.05 * g() : 1.1,
            vibration_mm_s: spinning ? 7 + 0.3 * g() : 2.5,
            water_level_mm: spinning ? 0 : 120,
            water_temp_c: 20,
            fill_time_s: 90,
            drain_time_s: 60,
          },
        });
      }
      // 24 h of spinning would be 1,440 samples: a hundred programmes.
      if (spins < 170) expect(learnt()).toEqual([]);
    }
    expect(learnt()).toEqual(['motor_current_a', 'vibration_mm_s']);
    // The category's other modes keep the 24-hour warm-up.
    expect(engine.baselines('wm-1').some((b) => b.modeId === 'drain_pump_clogging')).toBe(false);
  });

  it('a booster pump failing in a purifier’s first week shows on the first sample making water', () => {
    // Half an hour of making water a day, a sample a minute: a day of making water is 48 days.
    const engine = createDiagnosticsEngine({ profiles: PROFILES });
    const g = gauss(rng(14));
    const opened: Array<{ day: number; m: number; detector: string }> = [];
    for (let day = 0; day < 7; day++) {
      for (let m = 0; m < 1440; m++) {
        const making = m >= 60 && m < 90;
        const broken = day === 6;
        const c = engine.process({
          deviceId: 'wp-1',
          category: 'water_purifier',
          model: 'MRO1891-400G',
          ts: T0 + day * 86_400_000 + m * MINUTE,
          metrics: {
            inlet_tds_ppm: 300 + 4 * g(),
            outlet_tds_ppm: (making ? 9 : 15) + 0.8 * g(),
            inlet_pressure_kpa: 280 + 5 * g() - (making ? 20 : 0),
            membrane_pressure_kpa: (making ? (broken ? 260 : 650) : 280) + 8 * g(),
            flow_lpm: making ? (broken ? 0.2 : 1.3) + 0.04 * g() : 0,
            pump_current_a: making && !broken ? 0.9 + 0.02 * g() : 0,
            water_temp_c: 15 + 0.2 * g(),
          },
        });
        for (const x of c) opened.push({ day, m, detector: x.evidence[0]!.detector });
      }
    }
    expect(opened).toEqual([{ day: 6, m: 60, detector: 'step' }]);
  });

  it('a unit that arrives degraded is judged from its model’s healthy siblings, not from itself', () => {
    const references = new Map([
      [
        referenceKey(
          'air_conditioner',
          'KFR-35GW',
          'refrigerant_leak',
          'suction_pressure_kpa',
          'cooling',
        ),
        { n: 30, mean: 862, m2: 29 * 15 ** 2 },
      ],
    ]);
    const own = createDiagnosticsEngine({ profiles: PROFILES, warmupSamples: 50 });
    const calibrated = createDiagnosticsEngine({
      profiles: PROFILES,
      warmupSamples: 50,
      references,
    });
    const g1 = gauss(rng(12));
    const g2 = gauss(rng(12));
    for (let i = 0; i < 80; i++) {
      own.process(leaking(i, g1));
      calibrated.process(leaking(i, g2));
    }
    expect(suctionBaseline(own)).toBeLessThan(650); // learnt its leaking state as normal
    expect(suctionBaseline(calibrated)).toBe(862);
    const hi = (e: typeof own) =>
      e
        .health('ac-old')!
        .modes.find((m) => m.modeId === 'refrigerant_leak')!
        .contributions.find((c) => c.metric === 'suction_pressure_kpa')!.points;
    expect(hi(own)).toBeLessThan(5);
    expect(hi(calibrated)).toBeGreaterThan(10);
    // The engine works on a copy: the references given stay as they were.
    expect(references.values().next().value).toEqual({ n: 30, mean: 862, m2: 29 * 15 ** 2 });
  });
});

describe('health agrees with alerts; units that start degraded (issue 19)', () => {
  /** An excavator digging (pressure well above idle): coolant and oil temperatures under load. */
  const digging = (
    deviceId: string,
    i: number,
    g: () => number,
    offset: { coolant?: number; oil?: number } = {},
    stepMs = 10 * MINUTE,
  ): Sample => ({
    deviceId,
    category: 'excavator',
    model: 'SY215C',
    ts: T0 + i * stepMs,
    metrics: {
      engine_rpm: 1800 + 20 * g(),
      coolant_temp_c: 88 + (offset.coolant ?? 0) + 0.4 * g(),
      hydraulic_pressure_bar: 240 + 4 * g(),
      hydraulic_oil_temp_c: 62 + (offset.oil ?? 0) + 0.4 * g(),
      vibration_mm_s: 4 + 0.2 * g(),
      fuel_rate_lph: 18 + 0.5 * g(),
    },
  });
  const radiator = (e: ReturnType<typeof createDiagnosticsEngine>, id: string) =>
    e.health(id)!.modes.find((m) => m.modeId === 'radiator_clogging')!;

  it('a clogged radiator with an open critical alert never shows healthy, whatever its baseline', () => {
    const engine = createDiagnosticsEngine({ profiles: PROFILES, warmupSamples: 50 });
    const g = gauss(rng(31));
    const opened: string[] = [];
    // Clogged before we ever saw it: the baseline is learnt at 107 °C under load.
    for (let i = 0; i < 200; i++)
      for (const c of engine.process(digging('ex-1', i, g, { coolant: 19, oil: 8 })))
        opened.push(`${c.modeId}:${c.severity}`);
    expect(opened).toContain('radiator_clogging:critical');
    const h = radiator(engine, 'ex-1');
    expect(h.contributions.every((c) => c.points < 5)).toBe(true); // its own baseline sees nothing
    expect(h.score).toBeLessThanOrEqual(10);
    expect(engine.health('ex-1')!.score).toBeLessThanOrEqual(10);
  });

  it('in a fleet of nine that warm up together, the one that started clogged is judged from the others', () => {
    const engine = createDiagnosticsEngine({ profiles: PROFILES, warmupSamples: 50 });
    const g = gauss(rng(32));
    const u = rng(33);
    const units = Array.from({ length: 9 }, (_, k) => ({
      id: `ex-${k}`,
      // Unit-to-unit spread of about 1 °C; unit 4 already two-thirds clogged.
      offset:
        k === 4 ? { coolant: 12, oil: 5 } : { coolant: 2 * (u() - 0.5), oil: 2 * (u() - 0.5) },
    }));
    for (let i = 0; i < 3 * 144; i++)
      for (const x of units) engine.process(digging(x.id, i, g, x.offset));
    const clogged = radiator(engine, 'ex-4');
    expect(clogged.indicator).toBeGreaterThan(0.5);
    expect(clogged.score).toBeLessThan(50);
    const coolant = engine
      .baselines('ex-4')
      .find((b) => b.modeId === 'radiator_clogging' && b.metric === 'coolant_temp_c')!;
    expect(Math.abs(coolant.baseline - 88)).toBeLessThan(1.5); // the others' baseline, not its own 100
    for (const x of units.filter((x) => x.id !== 'ex-4'))
      expect(radiator(engine, x.id).score, x.id).toBeGreaterThan(85);
  });

  it('a fleet too small to tell keeps each unit’s own baseline', () => {
    const engine = createDiagnosticsEngine({ profiles: PROFILES, warmupSamples: 50 });
    const g = gauss(rng(34));
    const units = [0, 12, 0.5].map((coolant, k) => ({ id: `ex-s${k}`, offset: { coolant } }));
    for (let i = 0; i < 3 * 144; i++)
      for (const x of units) engine.process(digging(x.id, i, g, x.offset));
    expect(radiator(engine, 'ex-s1').score).toBeGreaterThan(85);
  });
});

describe('an uploaded remaining-life model in the engine (issue 19)', () => {
  const HOUR = 3_600_000;
  /** Stand-in for a learnt model: RUL (hours) from the last row's coolant, 1000 h at 88 °C. */
  const stream: RulStream = {
    stateSize: 2,
    init: (s, o) => s.fill(0, o, o + 2),
    push(s, o, row) {
      s[o] = row[0]!;
      s[o + 1] = s[o + 1]! + 1;
    },
    rows: (s, o) => s[o + 1]!,
    predict: (s, o) =>
      s[o + 1]! < 1
        ? null
        : (() => {
            const rul = Math.max(0, Math.min(1000, (1000 * (106 - s[o]!)) / 18));
            return { rul, lower: 0.7 * rul, upper: 1.3 * rul, reference: 'unit' as const };
          })(),
  };
  // The fields the service reads (the stand-in stream above replaces the trees).
  const artefact = {
    format: 'sanbao.rul-model',
    formatVersion: 1,
    id: 'feedfacecafebeef',
    createdAt: '2026-01-02T00:00:00.000Z',
    sensors: ['coolant'],
    rowInterval: 24,
    cap: 1000,
    training: { units: 40, rows: 4000, seconds: 30, seed: 7, method: 'stand-in' },
    cv: {
      protocol: 'unit-wise',
      folds: 5,
      cutsPerUnit: 3,
      horizon: 125,
      rmse: 55,
      phm08Per100: 900,
      bias: 1,
      coverage: 0.81,
      level: 0.8,
      lifeRmse: 20,
      lifePhm08Per100: 300,
    },
  } as unknown as RulModelArtefact;
  const doc = {
    kind: 'rul-model' as const,
    category: 'excavator' as const,
    model: null,
    note: null,
    mode: 'radiator_clogging',
    mapping: { coolant: 'coolant_temp_c' },
    timeUnit: HOUR,
    condition: 'working',
    alertWithin: null,
    artefact,
  };

  it('gives the mode its remaining life, raises it within the horizon, and names the model', () => {
    const catalog = composeCatalog(
      PROFILES,
      [{ kind: 'rul-model', key: 'excavator/*/radiator_clogging', version: 2, doc }],
      { load: () => ({ artefact, stream }) },
    );
    expect(catalog.problems('excavator', 'SY215C')).toEqual([]);
    const engine = createDiagnosticsEngine({ profiles: PROFILES, catalog, warmupSamples: 50 });
    const g = gauss(rng(41));
    const opened: AlertCandidate[] = [];
    // Hourly, working 06–22 h, coolant from 88 °C rising to 106 °C at day 40 (then failure).
    for (let h = 0; h < 39 * 24; h++) {
      const working = h % 24 >= 6 && h % 24 < 22;
      opened.push(
        ...engine.process({
          deviceId: 'ex-m',
          category: 'excavator',
          model: 'SY215C',
          ts: T0 + h * HOUR,
          metrics: {
            engine_rpm: working ? 1800 : 0,
            hydraulic_pressure_bar: working ? 240 + 3 * g() : 0,
            coolant_temp_c: working ? 88 + (18 * h) / (40 * 24) + 0.3 * g() : 30,
            hydraulic_oil_temp_c: working ? 60 + 0.3 * g() : 25,
            vibration_mm_s: working ? 4 + 0.2 * g() : 0,
            fuel_rate_lph: working ? 18 : 0,
          },
        }),
      );
    }
    const c = opened.find((x) => x.modeId === 'radiator_clogging')!;
    expect(c).toBeDefined();
    // Raised once the model said ≤ 14 days (the mode's major horizon): major, then critical.
    expect(c.predictedFailure!.at - c.ts).toBeLessThanOrEqual(14 * 24 * HOUR);
    const model = c.evidence.find((e) => e.detector === 'rul-model')!.model!;
    expect(model).toMatchObject({
      id: 'feedfacecafebeef',
      version: 2,
      training: { units: 40, method: 'stand-in' },
      cv: { rmse: 55, coverage: 0.81 },
      timeUnitMs: HOUR,
    });
    expect(c.predictedFailure!.confidence).toBe(0.8);
    expect(opened.some((x) => x.modeId === 'radiator_clogging' && x.severity === 'critical')).toBe(
      true,
    );
    const h = engine.health('ex-m')!.modes.find((m) => m.modeId === 'radiator_clogging')!;
    const truth = 24 * HOUR; // the last sample is a day before failure
    expect(h.rul!.rulMs).toBeLessThan(3 * truth);
    expect(h.rul!.lowMs).toBeLessThan(h.rul!.rulMs);
    expect(h.rul!.highMs).toBeGreaterThan(h.rul!.rulMs);
    expect(h.score).toBeLessThan(10);
  });

  it('a mapping to a metric the category does not have, or a sudden mode, is refused', () => {
    const load = () => ({ artefact, stream });
    const bad = composeCatalog(
      PROFILES,
      [
        {
          kind: 'rul-model',
          key: 'excavator/*/coolant_sensor_open_circuit',
          version: 1,
          doc: {
            ...doc,
            mode: 'coolant_sensor_open_circuit',
            // A column the learner left out may stay mapped, to a metric the category has.
            mapping: { coolant: 'coolant_temp', unused: 'fuel_rate_lph', dropped: 'fuel_rate' },
          },
        },
      ],
      { load },
    );
    expect(bad.problems('excavator', '*').map((p) => [p.path.join('.'), p.message])).toEqual([
      ['mode', expect.stringMatching(/^coolant_sensor_open_circuit is a sudden mode/)],
      ['mapping.coolant', expect.stringMatching(/^unknown metric coolant_temp for excavator/)],
      ['mapping.dropped', expect.stringMatching(/^unknown metric fuel_rate for excavator/)],
    ]);
  });
});
