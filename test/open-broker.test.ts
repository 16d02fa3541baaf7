import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

describe('MQTT_AUTH=none (development only)', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ MQTT_AUTH: 'none' });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('is a plain open broker: anonymous clients publish and subscribe anywhere', async () => {
    const sub = await connect(svc.mqttUrl, { clientId: 'anon-sub' });
    await sub.subscribeAsync('anything/#', { qos: 1 });
    const got = new Promise<string>((r) => sub.on('message', (_t, p) => r(p.toString())));
    const pub = await connect(svc.mqttUrl, { clientId: 'anon-pub' });
    await pub.publishAsync('anything/at/all', 'hello', { qos: 1 });
    expect(await got).toBe('hello');
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });
});
