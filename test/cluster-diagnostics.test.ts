import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connect, connectDevice, provision, waitFor } from './helpers/clients.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * Cluster mode, diagnostics (issue 22): a device's detector state moves with its connection and
 * is kept in PostgreSQL, so a device that warmed up on one node goes on, on another, without a
 * new warm-up; a fault seen through both nodes is one alert; the escalation timers of two
 * nodes escalate an alert once per period. Two nodes on real Redis and PostgreSQL, MQTT over TCP.
 */
const MINUTE = 60_000;
const ESCALATE_MS = 2_000;

/** A running air conditioner in cooling with sensor noise; `fanDead` seizes the indoor fan. */
function acMetrics(i: number, fanDead: boolean) {
  // Deterministic noise: a few incommensurate sines.
  const g = (k: number) => Math.sin(i * 1.7 + k) * 0.8 + Math.sin(i * 0.31 + 2 * k) * 0.6;
  const freq = 50 + 2 * g(1);
  return {
    indoor_temp_c: 25 + 0.1 * g(2) + (fanDead ? 4 : 0),
    outdoor_temp_c: 32 + 0.2 * g(3),
    setpoint_c: 25,
    supply_air_temp_c: 13.5 + 0.3 * g(4),
    compressor_current_a: 0.075 * freq + 0.08 * g(5),
    compressor_freq_hz: freq,
    discharge_temp_c: 32 + 23 + 0.23 * freq + 0.5 * g(6),
    evaporator_temp_c: 7.5 + 0.3 * g(7) - (fanDead ? 10 : 0),
    condenser_temp_c: 44 + 0.4 * g(8),
    suction_pressure_kpa: 862 + 10 * g(9),
    fan_rpm: fanDead ? 0 : 1050 + 12 * g(10),
    power_w: 0.075 * freq * 209 + 40 + 12 * g(11),
  };
}

describe('diagnostics across two nodes', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let a: RunningService;
  let b: RunningService;
  let engineer: string;
  const clients: MqttClient[] = [];
  const T0 = Date.now() - 6 * 3_600_000; // device time: 6 h ago, a sample a minute

  beforeAll(async () => {
    redis = await claimRedisDb();
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url };
    // Saves only when a device goes offline and on shutdown: what moves is what those saved.
    const opts = { diagnostics: { tickMs: 100, stateSaveMs: 0, escalateAfterMs: ESCALATE_MS } };
    a = await startService(env, opts);
    b = await startService(env, opts);
    const r = await api<{ token: string }>(a.httpUrl, 'POST', '/api/v1/tokens', a.adminToken, {
      role: 'engineer',
      subject: 'eng-cluster-diag',
    });
    engineer = r.body.token;
  }, 30_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync().catch(() => undefined)));
    await a?.stop();
    await b?.stop();
    await db?.drop();
    await redis?.release();
  });

  /** Publishes samples i ∈ [from, to) at QoS 1 and waits until `node` has judged the last. */
  const publish = async (
    c: MqttClient,
    node: RunningService,
    id: string,
    from: number,
    to: number,
    fanDead = (_i: number) => false,
  ) => {
    for (let i = from; i < to; i++)
      await c.publishAsync(
        `devices/${id}/telemetry`,
        JSON.stringify({ ts: T0 + i * MINUTE, metrics: acMetrics(i, fanDead(i)) }),
        { qos: 1 },
      );
    const last = T0 + (to - 1) * MINUTE;
    await waitFor(
      () => node.service.diagnostics.engine.health(id)?.ts === last,
      10_000,
      `node judged sample ${to - 1}`,
    );
  };
  const alertsOf = async (id: string) =>
    (
      await api<{ alerts: Array<{ id: string; modeId: string; status: string }> }>(
        b.httpUrl,
        'GET',
        `/api/v1/alerts?deviceId=${id}`,
        engineer,
      )
    ).body.alerts;
  const subscriber = async (node: RunningService, id: string) => {
    const c = await connect(node.mqttUrl, { username: 'token', password: engineer });
    clients.push(c);
    const seen: Array<{ type: string; alert: { modeId: string } }> = [];
    c.on('message', (_t, p) => seen.push(JSON.parse(p.toString()) as (typeof seen)[number]));
    await c.subscribeAsync(`alerts/+/${id}`, { qos: 1 });
    return seen;
  };

  it('a device that warmed up on node A goes on at node B: no new warm-up, one alert for its fault', async () => {
    const dev = await provision(a.httpUrl, a.adminToken, 'air_conditioner', 'KFR-35GW');
    const heardA = await subscriber(a, dev.id);
    const heardB = await subscriber(b, dev.id);

    // 150 healthy minutes on A: the sudden modes' templates learn the unit (2 h of operation).
    let d = await connectDevice(a.mqttUrl, dev);
    await publish(d, a, dev.id, 0, 150);
    const learnt = a.service.diagnostics.engine.snapshot(dev.id)!;
    await d.endAsync();
    // Offline: A saves the state (status comes through the broker).
    await waitFor(
      async () =>
        (
          await db.sql.query('SELECT 1 FROM diagnostics_detector_state WHERE device_id = $1', [
            dev.id,
          ])
        ).rows.length === 1,
      10_000,
      'the state saved when the device went offline',
    );

    // The device reconnects through B: B claims the state before judging its first sample.
    d = await connectDevice(b.mqttUrl, dev);
    clients.push(d);
    await publish(d, b, dev.id, 150, 151);
    expect(b.service.diagnostics.states.stats().restored).toBe(1);
    // What A learnt is what B goes on from (the sample just judged aside).
    const there = b.service.diagnostics.engine.snapshot(dev.id)!;
    expect(there.fingerprint).toBe(learnt.fingerprint);
    expect(there.numbers.length).toBe(learnt.numbers.length);

    // The fan seizes: only a warmed-up template sees it (a fresh state would be warming up).
    await publish(d, b, dev.id, 151, 170, (i) => i >= 155);
    await waitFor(async () => (await alertsOf(dev.id)).length > 0, 10_000, 'the alert');
    const [opened] = await alertsOf(dev.id);
    expect(opened).toMatchObject({ modeId: 'indoor_fan_motor_seizure', status: 'open' });

    // Node A's API answers the device's health from B's saved state (B saves every 5 min, or
    // on demand as here), not from what A had before the device left it.
    await b.service.diagnostics.states.save();
    const seenOnB = b.service.diagnostics.engine.health(dev.id)!;
    const fromA = await api<{ ts: number; score: number }>(
      a.httpUrl,
      'GET',
      `/api/v1/devices/${dev.id}/health`,
      engineer,
    );
    expect(fromA.status).toBe(200);
    expect(fromA.body.score).toBe(seenOnB.score);
    expect(seenOnB.score).toBe(0); // the seized fan

    // The device moves back to A, still faulty: A claims B's state with its open candidate.
    await d.endAsync();
    await waitFor(
      async () =>
        (
          await db.sql.query<{ last_ts: number }>(
            'SELECT last_ts FROM diagnostics_detector_state WHERE device_id = $1',
            [dev.id],
          )
        ).rows[0]?.last_ts ===
        T0 + 169 * MINUTE,
      10_000,
      'B saved the state when the device went offline',
    );
    d = await connectDevice(a.mqttUrl, dev);
    clients.push(d);
    await publish(d, a, dev.id, 170, 190, () => true);
    await b.service.diagnostics.alerts.idle();
    await a.service.diagnostics.alerts.idle();

    // One alert, opened once, told once on each node's subscribers.
    const all = await alertsOf(dev.id);
    expect(all.filter((x) => x.modeId === 'indoor_fan_motor_seizure')).toHaveLength(1);
    const { rows } = await db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM alert_history h JOIN alerts a ON a.id = h.alert_id
        WHERE a.device_id = $1 AND h.action = 'opened'`,
      [dev.id],
    );
    expect(rows[0]!.n).toBe(all.length);
    const openedTold = (seen: typeof heardA) =>
      seen.filter((n) => n.type === 'alert.opened' && n.alert.modeId === opened!.modeId);
    await waitFor(() => openedTold(heardA).length > 0, 5_000, 'A’s subscriber told');
    expect(openedTold(heardA)).toHaveLength(1);
    expect(openedTold(heardB)).toHaveLength(1);
  });

  it('two nodes’ escalation timers escalate an overdue alert once per period', async () => {
    const dev = await provision(a.httpUrl, a.adminToken, 'air_conditioner', 'KFR-35GW');
    const d = await connectDevice(a.mqttUrl, dev);
    clients.push(d);
    // A reported fault code opens an alert at once; both nodes tick every 100 ms.
    await d.publishAsync(
      `devices/${dev.id}/events`,
      JSON.stringify({ ts: Date.now(), code: 'E4', severity: 'error' }),
      { qos: 1 },
    );
    await waitFor(async () => (await alertsOf(dev.id)).length === 1, 10_000, 'the alert');
    const [alert] = await alertsOf(dev.id);
    await waitFor(
      async () =>
        (
          await db.sql.query<{ escalations: number }>(
            'SELECT escalations FROM alerts WHERE id = $1',
            [alert!.id],
          )
        ).rows[0]!.escalations >= 2,
      4 * ESCALATE_MS + 5_000,
      'two escalations',
    );
    const { rows } = await db.sql.query<{ at: Date }>(
      `SELECT at FROM alert_history WHERE alert_id = $1 AND action IN ('opened', 'escalated')
        ORDER BY seq`,
      [alert!.id],
    );
    const times = rows.map((r) => new Date(r.at).getTime());
    // Each escalation a full period after the one before: never two nodes in the same period.
    for (let k = 1; k < times.length; k++)
      expect(times[k]! - times[k - 1]!).toBeGreaterThanOrEqual(ESCALATE_MS);
    const { rows: n } = await db.sql.query<{ escalations: number }>(
      'SELECT escalations FROM alerts WHERE id = $1',
      [alert!.id],
    );
    expect(n[0]!.escalations).toBe(times.length - 1);
  });

  it('a node that stops saves its devices’ state; the other node goes on from it', async () => {
    const dev = await provision(a.httpUrl, a.adminToken, 'air_conditioner', 'KFR-35GW');
    const d = await connectDevice(a.mqttUrl, dev);
    await publish(d, a, dev.id, 0, 150);
    await a.stop();
    d.end(true);
    const row = await db.sql.query<{ last_ts: number }>(
      'SELECT last_ts FROM diagnostics_detector_state WHERE device_id = $1',
      [dev.id],
    );
    expect(row.rows[0]!.last_ts).toBe(T0 + 149 * MINUTE);

    const again = await connectDevice(b.mqttUrl, dev);
    clients.push(again);
    const before = b.service.diagnostics.states.stats().restored;
    await publish(again, b, dev.id, 150, 175, (i) => i >= 160);
    expect(b.service.diagnostics.states.stats().restored).toBe(before + 1);
    await waitFor(
      async () => (await alertsOf(dev.id)).some((x) => x.modeId === 'indoor_fan_motor_seizure'),
      10_000,
      'the fault seen on B',
    );
  });
});
