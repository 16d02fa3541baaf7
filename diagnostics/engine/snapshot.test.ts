import { describe, expect, it } from 'vitest';
import type { Sample } from '../../core/sample.ts';
import { createDiagnosticsEngine } from '../engine.ts';
import { staticCatalog } from './catalog.ts';
import { PROFILES } from '../profiles/index.ts';
import { gauss, MINUTE, rng, T0 } from '../testing.ts';

/** A running air conditioner in cooling; `fanDead` seizes the indoor fan. */
function acSample(i: number, g: () => number, fanDead = false, deviceId = 'ac-1'): Sample {
  const freq = 50 + 2 * g();
  return {
    deviceId,
    category: 'air_conditioner',
    model: 'KFR-35GW',
    ts: T0 + i * MINUTE,
    metrics: {
      indoor_temp_c: 25 + 0.1 * g() + (fanDead ? 4 : 0),
      outdoor_temp_c: 32 + 0.2 * g(),
      setpoint_c: 25,
      supply_air_temp_c: 13.5 + 0.3 * g(),
      compressor_current_a: 0.075 * freq + 0.08 * g(),
      compressor_freq_hz: freq,
      discharge_temp_c: 32 + 23 + 0.23 * freq + 0.5 * g(),
      evaporator_temp_c: 7.5 + 0.3 * g() - (fanDead ? 10 : 0),
      condenser_temp_c: 44 + 0.4 * g(),
      suction_pressure_kpa: 862 + 10 * g(),
      fan_rpm: fanDead ? 0 : 1050 + 12 * g(),
      power_w: 0.075 * freq * 209 + 40 + 12 * g(),
    },
  };
}

const engineOf = (warmupSamples = 200) =>
  createDiagnosticsEngine({ profiles: PROFILES, warmupSamples });

describe('detector state snapshots (cluster mode)', () => {
  it('a restored device goes on where it was: same verdicts and health, no new warm-up', () => {
    const a = engineOf();
    const g = gauss(rng(3));
    for (let i = 0; i < 400; i++) a.process(acSample(i, g));
    const snap = a.snapshot('ac-1')!;
    expect(snap.lastTs).toBe(T0 + 399 * MINUTE);
    const b = engineOf();
    expect(b.restore(snap)).toBe(true);
    const fresh = engineOf();
    expect(b.health('ac-1')).toEqual(a.health('ac-1'));
    // The same samples from here on: the fan seizes 20 samples later.
    const seen = { a: [] as string[], b: [] as string[], fresh: [] as string[] };
    for (let i = 400; i < 460; i++) {
      const s = acSample(i, g, i >= 420);
      for (const c of a.process(s)) seen.a.push(c.modeId);
      for (const c of b.process(s)) seen.b.push(c.modeId);
      for (const c of fresh.process(s)) seen.fresh.push(c.modeId);
    }
    expect(seen.a).toContain('indoor_fan_motor_seizure');
    expect(seen.b).toEqual(seen.a);
    expect(b.health('ac-1')).toEqual(a.health('ac-1'));
    // Without the saved state the device is warming up again and the seizure goes unseen.
    expect(seen.fresh).not.toContain('indoor_fan_motor_seizure');
  });

  it('keeps open candidates: a restored device does not open the same mode again', () => {
    const a = engineOf();
    const g = gauss(rng(4));
    let opened = 0;
    for (let i = 0; i < 520; i++) opened += a.process(acSample(i, g, i >= 500)).length;
    expect(opened).toBe(1);
    const b = engineOf();
    b.restore(a.snapshot('ac-1')!);
    expect(b.openCandidates('ac-1').map((c) => c.modeId)).toEqual(['indoor_fan_motor_seizure']);
    for (let i = 520; i < 560; i++) expect(b.process(acSample(i, g, true))).toEqual([]);
  });

  it('refuses a state laid out by another plan (a changed profile): the device starts afresh', () => {
    const a = engineOf(200);
    const g = gauss(rng(5));
    for (let i = 0; i < 300; i++) a.process(acSample(i, g));
    const snap = a.snapshot('ac-1')!;
    const other = engineOf(100); // another warm-up: the detectors' configuration differs
    expect(other.restore(snap)).toBe(false);
    expect(other.has('ac-1')).toBe(false);
    expect(other.restore({ ...snap, category: 'no_such_category' })).toBe(false);
    expect(engineOf(200).restore(snap)).toBe(true);
  });

  it('says which devices changed since it was last asked, each once', () => {
    const e = engineOf();
    const g = gauss(rng(6));
    expect(e.takeChanged()).toEqual([]);
    for (let i = 0; i < 5; i++) {
      e.process(acSample(i, g, false, 'ac-1'));
      e.process(acSample(i, g, false, 'ac-2'));
    }
    expect(e.takeChanged().sort()).toEqual(['ac-1', 'ac-2']);
    expect(e.takeChanged()).toEqual([]);
    e.process(acSample(6, g, false, 'ac-2'));
    e.forget('ac-1');
    expect(e.takeChanged()).toEqual(['ac-2']);
    expect(e.has('ac-1')).toBe(false);
  });
});

describe("a node's fleet references (cluster mode, issue 22)", () => {
  const refsOf = (e: ReturnType<typeof engineOf>) =>
    e.fleetReferences('air_conditioner', 'KFR-35GW');
  /** Three healthy units warmed up on one engine (node A). */
  const warmed = () => {
    const a = engineOf();
    const g = gauss(rng(7));
    for (let i = 0; i < 400; i++)
      for (const id of ['ac-1', 'ac-2', 'ac-3']) a.process(acSample(i, g, false, id));
    return { a, g };
  };

  it('count each unit whose state the node holds once, however often its state comes back', () => {
    const { a, g } = warmed();
    const before = refsOf(a);
    expect(before.length).toBeGreaterThan(0);
    for (const r of before) expect(r.units, r.key).toBe(3);

    // ac-1 goes on at node B, then comes back to A twice (A still held its old state).
    const b = engineOf();
    expect(b.restore(a.snapshot('ac-1')!)).toBe(true);
    for (const r of refsOf(b)) expect(r.units, r.key).toBe(1);
    for (let i = 400; i < 410; i++) b.process(acSample(i, g, false, 'ac-1'));
    expect(a.restore(b.snapshot('ac-1')!)).toBe(true);
    expect(a.restore(b.snapshot('ac-1')!)).toBe(true);
    const after = refsOf(a);
    expect(after.map((r) => r.key)).toEqual(before.map((r) => r.key));
    after.forEach((r, k) => {
      expect(r.units, r.key).toBe(3);
      expect(r.mean, r.key).toBeCloseTo(before[k]!.mean, 9);
      expect(r.sd, r.key).toBeCloseTo(before[k]!.sd, 9);
    });
  });

  it('a unit forgotten (another node owns it) leaves them, and counts once when it returns', () => {
    const { a } = warmed();
    const before = refsOf(a);
    const snap = a.snapshot('ac-2')!;
    a.forget('ac-2');
    for (const r of refsOf(a)) expect(r.units, r.key).toBe(2);
    a.restore(snap);
    refsOf(a).forEach((r, k) => {
      expect(r.units, r.key).toBe(3);
      expect(r.mean, r.key).toBeCloseTo(before[k]!.mean, 9);
    });
    // The last unit leaving leaves nothing behind.
    for (const id of ['ac-1', 'ac-2', 'ac-3']) a.forget(id);
    expect(refsOf(a)).toEqual([]);
  });

  it('a catalogue change moves each unit once: its baselines kept, its membership with them', () => {
    const { a, g } = warmed();
    const before = refsOf(a);
    const base = staticCatalog(PROFILES);
    a.reconfigure({ ...base, version: () => 'v2' }); // same profiles, recompiled plans
    for (const id of ['ac-1', 'ac-2', 'ac-3']) a.process(acSample(400, g, false, id));
    refsOf(a).forEach((r, k) => {
      expect(r.units, r.key).toBe(3);
      expect(r.mean, r.key).toBeCloseTo(before[k]!.mean, 9);
    });
  });
});
