import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCandidate } from './alert-store.contract.ts';
import type { AlertStore } from './alert-store.ts';
import type { DetectorStateStore, DeviceSnapshot } from './state-store.ts';

const T0 = Date.parse('2026-03-01T08:00:00Z');

/** A snapshot as the engine makes one; `over` changes what a test cares about. */
function snap(deviceId: string, over: Partial<DeviceSnapshot> = {}): DeviceSnapshot {
  return {
    deviceId,
    category: 'air_conditioner',
    model: 'KFR-35GW',
    fingerprint: '12:abc',
    lastTs: T0,
    numbers: Float64Array.from([1.5, NaN, Infinity, -0.25, 0, 1e300, -Infinity, 42]),
    open: [makeCandidate({ deviceId })],
    anomaly: null,
    ...over,
  };
}

/**
 * The behaviour every DetectorStateStore backend must have. `makeStore` returns a fresh,
 * migrated store and the alert store on the same database (claims report the active alerts).
 */
export function describeDetectorStateStoreContract(
  name: string,
  makeStore: () => Promise<{
    store: DetectorStateStore;
    alerts: AlertStore;
    cleanup?: () => Promise<void>;
  }>,
): void {
  describe(`DetectorStateStore contract: ${name}`, () => {
    let store: DetectorStateStore;
    let alerts: AlertStore;
    let cleanup: (() => Promise<void>) | undefined;
    let n = 0;
    const dev = () => `st-${name.replace(/\W/g, '')}-${++n}`;

    beforeAll(async () => {
      ({ store, alerts, cleanup } = await makeStore());
    }, 60_000);
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('claims nothing for a device never saved, and a first save stores it', async () => {
      const id = dev();
      expect(await store.claim(id, 'node-a')).toBeUndefined();
      expect(await store.ownerOf(id)).toBeUndefined();
      expect(await store.save('node-a', [snap(id)], T0)).toEqual([]);
      expect(await store.ownerOf(id)).toBe('node-a');
    });

    it('gives back every number bit for bit, candidates with NaN and Infinity, the anomaly', async () => {
      const id = dev();
      const s = snap(id, {
        anomaly: {
          detector: 'ewma',
          severity: 'info',
          findings: [{ metric: 'x', value: NaN, expected: 1, score: Infinity }],
          windowStart: T0,
          windowEnd: T0 + 1,
          message: 'shift',
        },
      });
      await store.save('node-a', [s], T0);
      const peeked = await store.peek(id);
      expect([...peeked!.numbers]).toEqual([...s.numbers]);
      expect(await store.ownerOf(id)).toBe('node-a'); // a look is not a claim
      expect(await store.peek(dev())).toBeUndefined();
      const c = await store.claim(id, 'node-b');
      expect(c).toBeDefined();
      expect(c!.previousOwner).toBe('node-a');
      expect([...c!.snapshot.numbers]).toEqual([...s.numbers]);
      expect(Object.is(c!.snapshot.numbers[1], NaN)).toBe(true);
      expect(c!.snapshot.open[0]!.predictedFailure!.latest).toBe(Infinity);
      expect(c!.snapshot.open[0]!.evidence[0]!.findings[0]!.value).toBeNaN();
      expect(c!.snapshot.anomaly!.findings[0]!.score).toBe(Infinity);
      expect(c!.snapshot).toMatchObject({
        deviceId: id,
        category: 'air_conditioner',
        model: 'KFR-35GW',
        fingerprint: '12:abc',
        lastTs: T0,
      });
    });

    it('refuses a save by a node that lost the device, and takes the owner’s', async () => {
      const id = dev();
      await store.save('node-a', [snap(id, { lastTs: T0 })], T0);
      await store.claim(id, 'node-b');
      const other = dev();
      // A batch: the lost device is refused, the rest of the batch is saved.
      expect(await store.save('node-a', [snap(id, { lastTs: T0 + 5 }), snap(other)], T0)).toEqual([
        id,
      ]);
      expect(await store.ownerOf(other)).toBe('node-a');
      expect(await store.save('node-b', [snap(id, { lastTs: T0 + 9 })], T0)).toEqual([]);
      const c = await store.claim(id, 'node-b');
      expect(c!.snapshot.lastTs).toBe(T0 + 9);
      expect(c!.previousOwner).toBe('node-b');
    });

    it('says which modes have an active alert when a state is claimed', async () => {
      const id = dev();
      await store.save('node-a', [snap(id)], T0);
      expect((await store.claim(id, 'node-a'))!.activeModes).toEqual([]);
      const { alert } = await alerts.upsert(makeCandidate({ deviceId: id }), T0);
      expect((await store.claim(id, 'node-a'))!.activeModes).toEqual([alert.modeId]);
      await alerts.resolve(alert.id, 'eng', T0 + 1);
      expect((await store.claim(id, 'node-a'))!.activeModes).toEqual([]);
    });

    it('takes over the states of an owner that stopped saying it is alive: each once, among racing nodes', async () => {
      const dead = `dead-${name.replace(/\W/g, '')}`;
      const live = `live-${name.replace(/\W/g, '')}`;
      const theirs = [dev(), dev(), dev()];
      const kept = dev();
      await store.beat(dead);
      await store.save(
        dead,
        theirs.map((id) => snap(id)),
        T0,
      );
      const { alert } = await alerts.upsert(makeCandidate({ deviceId: theirs[0]! }), T0);
      await store.save(live, [snap(kept)], T0);
      await new Promise((r) => setTimeout(r, 1_000));
      await store.beat(live);
      // Alive within the bound: nothing is taken.
      expect(await store.takeOver('node-x', 60_000, 500)).toEqual([]);
      // Two nodes at once, the dead owner silent for 1 s (dead after 0.5 s, the live one beat
      // just now): each state goes to one of them.
      const [x, y] = await Promise.all([
        store.takeOver('node-x', 500, 500),
        store.takeOver('node-y', 500, 500),
      ]);
      const taken = [...x!, ...y!];
      expect(taken.map((c) => c.snapshot.deviceId).sort()).toEqual([...theirs].sort());
      expect(taken.every((c) => c.previousOwner === dead)).toBe(true);
      const first = taken.find((c) => c.snapshot.deviceId === theirs[0])!;
      expect(first.activeModes).toEqual([alert.modeId]);
      expect([...first.snapshot.numbers]).toEqual([...snap(theirs[0]!).numbers]);
      for (const c of x!) expect(await store.ownerOf(c.snapshot.deviceId)).toBe('node-x');
      expect(await store.ownerOf(kept)).toBe(live);
      // Done once: the takers have no row of their own yet, the dead owner no states left.
      expect(await store.takeOver('node-z', 500, 500)).toEqual([]);
      // The dead owner's save is refused now, and a device claimed anew moves as before.
      expect(await store.save(dead, [snap(theirs[1]!)], T0)).toEqual([theirs[1]]);
      expect((await store.claim(theirs[1]!, 'node-z'))!.previousOwner).not.toBe(dead);
    });

    it('reads many devices’ states for their health at once: numbers bit for bit, when saved', async () => {
      const withCandidate = dev();
      const bare = dev();
      const never = dev();
      await store.save('node-a', [snap(withCandidate)], T0);
      await store.save(
        'node-b',
        [
          snap(bare, {
            open: [],
            numbers: Float64Array.from([NaN, 3]),
            anomaly: {
              detector: 'ewma',
              severity: 'info',
              findings: [],
              windowStart: T0,
              windowEnd: T0 + 1,
              message: 'shift',
            },
          }),
        ],
        T0 + 60_000,
      );
      expect(await store.healthStates([])).toEqual([]);
      const got = await store.healthStates([never, bare, withCandidate, bare]);
      const byId = new Map(got.map((g) => [g.snapshot.deviceId, g]));
      expect([...byId.keys()].sort()).toEqual([bare, withCandidate].sort()); // never saved: left out
      const a = byId.get(withCandidate)!;
      expect(a.savedAt).toBe(T0);
      expect([...a.snapshot.numbers]).toEqual([...snap(withCandidate).numbers]);
      expect(a.snapshot).toMatchObject({ category: 'air_conditioner', model: 'KFR-35GW' });
      expect(a.snapshot.open[0]!.predictedFailure!.latest).toBe(Infinity);
      expect(a.snapshot.open[0]!.evidence[0]!.findings[0]!.value).toBeNaN();
      const b = byId.get(bare)!;
      expect(b.savedAt).toBe(T0 + 60_000);
      expect(b.snapshot.open).toEqual([]);
      expect(b.snapshot.anomaly).toBeNull(); // health does not read it
      expect(Object.is(b.snapshot.numbers[0], NaN)).toBe(true);
      expect(await store.ownerOf(bare)).toBe('node-b'); // a read, not a claim
    });

    it('reads 6,000 devices’ states for health (more than one statement’s worth)', async () => {
      const states = Array.from({ length: 6_000 }, (_, i) =>
        snap(dev(), { numbers: Float64Array.from([i]), open: [] }),
      );
      for (let i = 0; i < states.length; i += 500)
        await store.save('node-a', states.slice(i, i + 500), T0);
      const got = await store.healthStates(states.map((s) => s.deviceId));
      expect(got).toHaveLength(6_000);
      const n = new Map(got.map((g) => [g.snapshot.deviceId, g.snapshot.numbers[0]]));
      expect(states.every((s, i) => n.get(s.deviceId) === i)).toBe(true);
    }, 60_000);

    it('saves a batch of 500 in one call', async () => {
      const states = Array.from({ length: 500 }, () => snap(dev()));
      expect(await store.save('node-a', states, T0)).toEqual([]);
      const last = states[499]!.deviceId;
      expect((await store.claim(last, 'node-a'))!.snapshot.numbers).toHaveLength(8);
    });
  });
}
