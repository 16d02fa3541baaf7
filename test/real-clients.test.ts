import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { api, connect, connectDevice, provision } from './helpers/clients.ts';
import { freePort } from './helpers/process.ts';
import { describeWithService } from './helpers/require-service.ts';
import { startService, type RunningService } from './helpers/service.ts';

const run = promisify(execFile);

/** mosquitto_pub as the device itself, QoS 1, on its telemetry topic. */
function publishAs(dev: { id: string; secret: string }, port: string, message: string) {
  return run('mosquitto_pub', [
    '-h',
    '127.0.0.1',
    '-p',
    port,
    '-i',
    dev.id,
    '-u',
    dev.id,
    '-P',
    dev.secret,
    '-q',
    '1',
    '-t',
    `devices/${dev.id}/telemetry`,
    '-m',
    message,
  ]);
}
const haveClients =
  existsSync('/usr/bin/mosquitto_pub') &&
  existsSync('/usr/bin/mosquitto_sub') &&
  existsSync('/usr/bin/openssl');

describeWithService(
  'mosquitto-clients and openssl',
  haveClients,
  'apt-get install mosquitto-clients openssl',
  'real MQTT clients: mosquitto_pub/sub, WebSocket, TLS',
  () => {
    let svc: RunningService;
    let certDir: string;
    beforeAll(async () => {
      certDir = await mkdtemp(path.join(tmpdir(), 'sanbao-tls-'));
      const cert = path.join(certDir, 'cert.pem');
      const key = path.join(certDir, 'key.pem');
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
      ]);
      const [ws, tls] = await Promise.all([freePort(), freePort()]);
      svc = await startService({
        MQTT_WS_PORT: String(ws),
        MQTT_TLS_PORT: String(tls),
        MQTT_TLS_CERT: cert,
        MQTT_TLS_KEY: key,
      });
    });
    afterAll(async () => {
      await svc?.stop();
      await rm(certDir, { recursive: true, force: true });
    });

    it('accepts telemetry from mosquitto_pub and delivers errors to mosquitto_sub', async () => {
      const dev = await provision(svc.httpUrl, svc.adminToken);
      const port = String(svc.service.ports.tcp);
      const ts = Date.now() - 1000;
      await publishAs(dev, port, JSON.stringify({ ts, metrics: { power_w: 640 } }));
      await svc.service.ingest.flushed();
      const r = await api<{ metrics: Record<string, { value: number }> }>(
        svc.httpUrl,
        'GET',
        `/api/v1/devices/${dev.id}/latest`,
        svc.adminToken,
      );
      expect(r.body.metrics.power_w?.value).toBe(640);

      // A service client (API token as password) watches the device's errors with mosquitto_sub.
      const eng = await api<{ token: string }>(
        svc.httpUrl,
        'POST',
        '/api/v1/tokens',
        svc.adminToken,
        { role: 'engineer' },
      );
      const subscribed = new Promise<void>((resolve) => {
        const on = (subs: Array<{ topic: string }>) => {
          if (subs.some((x) => x.topic === `devices/${dev.id}/errors`)) {
            svc.service.broker.off('subscribe', on);
            resolve();
          }
        };
        svc.service.broker.on('subscribe', on);
      });
      const sub = spawn('mosquitto_sub', [
        '-h',
        '127.0.0.1',
        '-p',
        port,
        '-u',
        'token',
        '-P',
        eng.body.token,
        '-t',
        `devices/${dev.id}/errors`,
        '-C',
        '1',
        '-W',
        '60',
      ]);
      const exited = new Promise<number | null>((r) => sub.once('exit', r));
      let out = '';
      sub.stdout.on('data', (b: Buffer) => (out += b.toString()));
      await subscribed; // the broker has the subscription: the error report cannot be missed
      await publishAs(dev, port, 'not json');
      const code = await exited;
      expect(code).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ reason: 'malformed_json' });
    });

    it('refuses mosquitto_pub with a wrong password', async () => {
      const dev = await provision(svc.httpUrl, svc.adminToken);
      await expect(
        run('mosquitto_pub', [
          '-h',
          '127.0.0.1',
          '-p',
          String(svc.service.ports.tcp),
          '-i',
          dev.id,
          '-u',
          dev.id,
          '-P',
          'nope',
          '-t',
          `devices/${dev.id}/telemetry`,
          '-m',
          '{}',
        ]),
      ).rejects.toMatchObject({
        stderr: expect.stringMatching(/not authori[sz]ed|bad user name or password/i),
      });
    });

    it('serves MQTT over WebSocket and TLS with the same authentication', async () => {
      const dev = await provision(svc.httpUrl, svc.adminToken);
      const ws = await connectDevice(`ws://127.0.0.1:${svc.service.ports.ws}`, dev);
      await ws.publishAsync(
        `devices/${dev.id}/telemetry`,
        JSON.stringify({ ts: Date.now() - 2000, metrics: { power_w: 1 } }),
        { qos: 1 },
      );
      await ws.endAsync();
      const tls = await connect(`mqtts://127.0.0.1:${svc.service.ports.tls}`, {
        clientId: dev.id,
        username: dev.id,
        password: dev.secret,
        rejectUnauthorized: false,
      });
      await tls.publishAsync(
        `devices/${dev.id}/telemetry`,
        JSON.stringify({ ts: Date.now() - 1000, metrics: { power_w: 2 } }),
        { qos: 1 },
      );
      await tls.endAsync();
      await expect(
        connect(`mqtts://127.0.0.1:${svc.service.ports.tls}`, {
          clientId: dev.id,
          username: dev.id,
          password: 'x',
          rejectUnauthorized: false,
        }),
      ).rejects.toMatchObject({ code: 4 });
      await svc.service.ingest.flushed();
      const r = await api<{ points: Array<{ value: number }> }>(
        svc.httpUrl,
        'GET',
        `/api/v1/devices/${dev.id}/telemetry?metric=power_w`,
        svc.adminToken,
      );
      expect(r.body.points.map((p) => p.value)).toEqual([1, 2]);
    });
  },
);
