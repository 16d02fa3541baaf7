import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertStore } from './alert-store.ts';
import type { AlertCandidate, Severity } from './types.ts';

const T0 = Date.parse('2026-03-01T08:00:00Z');

/** A valid candidate as the engine makes it; `over` changes what a test cares about. */
export function makeCandidate(over: Partial<AlertCandidate> = {}): AlertCandidate {
  const deviceId = over.deviceId ?? 'dev-1';
  const modeId = over.modeId ?? 'refrigerant_leak';
  return {
    key: `${deviceId}/${modeId}`,
    deviceId,
    category: 'air_conditioner',
    model: 'KFR-35GW',
    modeId,
    modeName: 'Refrigerant leak',
    component: 'refrigerant circuit',
    severity: 'major',
    ts: T0,
    revision: 1,
    predictedFailure: { at: T0 + 9e8, earliest: T0 + 5e8, latest: Infinity, confidence: 0.9 },
    evidence: [
      {
        detector: 'gap',
        metrics: ['indoor_temp_c'],
        windowStart: T0 - 60_000,
        windowEnd: T0,
        findings: [{ metric: 'indoor_temp_c', value: NaN, expected: 24, score: 2.5 }],
        contributions: [{ metric: 'indoor_temp_c', points: 12, value: 27, baseline: 24 }],
        message: 'no data',
      },
    ],
    action: { zh: '检漏补氟', en: 'Find the leak, recharge' },
    parts: ['R32 refrigerant'],
    names: {
      mode: { zh: '冷媒泄漏', en: 'Refrigerant leak' },
      component: { zh: '制冷系统', en: 'Refrigeration system' },
      parts: [{ zh: 'R32 冷媒', en: 'R32 refrigerant' }],
    },
    ...over,
  };
}

/**
 * The behaviour every AlertStore backend must have (docs/style.md §1). `makeStore` returns a fresh,
 * migrated store; `cleanup` releases what it made; `linkDevice` makes a device the
 * manufacturer's (a warranty unit of that manufacturer linked to it, core/tenant.ts).
 */
export function describeAlertStoreContract(
  name: string,
  makeStore: () => Promise<{
    store: AlertStore;
    cleanup?: () => Promise<void>;
    linkDevice: (deviceId: string, manufacturer: string) => Promise<void>;
  }>,
): void {
  describe(`AlertStore contract: ${name}`, () => {
    let store: AlertStore;
    let cleanup: (() => Promise<void>) | undefined;
    let linkDevice: (deviceId: string, manufacturer: string) => Promise<void>;
    let n = 0;
    const dev = () => `dev-${name.replace(/\W/g, '')}-${++n}`;
    const open = async (over: Partial<AlertCandidate> = {}) =>
      (await store.upsert(makeCandidate({ deviceId: dev(), ...over }), T0)).alert;
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => 'no error',
        (e: { code?: string }) => e.code,
      );

    // Booting PGlite and migrating takes seconds on a loaded 2-core machine.
    beforeAll(async () => {
      ({ store, cleanup, linkDevice } = await makeStore());
    }, 60_000);
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('opens one alert per device and mode; a higher severity raises it, a lower one does not', async () => {
      const d = dev();
      const first = await store.upsert(makeCandidate({ deviceId: d, severity: 'minor' }), T0);
      expect(first.change).toBe('opened');
      expect(first.alert).toMatchObject({ deviceId: d, status: 'open', severity: 'minor' });
      const same = await store.upsert(makeCandidate({ deviceId: d, severity: 'minor' }), T0 + 1);
      expect(same).toMatchObject({ change: 'unchanged', alert: { id: first.alert.id } });
      const up = await store.upsert(makeCandidate({ deviceId: d, severity: 'critical' }), T0 + 2);
      expect(up).toMatchObject({ change: 'raised', alert: { id: first.alert.id, revision: 2 } });
      const down = await store.upsert(makeCandidate({ deviceId: d, severity: 'info' }), T0 + 3);
      expect(down.alert.severity).toBe('critical');
      const other = await store.upsert(makeCandidate({ deviceId: d, modeId: 'fan_bearing' }), T0);
      expect(other.change).toBe('opened');
      expect((await store.history(first.alert.id)).map((h) => h.action)).toEqual([
        'opened',
        'raised',
      ]);
    });

    it('keeps evidence, predicted failure, action and parts as JSON; non-finite numbers as null', async () => {
      const a = (await store.get((await open()).id))!;
      expect(a.predictedFailure).toEqual({
        at: new Date(T0 + 9e8).toISOString(),
        earliest: new Date(T0 + 5e8).toISOString(),
        latest: null,
        confidence: 0.9,
      });
      expect(a.evidence[0]!.findings[0]).toEqual({
        metric: 'indoor_temp_c',
        value: null,
        expected: 24,
        score: 2.5,
      });
      expect(a.evidence[0]!.contributions[0]!.points).toBe(12);
      expect(a.action.zh).toBe('检漏补氟');
      expect(a.parts).toEqual(['R32 refrigerant']);
      expect(a.names).toEqual({
        mode: { zh: '冷媒泄漏', en: 'Refrigerant leak' },
        component: { zh: '制冷系统', en: 'Refrigeration system' },
        parts: [{ zh: 'R32 冷媒', en: 'R32 refrigerant' }],
      });
      expect(a.detectedAt).toBe(new Date(T0).toISOString());
      const none = await open({ predictedFailure: undefined });
      expect(none.predictedFailure).toBeNull();
      // An uploaded model's evidence: which model, its training and CV, its prediction.
      const model = {
        id: '00ff00ff00ff00ff',
        version: 2,
        createdAt: '2026-01-01T00:00:00.000Z',
        training: { units: 40, rows: 5000, seconds: 61, seed: 1, method: 'gbt' },
        cv: {
          protocol: 'unit-wise',
          folds: 5,
          cutsPerUnit: 3,
          horizon: 125,
          rmse: 14.2,
          phm08Per100: 900,
          bias: 1,
          coverage: 0.81,
          level: 0.8,
          lifeRmse: 20,
          lifePhm08Per100: 300,
        },
        timeUnitMs: 3_600_000,
        rul: 120.5,
        lower: 80,
        upper: Infinity,
      };
      const base = makeCandidate().evidence[0]!;
      const withModel = await open({ evidence: [{ ...base, detector: 'rul-model', model }] });
      expect((await store.get(withModel.id))!.evidence[0]!.model).toEqual({
        ...model,
        upper: null,
      });
    });

    it('walks open → acknowledged (by whom, when) → resolved with a repair reference', async () => {
      const a = await open();
      const ack = await store.acknowledge(a.id, 'eng-zhang', T0 + 60_000);
      expect(ack).toMatchObject({
        status: 'acknowledged',
        acknowledgedBy: 'eng-zhang',
        acknowledgedAt: new Date(T0 + 60_000).toISOString(),
      });
      const done = await store.resolve(a.id, 'eng-zhang', T0 + 120_000, 'RO-42');
      expect(done).toMatchObject({ status: 'resolved', repairRef: 'RO-42', closedBy: 'eng-zhang' });
      const h = await store.history(a.id);
      expect(h.map((x) => [x.action, x.fromStatus, x.toStatus, x.actor])).toEqual([
        ['opened', null, 'open', null],
        ['acknowledged', 'open', 'acknowledged', 'eng-zhang'],
        ['resolved', 'acknowledged', 'resolved', 'eng-zhang'],
      ]);
      // A closed alert frees its device+mode: the next candidate opens a new alert.
      const again = await store.upsert(makeCandidate({ deviceId: a.deviceId }), T0 + 200_000);
      expect(again.change).toBe('opened');
      expect(again.alert.id).not.toBe(a.id);
    });

    it('dismisses with a reason, directly from open', async () => {
      const a = await open();
      const d = await store.dismiss(a.id, 'eng-li', T0 + 1, 'sensor was being serviced');
      expect(d).toMatchObject({ status: 'dismissed', dismissReason: 'sensor was being serviced' });
    });

    it('refuses illegal transitions with a coded error and unknown ids with another', async () => {
      const a = await open();
      await store.resolve(a.id, 'x', T0 + 1);
      expect(await codeOf(store.acknowledge(a.id, 'x', T0 + 2))).toBe(
        'DIAGNOSTICS_ERR_ILLEGAL_TRANSITION',
      );
      expect(await codeOf(store.dismiss(a.id, 'x', T0 + 2, 'r'))).toBe(
        'DIAGNOSTICS_ERR_ILLEGAL_TRANSITION',
      );
      expect(await codeOf(store.assign(a.id, 'x', 'x', T0 + 2))).toBe(
        'DIAGNOSTICS_ERR_ILLEGAL_TRANSITION',
      );
      const b = await open();
      await store.acknowledge(b.id, 'x', T0 + 1);
      expect(await codeOf(store.acknowledge(b.id, 'x', T0 + 2))).toBe(
        'DIAGNOSTICS_ERR_ILLEGAL_TRANSITION',
      );
      expect(await codeOf(store.acknowledge('al_nope', 'x', T0))).toBe(
        'DIAGNOSTICS_ERR_UNKNOWN_ALERT',
      );
      expect(await store.get('al_nope')).toBeUndefined();
    });

    it('assigns, keeps comments in order, and records the assignment', async () => {
      const a = await open();
      expect((await store.assign(a.id, 'eng-wang', 'lead', T0 + 1)).assignee).toBe('eng-wang');
      await store.addComment(a.id, 'eng-wang', '明天上门', T0 + 2);
      await store.addComment(a.id, 'lead', 'bring R32', T0 + 3);
      expect((await store.comments(a.id)).map((c) => c.text)).toEqual(['明天上门', 'bring R32']);
      expect((await store.assign(a.id, null, 'lead', T0 + 4)).assignee).toBeNull();
      expect((await store.history(a.id)).filter((h) => h.action === 'assigned')).toHaveLength(2);
      expect(await codeOf(store.addComment('al_nope', 'x', 'y', T0))).toBe(
        'DIAGNOSTICS_ERR_UNKNOWN_ALERT',
      );
    });

    it('lists with filters and pagination, newest first, with the total', async () => {
      const d = dev();
      const sev: Severity[] = ['minor', 'major', 'critical'];
      const ids: string[] = [];
      for (const [i, s] of sev.entries()) {
        const c = makeCandidate({ deviceId: d, modeId: `m${i}`, severity: s });
        ids.push((await store.upsert(c, T0 + i * 1000)).alert.id);
      }
      await store.acknowledge(ids[0]!, 'x', T0 + 5000);
      const all = await store.list({ deviceId: d });
      expect(all.total).toBe(3);
      expect(all.alerts.map((a) => a.id)).toEqual([...ids].reverse());
      expect((await store.list({ deviceId: d, status: 'open' })).total).toBe(2);
      expect((await store.list({ deviceId: d, severity: 'critical' })).alerts[0]!.id).toBe(ids[2]);
      expect((await store.list({ deviceId: d, modeId: 'm1' })).alerts.map((a) => a.id)).toEqual([
        ids[1],
      ]);
      expect((await store.list({ deviceId: d, category: 'tv' })).total).toBe(0);
      const page = await store.list({ deviceId: d, limit: 1, offset: 1 });
      expect(page).toMatchObject({ total: 3, alerts: [{ id: ids[1] }] });
    });

    it('filters by assignee and by the manufacturer of the device; the total counts only matches', async () => {
      const [g1, g2, m1, free] = [dev(), dev(), dev(), dev()];
      await linkDevice(g1, `Gree-${name}`);
      await linkDevice(g2, `Gree-${name}`);
      await linkDevice(m1, `Midea-${name}`);
      const ids: Record<string, string> = {};
      for (const [i, d] of [g1, g2, m1, free].entries())
        ids[d] = (await store.upsert(makeCandidate({ deviceId: d }), T0 + i * 1000)).alert.id;
      const gree = await store.list({ manufacturer: `Gree-${name}` });
      expect(gree.total).toBe(2);
      expect(gree.alerts.map((a) => a.id)).toEqual([ids[g2], ids[g1]]);
      expect(await store.list({ manufacturer: `Gree-${name}`, limit: 1, offset: 1 })).toMatchObject(
        { total: 2, alerts: [{ id: ids[g1] }] },
      );
      expect((await store.list({ manufacturer: `Gree-${name}`, deviceId: m1 })).total).toBe(0);
      expect((await store.list({ manufacturer: 'Nobody' })).total).toBe(0);

      await store.assign(ids[m1]!, `eng-${name}`, 'lead', T0 + 5000);
      await store.assign(ids[g1]!, `eng-${name}`, 'lead', T0 + 5000);
      const mine = await store.list({ assignee: `eng-${name}` });
      expect(mine.total).toBe(2);
      expect(mine.alerts.map((a) => a.id)).toEqual([ids[m1], ids[g1]]);
      expect(
        (await store.list({ assignee: `eng-${name}`, manufacturer: `Midea-${name}` })).alerts.map(
          (a) => a.id,
        ),
      ).toEqual([ids[m1]]);
    });

    it('finds open alerts due for escalation and records each escalation', async () => {
      const d = dev();
      const a = (await store.upsert(makeCandidate({ deviceId: d }), T0)).alert;
      const acked = (await store.upsert(makeCandidate({ deviceId: d, modeId: 'x' }), T0)).alert;
      await store.acknowledge(acked.id, 'x', T0 + 1);
      const due = async (before: number) =>
        (await store.dueForEscalation(before)).filter((x) => x.deviceId === d).map((x) => x.id);
      expect(await due(T0 - 1)).toEqual([]);
      expect(await due(T0)).toEqual([a.id]);
      const e = await store.escalate(a.id, 'critical', T0 + 30 * 60_000);
      expect(e).toMatchObject({ severity: 'critical', escalations: 1, status: 'open' });
      expect(e.escalatedAt).toBe(new Date(T0 + 30 * 60_000).toISOString());
      expect(await due(T0 + 30 * 60_000 - 1)).toEqual([]);
      expect(await due(T0 + 30 * 60_000)).toEqual([a.id]);
      const h = (await store.history(a.id)).at(-1)!;
      expect(h).toMatchObject({
        action: 'escalated',
        severity: 'critical',
        detail: { from: 'major' },
      });
    });

    it('escalates a due alert once when several timers claim it at the same time', async () => {
      const d = dev();
      const a = (await store.upsert(makeCandidate({ deviceId: d }), T0)).alert;
      const at = T0 + 30 * 60_000;
      const claims = await Promise.all(
        [1, 2, 3].map(() => store.escalateIfDue(a.id, 'critical', at, at - 30 * 60_000)),
      );
      expect(claims.filter((x) => x !== undefined)).toHaveLength(1);
      expect(await store.get(a.id)).toMatchObject({ escalations: 1, severity: 'critical' });
      expect((await store.history(a.id)).filter((h) => h.action === 'escalated')).toHaveLength(1);
      // Not due again until another period passes; acknowledged, never.
      expect(await store.escalateIfDue(a.id, 'critical', at + 1, at - 1)).toBeUndefined();
      await store.acknowledge(a.id, 'eng', at + 2);
      expect(await store.escalateIfDue(a.id, 'critical', at + 3, at + 3)).toBeUndefined();
    });
  });
}
