import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connectDevice, provision, waitFor } from './helpers/clients.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * Cluster mode, fleet health (issue 22): a manufacturer's fleet overview counts the health of
 * every device of its fleet whatever node holds it — live from the answering node's engine for
 * its own devices, from the saved detector states for the others, and says how old those are.
 * Node A runs every role and holds the devices; node B is an API node (SANBAO_ROLES=http), so
 * none of them is held there; node C runs every role and holds one device of its own. Real Redis (a database index) and PostgreSQL: unreachable, this
 * fails rather than skips.
 */
const MINUTE = 60_000;

interface Overview {
  devices: { total: number };
  health: {
    scored: number;
    buckets: Array<{ from: number; to: number; count: number }>;
    fromSavedState: number;
    oldestSavedAt: string | null;
  };
}

/** A running air conditioner in cooling with a little deterministic noise. */
function acMetrics(i: number) {
  const g = (k: number) => Math.sin(i * 1.7 + k) * 0.8 + Math.sin(i * 0.31 + 2 * k) * 0.6;
  const freq = 50 + 2 * g(1);
  return {
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
  };
}

describe('fleet health across cluster nodes', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let a: RunningService;
  let b: RunningService;
  let c: RunningService;
  let gree: string;
  let eng: string;
  const clients: MqttClient[] = [];
  const started = Date.now();
  const T0 = started - 3 * 3_600_000; // device time

  beforeAll(async () => {
    redis = await claimRedisDb();
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url };
    // Detector states saved every 200 ms (5 min otherwise).
    const opts = { diagnostics: { tickMs: 200, stateSaveMs: 200 } };
    a = await startService(env, opts);
    b = await startService({ ...env, SANBAO_ROLES: 'http' }, opts);
    c = await startService(env, opts);
    const issue = async (role: string, subject: string) =>
      (
        await api<{ token: string }>(a.httpUrl, 'POST', '/api/v1/tokens', a.adminToken, {
          role,
          subject,
        })
      ).body.token;
    gree = await issue('manufacturer', 'Gree');
    eng = await issue('engineer', 'eng-fleet-health');
  }, 30_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync().catch(() => undefined)));
    await a?.stop();
    await b?.stop();
    await c?.stop();
    await db?.drop();
    await redis?.release();
  });

  /** A device on `node`, linked to a unit of `manufacturer`, with `n` healthy samples judged. */
  const deviceOn = async (
    node: RunningService,
    serial: string,
    manufacturer: string,
    n: number,
  ) => {
    const dev = await provision(node.httpUrl, node.adminToken, 'air_conditioner', 'KFR-35GW');
    const r = await api(node.httpUrl, 'POST', '/api/v1/warranty/units', eng, {
      serial,
      category: 'air_conditioner',
      model: 'KFR-35GW',
      manufacturer,
      invoiceDate: '2026-01-15',
      deviceId: dev.id,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const client = await connectDevice(node.mqttUrl, dev);
    clients.push(client);
    for (let i = 0; i < n; i++)
      await client.publishAsync(
        `devices/${dev.id}/telemetry`,
        JSON.stringify({ ts: T0 + i * MINUTE, metrics: acMetrics(i) }),
        { qos: 1 },
      );
    await waitFor(
      () => node.service.diagnostics.engine.health(dev.id)?.ts === T0 + (n - 1) * MINUTE,
      10_000,
      `the node judged ${serial}'s samples`,
    );
    return { dev, c: client };
  };
  const deviceOnA = (serial: string, manufacturer: string, n: number) =>
    deviceOn(a, serial, manufacturer, n);
  const overviewOn = async (node: RunningService) => {
    const r = await api<Overview>(node.httpUrl, 'GET', '/api/v1/fleet/overview', gree);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  it('node B, which holds none of them, counts node A’s devices with their health, and says how old', async () => {
    const healthy = await deviceOnA('FH-G1', 'Gree', 5);
    const faulty = await deviceOnA('FH-G2', 'Gree', 5);
    await deviceOnA('FH-M1', 'Midea', 5); // not Gree's: not counted
    // A refrigerant leak code: the mode's open alert pulls the unit's health down.
    await faulty.c.publishAsync(
      `devices/${faulty.dev.id}/events`,
      JSON.stringify({ ts: T0 + 5 * MINUTE, code: 'F0', severity: 'error' }),
      { qos: 1 },
    );
    const live = (id: string) => a.service.diagnostics.engine.health(id)?.score;
    await waitFor(() => (live(faulty.dev.id) ?? 100) < 80, 10_000, 'the faulty unit’s health');
    const scores = [live(healthy.dev.id)!, live(faulty.dev.id)!];
    const bucket = (s: number) => Math.min(4, Math.floor(s / 20));
    expect(bucket(scores[0]!)).not.toBe(bucket(scores[1]!)); // distinct health, told apart
    const expected = [0, 1, 2, 3, 4].map((i) => scores.filter((s) => bucket(s) === i).length);

    // Node A saves its states every 200 ms: node B reads them.
    let onB: Overview | undefined;
    await waitFor(
      async () => {
        onB = await overviewOn(b);
        return onB.health.buckets.every((x, i) => x.count === expected[i]);
      },
      10_000,
      'node B’s overview to count node A’s devices',
    );
    expect(onB!.devices.total).toBe(2);
    expect(onB!.health.scored).toBe(2);
    expect(onB!.health.fromSavedState).toBe(2);
    const savedAt = Date.parse(onB!.health.oldestSavedAt!);
    expect(savedAt).toBeGreaterThanOrEqual(started);
    expect(savedAt).toBeLessThanOrEqual(Date.now());

    // Node A, which holds them, answers from its engine: live, nothing saved to date.
    const onA = await overviewOn(a);
    expect(onA.health.scored).toBe(2);
    expect(onA.health.buckets.map((x) => x.count)).toEqual(expected);
    expect(onA.health.fromSavedState).toBe(0);
    expect(onA.health.oldestSavedAt).toBeNull();
  });

  // Node A's devices from the test above are still there.
  it('node C counts its own device live and node A’s from their saved states', async () => {
    const own = await deviceOn(c, 'FH-G3', 'Gree', 5);
    const score = c.service.diagnostics.engine.health(own.dev.id)!.score;
    const o = await overviewOn(c);
    expect(o.devices.total).toBe(3);
    expect(o.health.scored).toBe(3);
    expect(o.health.fromSavedState).toBe(2); // node A's two
    expect(o.health.oldestSavedAt).not.toBeNull();
    // Node B sees C's device too, once C has saved it.
    await waitFor(
      async () => (await overviewOn(b)).health.fromSavedState === 3,
      10_000,
      'node B to count node C’s device',
    );
    const onB = await overviewOn(b);
    expect(o.health.buckets[Math.min(4, Math.floor(score / 20))]!.count).toBeGreaterThan(0);
    expect(onB.health.buckets.map((x) => x.count)).toEqual(o.health.buckets.map((x) => x.count));
  });
});
