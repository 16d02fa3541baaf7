import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCleanIncoming } from '../broker/persistence.ts';
import { abstractPersistence, nodeTest, type NodeTestFn } from './helpers/aedes-abstract.ts';
import { connect, waitFor } from './helpers/clients.ts';
import { connectPacket, packetTypes, publishPacket, rawConnect } from './helpers/mqtt-raw.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { startService, type RunningService } from './helpers/service.ts';

/** MQTT 3.1.1 control packet type of PUBREC (§3.5). */
const PUBREC = 5;

/**
 * [MQTT-3.1.2-6]: a clean session ends the old session's state, the inbound QoS 2 dedup table
 * included (aedes's MIGRATION.md, GHSA-p8r9-qf8w-p73r). aedes asks its persistence to
 * `cleanIncoming` on a clean CONNECT; aedes-persistence-redis 11.2.2 lacks it, so in cluster mode
 * a packet id left between PUBREC and PUBREL made the next clean session's first QoS 2 PUBLISH
 * with that id a "duplicate": acknowledged and dropped.
 */
describe('a clean session clears its QoS 2 dedup table in cluster mode (Redis)', () => {
  let redis: TestRedis;
  let node: RunningService;
  let sub: MqttClient | undefined;

  beforeAll(async () => {
    redis = await claimRedisDb();
    node = await startService({ MQTT_AUTH: 'none', REDIS_URL: redis.url });
  }, 60_000);
  afterAll(async () => {
    await sub?.endAsync(true);
    await node?.stop();
    await redis?.release();
  });

  /**
   * Connects `clientId`, sends a QoS 2 PUBLISH, waits for its PUBREC and drops the socket without
   * a PUBREL: the packet id stays in the session's dedup table.
   */
  async function publishUnfinished(clientId: string, clean: boolean, payload: string, id: number) {
    const conn = await rawConnect(node.mqttUrl, connectPacket({ clientId, clean }));
    expect(conn.connack?.returnCode).toBe(0);
    let got = Buffer.alloc(0);
    conn.socket.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    conn.socket.write(publishPacket('qos2/clean', payload, 2, id));
    await waitFor(() => packetTypes(got).includes(PUBREC), 5000, 'PUBREC');
    conn.socket.destroy();
    await conn.closed;
  }

  it('delivers a clean reconnect’s QoS 2 PUBLISH whose packet id an unfinished one used', async () => {
    const got: string[] = [];
    sub = await connect(node.mqttUrl, { clientId: 'qos2-watcher' });
    sub.on('message', (_t, p) => got.push(p.toString()));
    await sub.subscribeAsync('qos2/clean', { qos: 2 });

    // A persistent session keeps packet 7 in its dedup table after the socket is gone …
    await publishUnfinished('qos2-device', false, 'first', 7);
    await waitFor(() => got.includes('first'), 5000, 'the first message');
    // … until the same client connects clean: packet 7 is then a new message, not a duplicate.
    await publishUnfinished('qos2-device', true, 'second', 7);
    await waitFor(() => got.includes('second'), 5000, 'the second message');
    expect(got).toEqual(['first', 'second']);
  });

  it('leaves another client’s dedup entry in place (its id extends the first’s)', async () => {
    const got: string[] = [];
    sub!.on('message', (_t, p) => got.push(p.toString()));
    await publishUnfinished('qos2-devicex', false, 'kept', 9);
    await waitFor(() => got.includes('kept'), 5000, 'the message');
    // qos2-device's clean connect must not clear qos2-devicex's table.
    const conn = await rawConnect(
      node.mqttUrl,
      connectPacket({ clientId: 'qos2-device', clean: true }),
    );
    conn.socket.destroy();
    await conn.closed;
    // qos2-devicex resumes its session (clean=false) and sends packet 9 again: a duplicate.
    const again = await rawConnect(
      node.mqttUrl,
      connectPacket({ clientId: 'qos2-devicex', clean: false }),
    );
    let bytes = Buffer.alloc(0);
    again.socket.on('data', (d: Buffer) => (bytes = Buffer.concat([bytes, d])));
    again.socket.write(publishPacket('qos2/clean', 'kept again', 2, 9));
    await waitFor(() => packetTypes(bytes).includes(PUBREC), 5000, 'PUBREC');
    await new Promise((r) => setTimeout(r, 300));
    again.socket.destroy();
    await again.closed;
    expect(got).toEqual(['kept']);
  });
});

const redisPersistence = createRequire(import.meta.url)('aedes-persistence-redis') as (opts: {
  conn: Redis;
}) => object;

/**
 * aedes-persistence's own tests of the inbound QoS 2 table (abstract.js: store, fetch, delete;
 * `cleanIncoming` of one client, not of another nor of one whose id extends it) on
 * aedes-persistence-redis with broker/persistence.ts's `addCleanIncoming`, on real Redis.
 */
describe('aedes-persistence abstract suite, inbound QoS 2 tests, on Redis with addCleanIncoming', () => {
  let redis: TestRedis | undefined;
  beforeAll(async () => void (redis = await claimRedisDb()));
  afterAll(async () => redis?.release());

  const incomingOnly = (name: string, fn: NodeTestFn) => {
    if (/incoming/i.test(name)) nodeTest(name, fn);
  };
  abstractPersistence({
    test: incomingOnly,
    persistence: () => {
      // Each test destroys its instance, which closes the connection: one connection each.
      const conn = new Redis(redis!.url);
      return addCleanIncoming(redisPersistence({ conn }), conn);
    },
    waitForReady: true,
  });
});
