import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPglite, type Sql } from '../core/db.ts';
import { makeCandidate } from './alert-store.contract.ts';
import { createAlertService, type AlertNotification } from './alerts.ts';
import { createSqlAlertStore } from './stores/sql-alerts.ts';

const T0 = Date.parse('2026-03-01T08:00:00Z');
const MIN = 60_000;

describe('AlertService', () => {
  let sql: Sql;
  let n = 0;
  // Booting PGlite and migrating takes seconds on a loaded 2-core machine.
  beforeAll(async () => {
    sql = await openPglite();
    await migrate(sql);
  }, 60_000);
  afterAll(() => sql.close());

  /** A service on the shared database with its own clock and a fresh device id. */
  function setup(opts: { escalateAfterMs?: number; cap?: { max: number; windowMs: number } }) {
    const clock = { now: T0 };
    const got: AlertNotification[] = [];
    const closed: string[] = [];
    const svc = createAlertService({
      store: createSqlAlertStore(sql),
      clock: () => clock.now,
      onClosed: (d, m) => closed.push(`${d}/${m}`),
      ...opts,
    });
    svc.subscribe((x) => got.push(x));
    return { svc, clock, got, closed, device: `svc-dev-${++n}` };
  }

  it('stores candidates and notifies openings and severity rises, not repeats', async () => {
    const { svc, got, device } = setup({});
    await svc.accept(makeCandidate({ deviceId: device, severity: 'minor' }));
    await svc.accept(makeCandidate({ deviceId: device, severity: 'minor' }));
    await svc.accept(makeCandidate({ deviceId: device, severity: 'major' }));
    expect(got.map((g) => [g.type, g.alert.severity])).toEqual([
      ['alert.opened', 'minor'],
      ['alert.raised', 'major'],
    ]);
  });

  it('escalates an open alert not acknowledged in time: one step up, re-notified, recorded', async () => {
    const { svc, clock, got, device } = setup({ escalateAfterMs: 30 * MIN });
    await svc.accept(makeCandidate({ deviceId: device, severity: 'minor' }));
    const id = got[0]!.alert.id;
    clock.now = T0 + 29 * MIN;
    expect((await svc.tick()).filter((a) => a.id === id)).toEqual([]);
    clock.now = T0 + 30 * MIN;
    const [e] = (await svc.tick()).filter((a) => a.id === id);
    expect(e).toMatchObject({ severity: 'major', escalations: 1 });
    // Other tests' alerts share the store and may escalate in the same tick: look for this one.
    const escalated = got.filter((n) => n.type === 'alert.escalated' && n.alert.id === id);
    expect(escalated.at(-1)).toMatchObject({
      type: 'alert.escalated',
      alert: { id, severity: 'major' },
    });
    // The next escalation counts from this one, and stops once someone acknowledges.
    clock.now = T0 + 59 * MIN;
    expect((await svc.tick()).filter((a) => a.id === id)).toEqual([]);
    clock.now = T0 + 60 * MIN;
    expect((await svc.tick()).find((a) => a.id === id)?.severity).toBe('critical');
    await svc.acknowledge(id, 'eng-zhang');
    clock.now = T0 + 600 * MIN;
    expect((await svc.tick()).filter((a) => a.id === id)).toEqual([]);
    const h = await svc.store.history(id);
    expect(h.map((x) => x.action)).toEqual(['opened', 'escalated', 'escalated', 'acknowledged']);
  });

  it('caps notifications per device per window, counts what it held back, and reports it next time', async () => {
    const { svc, clock, got, device } = setup({ cap: { max: 2, windowMs: 60 * MIN } });
    const observed: AlertNotification[] = [];
    svc.observe((x) => observed.push(x));
    for (let i = 0; i < 5; i++)
      await svc.accept(makeCandidate({ deviceId: device, modeId: `mode${i}` }));
    expect(got).toHaveLength(2);
    // Internal observers (repeat-failure checks) see every opening, capped or not.
    expect(observed.map((x) => x.type)).toEqual(Array(5).fill('alert.opened'));
    expect(svc.stats()).toMatchObject({ suppressed: 3 });
    // Every alert is still stored: the cap limits noise, never the record.
    expect((await svc.store.list({ deviceId: device })).total).toBe(5);
    // Another device is not affected.
    await svc.accept(makeCandidate({ deviceId: `${device}-other` }));
    expect(got).toHaveLength(3);
    // A person's action is never capped.
    await svc.acknowledge(got[0]!.alert.id, 'eng');
    expect(got.at(-1)!.type).toBe('alert.acknowledged');
    clock.now = T0 + 60 * MIN;
    await svc.accept(makeCandidate({ deviceId: device, modeId: 'mode9' }));
    expect(got.at(-1)).toMatchObject({ type: 'alert.opened', suppressed: 3 });
  });

  it('tells the engine when an alert closes, so the mode can be raised again', async () => {
    const { svc, got, closed, device } = setup({});
    await svc.accept(makeCandidate({ deviceId: device }));
    await svc.dismiss(got[0]!.alert.id, 'eng', 'false alarm: installer test');
    expect(closed).toEqual([`${device}/refrigerant_leak`]);
  });
});
