import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../core/sample.ts';
import { migrate, openPglite, type Sql } from '../core/db.ts';
import { createDiagnosticsEngine } from './engine.ts';
import { PROFILES } from './profiles/index.ts';
import { createStateSync } from './state-sync.ts';
import type { DetectorStateStore } from './state-store.ts';
import { createSqlDetectorStateStore } from './stores/sql-detector-state.ts';
import { MINUTE, T0 } from './testing.ts';

const sample = (deviceId: string, i: number, fanDead = false): Sample => ({
  deviceId,
  category: 'air_conditioner',
  model: 'KFR-35GW',
  ts: T0 + i * MINUTE,
  metrics: {
    indoor_temp_c: 25 + 0.1 * Math.sin(i) + (fanDead ? 4 : 0),
    evaporator_temp_c: 7.5 + 0.3 * Math.sin(i * 1.3) - (fanDead ? 10 : 0),
    fan_rpm: fanDead ? 0 : 1050 + 12 * Math.sin(i * 0.7),
    compressor_freq_hz: 50 + 2 * Math.sin(i * 2.1),
  },
});

/** One node: an engine and its state sync on the shared database. */
function node(
  owner: string,
  store: DetectorStateStore,
  clock = () => Date.now(),
  liveness?: { beatMs: number; deadAfterMs: number },
  engineClock?: () => number,
) {
  const engine = createDiagnosticsEngine({
    profiles: PROFILES,
    warmupSamples: 40,
    ...(engineClock ? { clock: engineClock } : {}),
  });
  const errors: string[] = [];
  const sync = createStateSync({
    engine,
    store,
    owner,
    clock,
    saveMs: 0,
    ...(liveness ? { liveness } : {}),
    onError: (_e, what) => errors.push(what),
  });
  const judged: number[] = [];
  const feed = (s: Sample) => {
    const work = () => {
      engine.process(s);
      judged.push(s.ts);
    };
    if (sync.ready(s.deviceId)) work();
    else sync.later(s.deviceId, work);
  };
  return { engine, sync, judged, feed, errors };
}

describe('detector state sync (one owner per device)', () => {
  let sql: Sql;
  let store: DetectorStateStore;
  beforeAll(async () => {
    sql = await openPglite();
    await migrate(sql);
    store = createSqlDetectorStateStore(sql);
  }, 60_000);
  afterAll(() => sql?.close());

  const settle = () => new Promise((r) => setTimeout(r, 50));
  const waitUntil = async (ok: () => boolean) => {
    for (let t = 0; !ok(); t += 20) {
      if (t > 5_000) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('judges a new device’s samples in order once its claim is done', async () => {
    const a = node('a', store);
    for (let i = 0; i < 5; i++) a.feed(sample('d1', i));
    expect(a.sync.ready('d1')).toBe(false);
    expect(a.judged).toEqual([]); // waiting for the claim
    await a.sync.close(); // waits for claims in flight, then saves
    expect(a.judged).toEqual([0, 1, 2, 3, 4].map((i) => T0 + i * MINUTE));
    expect(await store.ownerOf('d1')).toBe('a');
  });

  it('a node whose device another node claimed forgets it at its next save, and stops reporting it', async () => {
    const a = node('a', store);
    const b = node('b', store);
    for (let i = 0; i < 60; i++) a.feed(sample('d2', i));
    await settle();
    expect(await a.sync.save()).toBe(1);
    for (let i = 60; i < 70; i++) b.feed(sample('d2', i));
    await settle();
    expect(b.sync.stats().restored).toBe(1);
    expect(await b.sync.owns('d2')).toBe(true);
    // A still has it in memory (say the device's samples were in flight): its save is refused.
    a.feed(sample('d2', 61));
    expect(await a.sync.save()).toBe(0);
    expect(a.sync.stats().lost).toBe(1);
    expect(a.engine.has('d2')).toBe(false);
    expect(await a.sync.owns('d2')).toBe(false); // its silence is B's to report
    expect(await store.ownerOf('d2')).toBe('b');
    await a.sync.close();
    await b.sync.close();
  });

  it('offline: saved at once, claimed again at the next sample without losing what it holds', async () => {
    const a = node('a', store);
    for (let i = 0; i < 50; i++) a.feed(sample('d3', i));
    await settle();
    await a.sync.offline('d3');
    expect(a.sync.ready('d3')).toBe(false);
    const row = await store.peek('d3');
    expect(row!.lastTs).toBe(T0 + 49 * MINUTE);
    a.feed(sample('d3', 50));
    await settle();
    expect(a.sync.ready('d3')).toBe(true);
    expect(a.sync.stats().restored).toBe(0); // its own, newest state kept
    expect(a.engine.health('d3')!.ts).toBe(T0 + 50 * MINUTE);
    await a.sync.close();
  });

  it('a candidate whose alert was closed meanwhile is not restored; one still active is', async () => {
    const a = node('a', store);
    for (const id of ['d5', 'd6']) for (let i = 0; i < 80; i++) a.feed(sample(id, i, i >= 70));
    await settle();
    const open = a.engine.openCandidates('d5').map((c) => c.modeId);
    expect(open.length).toBeGreaterThan(0);
    expect(a.engine.openCandidates('d6').map((c) => c.modeId)).toEqual(open);
    await a.sync.save();
    // d5's first mode has an active alert; d6's alerts were closed (through some node's API).
    await sql.query(
      `INSERT INTO alerts (id, device_id, category, model, mode_id, mode_name, component, severity,
         status, detected_at, opened_at, updated_at, evidence, action, parts)
       VALUES ('al-d5', 'd5', 'air_conditioner', 'KFR-35GW', $1, 'm', 'c', 'major', 'open',
         now(), now(), now(), '[]', '{}', '[]')`,
      [open[0]],
    );
    const b = node('b', store);
    b.feed(sample('d5', 80, true));
    b.feed(sample('d6', 80, true));
    await settle();
    expect(b.engine.openCandidates('d5').map((x) => x.modeId)).toEqual([open[0]]);
    expect(b.engine.openCandidates('d6')).toEqual([]);
    for (const n of [a, b]) await n.sync.close();
  });

  it('a failed claim judges the device afresh, unsaved, and claims again 5 s later', async () => {
    let now = 1_000_000;
    let fail = true;
    const flaky: DetectorStateStore = {
      ...store,
      claim: (id, owner) => (fail ? Promise.reject(new Error('down')) : store.claim(id, owner)),
    };
    const a = node('a', flaky, () => now);
    a.feed(sample('d4', 0));
    await settle();
    expect(a.judged).toHaveLength(1);
    expect(a.errors[0]).toMatch(/claim failed/);
    a.feed(sample('d4', 1)); // within 5 s: judged at once, no claim
    expect(a.judged).toHaveLength(2);
    expect(await a.sync.save()).toBe(0); // not claimed: not saved over what may be stored
    fail = false;
    now += 5_001;
    a.feed(sample('d4', 2));
    expect(a.judged).toHaveLength(2);
    await settle();
    expect(a.judged).toHaveLength(3);
    expect(a.sync.ready('d4')).toBe(true);
    await a.sync.close();
  });

  it('takes over a dead owner’s states once its own beats have gone through for the bound; silence counts from the dead one’s last beat', async () => {
    const live = { beatMs: 20, deadAfterMs: 1_000 };
    // A's readings arrived 3 min before its save, by the clock the state carries.
    const a = node(
      'live-a',
      store,
      () => Date.now(),
      live,
      () => Date.now() - 3 * MINUTE,
    );
    for (let i = 0; i < 30; i++) a.feed(sample('d8', i));
    await settle();
    expect(await a.sync.save()).toBe(1);
    const b = node('live-b', store, () => Date.now(), live);
    await new Promise((r) => setTimeout(r, 1_000));
    // A stops beating (it dies: its row stays, its states stay its own).
    await a.sync.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(b.engine.has('d8')).toBe(false); // A silent for 100 ms: alive for all B knows
    await waitUntil(() => b.sync.stats().takenOver === 1);
    expect(await store.ownerOf('d8')).toBe('live-b');
    expect(b.sync.ready('d8')).toBe(true);
    // Its last reading on A may be as late as A's last beat: not silent 4 min after that …
    const now = Date.now();
    expect(b.engine.tick(now + 4 * MINUTE)).toEqual([]);
    // … silent 6 min after, once.
    expect(b.engine.tick(now + 6 * MINUTE).map((c) => c.modeId)).toEqual(['data_missing']);
    expect(b.engine.tick(now + 7 * MINUTE)).toEqual([]);
    // A device that comes back through a third node is claimed from B as from any owner.
    const c = node('live-c', store);
    c.feed(sample('d8', 30));
    await settle();
    expect(c.sync.stats().restored).toBe(1);
    expect(await store.ownerOf('d8')).toBe('live-c');
    for (const n of [b, c]) await n.sync.close();
    expect(b.errors).toEqual([]);
  });

  it('a device back on a node that had it counts once in that node’s fleet references', async () => {
    /** A running air conditioner with every metric the degradation modes read. */
    const full = (deviceId: string, i: number): Sample => {
      const g = (k: number) => Math.sin(i * 1.7 + k) * 0.8 + Math.sin(i * 0.31 + 2 * k) * 0.6;
      const freq = 50 + 2 * g(1);
      return {
        ...sample(deviceId, i),
        metrics: {
          indoor_temp_c: 25 + 0.1 * g(2),
          outdoor_temp_c: 32 + 0.2 * g(3),
          setpoint_c: 25,
          supply_air_temp_c: 13.5 + 0.3 * g(4),
          compressor_current_a: 0.075 * freq + 0.08 * g(5),
          compressor_freq_hz: freq,
          discharge_temp_c: 32 + 23 + 0.23 * freq + 0.5 * g(6),
          evaporator_temp_c: 7.5 + 0.3 * g(7),
          condenser_temp_c: 44 + 0.4 * g(8),
          suction_pressure_kpa: 862 + 10 * g(9),
          fan_rpm: 1050 + 12 * g(10),
          power_w: 0.075 * freq * 209 + 40 + 12 * g(11),
        },
      };
    };
    const a = node('fleet-a', store);
    const b = node('fleet-b', store);
    const refs = (n: typeof a) => n.engine.fleetReferences('air_conditioner', 'KFR-35GW');
    const ids = ['f1', 'f2', 'f3'];
    for (let i = 0; i < 80; i++) for (const id of ids) a.feed(full(id, i));
    await settle();
    const before = refs(a);
    expect(before.length).toBeGreaterThan(0);
    for (const r of before) expect(r.units, r.key).toBe(3);

    // f1 goes on through B, then comes back to A (which still held its old state), twice.
    for (let round = 0; round < 2; round++) {
      await a.sync.offline('f1');
      b.feed(full('f1', 80 + 2 * round));
      await waitUntil(() => b.sync.ready('f1'));
      await b.sync.offline('f1');
      a.feed(full('f1', 81 + 2 * round));
      await waitUntil(() => a.sync.ready('f1'));
    }
    expect(a.sync.stats().restored).toBe(2); // B's newer state installed each time
    refs(a).forEach((r, k) => {
      expect(r.units, r.key).toBe(3);
      expect(r.mean, r.key).toBeCloseTo(before[k]!.mean, 9);
    });
    for (const r of refs(b)) expect(r.units, r.key).toBe(1);
    for (const n of [a, b]) await n.sync.close();
    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});
