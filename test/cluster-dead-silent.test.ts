import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, provision, waitFor } from './helpers/clients.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import {
  loopbackPorts,
  spawnService,
  stopIfRunning,
  type ServiceProcess,
} from './helpers/process.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { startService, TEST_ADMIN_TOKEN, type RunningService } from './helpers/service.ts';

/**
 * Issue 22: a cluster node killed outright (SIGKILL) owned its devices' detector states, and
 * silence (`data_missing`) is reported only by a device's owner. The surviving nodes take the
 * dead owner's states over (it stopped saying it is alive in PostgreSQL; diagnostics/state-sync.ts)
 * and report its devices that stay away silent, once; a device that reconnects goes on from its
 * state where it reconnects, with no silence reported and no new warm-up. Node A runs as a child
 * process (killed), nodes B and C in this one with a diagnostics clock that runs 20 times as fast
 * once A is dead (5 minutes of silence in 15 s), on one Redis index and one PostgreSQL database.
 */
const MINUTE = 60_000;

/** A running air conditioner in cooling with sensor noise; `fanDead` seizes the indoor fan. */
function acMetrics(i: number, fanDead: boolean) {
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

describe('the devices of a killed node, as diagnostics sees them', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let dataDir: string;
  let a: ServiceProcess | undefined;
  let b: RunningService;
  let c: RunningService | undefined;
  const clients: MqttClient[] = [];
  /** A device sending in the background until the test ends (stopped before its client). */
  let sending = false;
  let sender: Promise<void> | undefined;
  const T0 = Date.now() - 6 * 3_600_000; // device time: 6 h ago, a sample a minute
  let fastFrom: number | undefined;
  const clock = () => {
    const now = Date.now();
    return fastFrom === undefined ? now : now + 19 * (now - fastFrom);
  };
  const opts = { diagnostics: { clock, tickMs: 100, stateSaveMs: 0 } };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    redis = await claimRedisDb();
    db = await createTestDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), 'sanbao-cluster-silent-'));
    b = await startService({ DATABASE_URL: db.url, REDIS_URL: redis.url }, opts);
  }, 60_000);
  afterAll(async () => {
    sending = false;
    await sender?.catch(() => undefined);
    await Promise.all(clients.map((x) => x.endAsync(true).catch(() => {})));
    await stopIfRunning(a, 'SIGKILL');
    await c?.stop();
    await b?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await db?.drop();
    await redis?.release();
  });

  const send = (d: MqttClient, id: string, i: number, fanDead = 1e9) =>
    d.publishAsync(
      `devices/${id}/telemetry`,
      JSON.stringify({ ts: T0 + i * MINUTE, metrics: acMetrics(i, i >= fanDead) }),
      { qos: 1 },
    );
  const publish = async (d: MqttClient, id: string, from: number, to: number, fanDead = 1e9) => {
    for (let i = from; i < to; i++) await send(d, id, i, fanDead);
  };
  const alerts = async (id: string) =>
    (
      await db.sql.query<{ mode_id: string; status: string }>(
        'SELECT mode_id, status FROM alerts WHERE device_id = $1 ORDER BY opened_at',
        [id],
      )
    ).rows;
  const modes = async (id: string) => (await alerts(id)).map((x) => x.mode_id).sort();

  it('a surviving node reports the dead node’s silent device once; devices that come back keep their warm-up', async () => {
    const { mqtt: mqttPort, env: ports } = await loopbackPorts();
    a = await spawnService({
      DATA_DIR: dataDir,
      ...ports,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      INGEST_FLUSH_MS: '10',
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
    });
    const aUrl = `mqtt://127.0.0.1:${mqttPort}`;
    const gone = await provision(b.httpUrl, b.adminToken, 'air_conditioner', 'KFR-35GW');
    const moved = await provision(b.httpUrl, b.adminToken, 'air_conditioner', 'KFR-35GW');

    // 150 healthy minutes on A (the sudden modes' templates learn the unit), saved when each
    // device goes offline (A saves every 5 min otherwise); both then connect to A again.
    const onA: MqttClient[] = [];
    for (const dev of [gone, moved]) {
      const d = await connectDevice(aUrl, dev);
      await publish(d, dev.id, 0, 150);
      await sleep(500); // the last readings judged before offline
      await d.endAsync();
      await waitFor(
        async () =>
          ((
            await db.sql.query<{ last_ts: number }>(
              'SELECT last_ts FROM diagnostics_detector_state WHERE device_id = $1',
              [dev.id],
            )
          ).rows[0]?.last_ts ?? 0) >=
          T0 + 140 * MINUTE,
        20_000,
        'A saved the state when the device went offline',
      );
      const again = await connectDevice(aUrl, dev);
      again.on('error', () => undefined);
      clients.push(again);
      onA.push(again);
    }
    expect(await modes(gone.id)).toEqual([]);

    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await a.exited;
    fastFrom = Date.now();

    // One device comes back through B at once: B claims its state from the dead A, as today;
    // its fan seizes and is found at once (a fresh state would be warming up). It goes on
    // sending, a reading every 4 s of the fast clock.
    await waitFor(() => !onA[1]!.connected, 20_000, 'A’s socket closed');
    const back = await connectDevice(b.mqttUrl, moved);
    clients.push(back);
    sending = true;
    sender = (async () => {
      for (let i = 150; sending; i++) {
        await send(back, moved.id, i, 155);
        await sleep(200);
      }
    })();
    await waitFor(
      async () => (await modes(moved.id)).includes('indoor_fan_motor_seizure'),
      10_000,
      'the moved device’s fault found on B',
    );

    // The other never comes back: B takes its state over 20–25 s after the kill and reports it
    // silent 5 minutes (of the fast clock) after A last said it was alive, not at once (A may
    // have heard it after its last save).
    await waitFor(
      () => b.service.diagnostics.states.stats().takenOver >= 1,
      60_000,
      'B takes the dead node’s device over',
    );
    const takenAt = Date.now();
    expect(await modes(gone.id)).toEqual([]);
    await waitFor(
      async () => (await modes(gone.id)).includes('data_missing'),
      60_000,
      'the dead node’s silent device reported by B',
    );
    console.info(
      `dead node's device taken over ${takenAt - killedAt} ms after the kill, reported silent ${Date.now() - killedAt} ms after it`,
    );
    expect(Date.now() - takenAt).toBeGreaterThan(10_000);
    expect(b.service.diagnostics.states.stats().takenOver).toBe(1); // the moved one was B's
    await sleep(2_000); // twenty more ticks
    expect(await alerts(gone.id)).toEqual([{ mode_id: 'data_missing', status: 'open' }]);
    expect(await modes(moved.id)).toEqual(['indoor_fan_motor_seizure']);

    // It comes back later, through a third node: C claims its state from B (no new warm-up:
    // its fan seizure is found at once) and nothing is reported silent again.
    c = await startService({ DATABASE_URL: db.url, REDIS_URL: redis.url }, opts);
    const late = await connectDevice(c.mqttUrl, gone);
    clients.push(late);
    await publish(late, gone.id, 150, 170, 155);
    await waitFor(
      async () => (await modes(gone.id)).includes('indoor_fan_motor_seizure'),
      10_000,
      'the returning device’s fault found on C',
    );
    expect(c.service.diagnostics.states.stats().restored).toBe(1);
    await sleep(1_000);
    sending = false;
    await sender;
    expect(await modes(moved.id)).toEqual(['indoor_fan_motor_seizure']);
    expect(await modes(gone.id)).toEqual(['data_missing', 'indoor_fan_motor_seizure']);
    const { rows } = await db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM alert_history h JOIN alerts a ON a.id = h.alert_id
        WHERE a.device_id = $1 AND a.mode_id = 'data_missing' AND h.action = 'opened'`,
      [gone.id],
    );
    expect(rows[0]!.n).toBe(1);
  }, 180_000);
});
