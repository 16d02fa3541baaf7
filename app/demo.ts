import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from './config.ts';
import { startService } from './service.ts';

interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
}

/**
 * `npm run demo`: the service plus a simulated fleet of a few hundred mixed devices with
 * faults, talking to it over HTTP and MQTT exactly as real devices would.
 */
export async function runDemo(
  config: Config,
  io: Io,
  env: Record<string, string | undefined>,
): Promise<number> {
  const service = await startService(config);
  const token = randomBytes(24).toString('base64url');
  await service.auth.issue({ role: 'admin', id: 'admin-demo', token, label: 'npm run demo' });
  const api = `http://127.0.0.1:${service.ports.http}`;
  const mqtt = `mqtt://127.0.0.1:${service.ports.tcp}`;
  io.stdout(
    [
      '',
      `Sanbao demo: service on ${api} (MQTT ${mqtt}), 300 simulated devices, 10 % with injected faults,`,
      'one simulated hour per second, replaying the recent past up to now.',
      '',
      `Admin token for this demo: ${token}`,
      '',
      'Look at:',
      `  curl -s "${api}/api/v1/devices?limit=5" -H "authorization: Bearer ${token}"`,
      `  curl -s "${api}/api/v1/devices/<id>/latest" -H "authorization: Bearer ${token}"`,
      `  curl -s "${api}/api/v1/devices/<id>/events" -H "authorization: Bearer ${token}"   # fault codes`,
      `  ${api}/docs            # the API explorer`,
      `  curl -s ${api}/metrics   # messages, refusals, spool, store latency`,
      `Ground truth of the injected faults: ${path.join(config.dataDir, 'demo-ground-truth.jsonl')}`,
      'Ctrl-C stops the fleet and the service.',
      '',
    ].join('\n'),
  );
  const { simulateCli } = await import('../simulators/cli.ts');
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const fleet = simulateCli(
    [
      '--api',
      api,
      '--mqtt',
      mqtt,
      '--token',
      token,
      '--devices',
      '300',
      '--faults',
      '0.1',
      '--speed',
      '3600',
      '--seed',
      '7',
      '--duration',
      '2h',
      '--credentials',
      path.join(config.dataDir, 'demo-credentials.json'),
      '--ground-truth',
      path.join(config.dataDir, 'demo-ground-truth.jsonl'),
    ],
    { ...io, env },
  );
  const code = await Promise.race([
    fleet,
    new Promise<number>((r) => stop.signal.addEventListener('abort', () => r(0))),
  ]);
  await service.close();
  return code;
}
