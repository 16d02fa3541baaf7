import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGroundTruth } from '../simulators/faults.ts';
import { newStats, runFleet } from '../simulators/runner.ts';
import { type RunningService, startService } from './helpers/service.ts';

let svc: RunningService;
let dir: string;

beforeAll(async () => {
  svc = await startService();
  dir = await mkdtemp(path.join(tmpdir(), 'sanbao-sim-run-'));
});

afterAll(async () => {
  await svc?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('simulator fleet runner against the real service', () => {
  it('provisions, connects, publishes telemetry, answers a remote command, writes ground truth; a rerun reuses devices', async () => {
    const watcher = await mqtt.connectAsync(svc.mqttUrl, {
      protocolVersion: 4,
      username: 'token',
      password: svc.adminToken,
      reconnectPeriod: 0,
    });
    const telemetry = new Map<string, number>();
    const online = new Set<string>();
    const replies: unknown[] = [];
    watcher.on('message', (topic, payload) => {
      const [, id, kind, , sub] = topic.split('/');
      if (!id) return;
      if (kind === 'status' && payload.toString() === 'online') online.add(id);
      if (kind === 'telemetry') {
        const body = JSON.parse(payload.toString()) as unknown;
        telemetry.set(id, (telemetry.get(id) ?? 0) + (Array.isArray(body) ? body.length : 1));
      }
      if (kind === 'commands' && sub === 'reply') replies.push(JSON.parse(payload.toString()));
    });
    await watcher.subscribeAsync([
      'devices/+/status',
      'devices/+/telemetry',
      'devices/+/commands/+/reply',
    ]);
    const commander = setInterval(() => {
      const id = [...online][0];
      if (id && replies.length === 0) {
        void watcher.publishAsync(
          `devices/${id}/commands/self_test`,
          JSON.stringify({ requestId: 'r1', args: {} }),
          { qos: 1 },
        );
      }
    }, 300);
    const gtFile = path.join(dir, 'gt.jsonl');
    const common = {
      api: svc.httpUrl,
      mqtt: svc.mqttUrl,
      token: svc.adminToken,
      devices: 6,
      mix: { air_conditioner: 1, refrigerator: 1, household_car: 1 },
      faults: 0.5,
      speed: 3600,
      seed: 11,
      credentialsFile: path.join(dir, 'creds.json'),
      stderr: () => undefined,
    };
    const first = await runFleet({ ...common, durationMs: 4000, groundTruthFile: gtFile });
    clearInterval(commander);
    expect(first.drained).toBe(true);
    expect(first.stats.samples).toBeGreaterThan(6 * 30);
    expect(telemetry.size).toBe(6);
    expect(replies).toContainEqual(expect.objectContaining({ requestId: 'r1', ok: true }));
    expect(parseGroundTruth(await readFile(gtFile, 'utf8'))).toEqual(first.groundTruth);

    const creds = JSON.parse(await readFile(common.credentialsFile, 'utf8')) as Record<
      string,
      { id: string }
    >;
    const second = await runFleet({ ...common, durationMs: 1500 });
    expect(second.groundTruth.map((g) => g.deviceId)).toEqual(
      first.groundTruth.map((g) => g.deviceId),
    );
    const list = await fetch(`${svc.httpUrl}/api/v1/devices?limit=100`, {
      headers: { authorization: `Bearer ${svc.adminToken}` },
    });
    const { devices } = (await list.json()) as { devices: { id: string }[] };
    expect(devices.map((d) => d.id).sort()).toEqual(
      Object.values(creds)
        .map((c) => c.id)
        .sort(),
    );
    await watcher.endAsync();
  });

  it('samples once the fleet is connected; without its credentials file it re-keys the same devices', async () => {
    const common = {
      api: svc.httpUrl,
      mqtt: svc.mqttUrl,
      token: svc.adminToken,
      devices: 8,
      mix: { tv: 1, water_purifier: 1 },
      faults: 0,
      speed: 3600,
      seed: 12,
      durationMs: 800,
      stderr: () => undefined,
    };
    const stats = newStats();
    let connectedAtSampling = -1;
    const first = await runFleet({
      ...common,
      credentialsFile: path.join(dir, 'creds-a.json'),
      stats,
      onPhase: (p) => {
        if (p === 'sampling') connectedAtSampling = stats.connected;
      },
    });
    expect(connectedAtSampling).toBe(8);
    expect(first.drained).toBe(true);
    const ids = async (file: string) =>
      Object.values(JSON.parse(await readFile(file, 'utf8')) as Record<string, { id: string }>).map(
        (c) => c.id,
      );
    // Another credentials file: the serials exist, so the same devices get new secrets.
    const second = await runFleet({ ...common, credentialsFile: path.join(dir, 'creds-b.json') });
    expect(second.stats.samples).toBeGreaterThan(0);
    expect(second.stats.reconnects).toBe(0);
    expect((await ids(path.join(dir, 'creds-b.json'))).sort()).toEqual(
      (await ids(path.join(dir, 'creds-a.json'))).sort(),
    );
  });
});
