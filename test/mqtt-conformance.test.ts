import type { IClientOptions, MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './helpers/clients.ts';
import {
  connectPacket,
  DISCONNECT,
  packetTypes,
  publishPacket,
  rawConnect,
  subscribePacket,
} from './helpers/mqtt-raw.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * MQTT 3.1.1 behaviour of the open broker (MQTT_AUTH=none), each test the equivalent of one of
 * the Eclipse Paho interoperability tests (paho.mqtt.testing, interoperability/client_test.py:
 * basic, retained messages, will message, zero-length client id, offline message queueing,
 * overlapping subscriptions, keepalive, redelivery on reconnect, subscribe failure, $ topics,
 * unsubscribe), written here with MQTT.js over TCP and raw packets where a library will not
 * misbehave. Devices from many vendors connect to Sanbao: it must be strict and predictable.
 */

/** Paho's topics and filters. */
const topics = ['TopicA', 'TopicA/B', 'Topic/C', 'TopicA/C', '/TopicA'] as const;
const wildtopics = ['TopicA/+', '+/C', '#', '/#', '/+', '+/+', 'TopicA/#'] as const;

interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MQTT 3.1.1 conformance of the open broker (Paho interoperability equivalents)', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({
      MQTT_AUTH: 'none',
      MQTT_OPEN_DENY_SUBSCRIBE: 'test/nosubscribe',
    });
  });
  afterAll(async () => svc?.stop());

  /** An MQTT.js client that records what it receives. */
  async function client(clientId: string, opts: IClientOptions = {}) {
    const got: Received[] = [];
    const c = await connect(svc.mqttUrl, { clientId, ...opts });
    c.on('message', (topic, payload, packet) =>
      got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }),
    );
    return { c, got };
  }
  const end = (...cs: MqttClient[]) => Promise.all(cs.map((c) => c.endAsync()));

  it('basic: connect twice, QoS 0/1/2 round trip, a second CONNECT or a wrong protocol name closes', async () => {
    const first = await client('myclientid');
    await end(first.c);
    const { c, got } = await client('myclientid');
    await c.subscribeAsync(topics[0], { qos: 2 });
    await c.publishAsync(topics[0], 'qos 0', { qos: 0 });
    await c.publishAsync(topics[0], 'qos 1', { qos: 1 });
    await c.publishAsync(topics[0], 'qos 2', { qos: 2 });
    await expect.poll(() => got.map((m) => m.payload).sort()).toEqual(['qos 0', 'qos 1', 'qos 2']);
    await end(c);

    // A second CONNECT on a connection is a protocol violation [MQTT-3.1.0-2].
    const raw = await rawConnect(svc.mqttUrl, connectPacket({ clientId: 'myclientid' }));
    expect(raw.connack).toEqual({ sessionPresent: false, returnCode: 0 });
    raw.socket.write(connectPacket({ clientId: 'myclientid' }));
    await raw.closed;
    // A protocol name other than MQTT: disconnected [MQTT-3.1.2-1].
    const bad = await rawConnect(
      svc.mqttUrl,
      connectPacket({ clientId: 'myclientid', protocolName: 'hj' }),
    );
    expect(bad.connack?.returnCode ?? 'closed').not.toBe(0);
    await bad.closed;
  });

  it('retained messages: kept per topic, delivered on subscribe, cleared by an empty payload', async () => {
    const { c, got } = await client('myclientid', { clean: true });
    await c.publishAsync(topics[1], 'qos 0', { qos: 0, retain: true });
    await c.publishAsync(topics[2], 'qos 1', { qos: 1, retain: true });
    await c.publishAsync(topics[3], 'qos 2', { qos: 2, retain: true });
    await c.subscribeAsync(wildtopics[5], { qos: 2 });
    await expect.poll(() => got.length).toBe(3);
    expect(got.every((m) => m.retain)).toBe(true);
    expect(got.map((m) => m.qos).sort()).toEqual([0, 1, 2]);
    await end(c);

    const again = await client('myclientid', { clean: true });
    await again.c.publishAsync(topics[1], '', { qos: 0, retain: true });
    await again.c.publishAsync(topics[2], '', { qos: 1, retain: true });
    await again.c.publishAsync(topics[3], '', { qos: 2, retain: true });
    await again.c.subscribeAsync(wildtopics[5], { qos: 2 });
    await sleep(300);
    expect(again.got).toEqual([]);
    await end(again.c);
  });

  it('will message: published when a client dies without DISCONNECT', async () => {
    const a = await client('myclientid', {
      clean: true,
      keepalive: 2,
      will: {
        topic: topics[2],
        payload: Buffer.from('client not disconnected'),
        qos: 0,
        retain: false,
      },
    });
    const b = await client('myclientid2', { clean: false });
    await b.c.subscribeAsync(topics[2], { qos: 2 });
    a.c.stream.destroy(); // no DISCONNECT
    await expect.poll(() => b.got.map((m) => m.payload)).toEqual(['client not disconnected']);
    await end(b.c);
    a.c.end(true);
  });

  it('zero-length client id: assigned with CleanSession=1, refused with 0x02 otherwise', async () => {
    // [MQTT-3.1.3-8]: CleanSession=0 with a zero-length id → CONNACK 0x02, then closed.
    const kept = await rawConnect(svc.mqttUrl, connectPacket({ clientId: '', clean: false }));
    expect(kept.connack).toEqual({ sessionPresent: false, returnCode: 2 });
    await kept.closed;
    // [MQTT-3.1.3-6], [MQTT-3.1.3-7]: CleanSession=1 → accepted, the server assigns an id.
    const a = await rawConnect(svc.mqttUrl, connectPacket({ clientId: '', clean: true }));
    const b = await rawConnect(svc.mqttUrl, connectPacket({ clientId: '', clean: true }));
    expect(a.connack).toEqual({ sessionPresent: false, returnCode: 0 });
    expect(b.connack).toEqual({ sessionPresent: false, returnCode: 0 });
    // Two such clients are two sessions: neither took the other's place.
    await sleep(100);
    expect(a.socket.destroyed || b.socket.destroyed).toBe(false);
    a.socket.destroy();
    b.socket.destroy();
    // MQTT.js sends a zero-length id too.
    const lib = await connect(svc.mqttUrl, { clientId: '', clean: true });
    expect(lib.connected).toBe(true);
    await end(lib);
  });

  it('offline message queueing: QoS 1 and 2 kept for a persistent session', async () => {
    const a = await client('myclientid', { clean: false });
    await a.c.subscribeAsync(wildtopics[5], { qos: 2 });
    await end(a.c);
    const b = await client('myclientid2', { clean: true });
    await b.c.publishAsync(topics[1], 'qos 0', { qos: 0 });
    await b.c.publishAsync(topics[2], 'qos 1', { qos: 1 });
    await b.c.publishAsync(topics[3], 'qos 2', { qos: 2 });
    await end(b.c);
    const again = await client('myclientid', { clean: false });
    expect(again.c.connected).toBe(true);
    await expect.poll(() => again.got.length).toBeGreaterThanOrEqual(2);
    await sleep(300);
    // QoS 0 may be dropped for an offline client, QoS 1 and 2 must be delivered: Sanbao keeps
    // QoS 1 and 2 only.
    expect(again.got.map((m) => [m.payload, m.qos])).toEqual([
      ['qos 1', 1],
      ['qos 2', 2],
    ]);
    await end(again.c);
    // Leave no session behind for the next tests.
    await end((await client('myclientid', { clean: true })).c);
  });

  it('offline message queueing: CONNACK says whether a session was kept [MQTT-3.2.2-2]', async () => {
    const a = await rawConnect(svc.mqttUrl, connectPacket({ clientId: 'persist1', clean: false }));
    expect(a.connack).toEqual({ sessionPresent: false, returnCode: 0 });
    let got = Buffer.alloc(0);
    a.socket.on('data', (d) => (got = Buffer.concat([got, d])));
    a.socket.write(subscribePacket(1, 'persist/#', 1));
    await expect.poll(() => packetTypes(got)).toContain(9); // SUBACK
    a.socket.end(DISCONNECT);
    await a.closed;
    const b = await rawConnect(svc.mqttUrl, connectPacket({ clientId: 'persist1', clean: false }));
    expect(b.connack).toEqual({ sessionPresent: true, returnCode: 0 });
    b.socket.end(DISCONNECT);
    await b.closed;
    const c = await rawConnect(svc.mqttUrl, connectPacket({ clientId: 'persist1', clean: true }));
    expect(c.connack).toEqual({ sessionPresent: false, returnCode: 0 });
    c.socket.end(DISCONNECT);
  });

  it('overlapping subscriptions: one message at the highest QoS, or one per subscription', async () => {
    const { c, got } = await client('myclientid');
    await c.subscribeAsync({ [wildtopics[6]]: { qos: 2 }, [wildtopics[0]]: { qos: 1 } });
    await c.publishAsync(topics[3], 'overlapping topic filters', { qos: 2 });
    await expect.poll(() => got.length).toBeGreaterThanOrEqual(1);
    await sleep(300);
    // Either is allowed [MQTT-3.3.5-1]; Sanbao (aedes) sends one, at the highest QoS.
    expect(got.map((m) => m.qos)).toEqual([2]);
    await end(c);
  });

  it('keepalive: a client silent for 1.5 keepalive periods is cut off and its will published', async () => {
    const b = await client('myclientid2', { clean: true, keepalive: 0 });
    await b.c.subscribeAsync(topics[4], { qos: 2 });
    // A client that sends nothing after CONNECT, not even PINGREQ [MQTT-3.1.2-24].
    const a = await rawConnect(
      svc.mqttUrl,
      connectPacket({
        clientId: 'myclientid',
        keepalive: 1,
        will: { topic: topics[4], payload: 'keepalive expiry' },
      }),
    );
    expect(a.connack?.returnCode).toBe(0);
    const t0 = Date.now();
    await a.closed;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    await expect.poll(() => b.got.map((m) => m.payload)).toEqual(['keepalive expiry']);
    await end(b.c);
  });

  it('redelivery on reconnect: unacknowledged QoS 1 and 2 messages are sent again', async () => {
    // A client that acknowledges nothing it receives, as Paho's bclient.pause() (raw packets:
    // MQTT.js acknowledges by itself).
    const b = await rawConnect(
      svc.mqttUrl,
      connectPacket({ clientId: 'myclientid2', clean: false }),
    );
    expect(b.connack?.returnCode).toBe(0);
    let received = Buffer.alloc(0);
    b.socket.on('data', (d) => (received = Buffer.concat([received, d])));
    b.socket.write(subscribePacket(1, wildtopics[6], 2));
    await sleep(100);
    b.socket.write(publishPacket(topics[1], '', 1, 2));
    b.socket.write(publishPacket(topics[3], '', 2, 3));
    // Both messages delivered to it (type 3: PUBLISH), neither acknowledged.
    await expect
      .poll(() => packetTypes(received).filter((t) => t === 3).length)
      .toBeGreaterThanOrEqual(2);
    b.socket.end(DISCONNECT);
    await b.closed;
    const again = await client('myclientid2', { clean: false });
    await expect.poll(() => again.got.map((m) => m.topic).sort()).toEqual([topics[1], topics[3]]);
    await end(again.c);
    await end((await client('myclientid2', { clean: true })).c);
  });

  it('subscribe failure: a refused filter gets SUBACK 0x80 and the connection stays', async () => {
    const { c } = await client('myclientid');
    await expect(c.subscribeAsync('test/nosubscribe', { qos: 2 })).rejects.toMatchObject({
      packet: { cmd: 'suback', granted: [0x80] },
    });
    // Only what lies within the denied filter is refused.
    expect(await c.subscribeAsync('test/other', { qos: 1 })).toMatchObject([{ qos: 1 }]);
    expect(c.connected).toBe(true);
    const refused = (await svc.service.metrics.rejected.get()).values.find(
      (v) => v.labels.reason === 'denied_subscribe',
    );
    expect(refused?.value).toBe(1);
    await end(c);
  });

  it('$ topics: accepted from a client, never matched by a filter starting with a wildcard [MQTT-4.7.2-1]', async () => {
    const b = await client('myclientid2', { clean: true, keepalive: 0 });
    await b.c.subscribeAsync(wildtopics[5], { qos: 2 });
    await b.c.subscribeAsync('#', { qos: 2 });
    await sleep(200);
    b.got.length = 0;
    await b.c.publishAsync(`$${topics[1]}`, '', { qos: 1 });
    await sleep(300);
    expect(b.got).toEqual([]);
    expect(b.c.connected).toBe(true);
    // A filter naming the $ level explicitly does match.
    await b.c.subscribeAsync('$TopicA/+', { qos: 1 });
    await b.c.publishAsync(`$${topics[1]}`, 'explicit', { qos: 1 });
    await expect.poll(() => b.got.map((m) => m.payload)).toEqual(['explicit']);
    await end(b.c);
  });

  it('$SYS is the broker’s: a client publishing there is disconnected, subscribing refused', async () => {
    const { c } = await client('sysprobe');
    await expect(c.subscribeAsync('$SYS/#')).rejects.toMatchObject({ packet: { granted: [0x80] } });
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish('$SYS/sanbao/refused', 'x', { qos: 1 });
    await closed;
    c.end(true);
  });

  it('unsubscribe: no more messages on the filter unsubscribed', async () => {
    const b = await client('myclientid2', { clean: true });
    await b.c.subscribeAsync(topics[0], { qos: 2 });
    await b.c.subscribeAsync(topics[1], { qos: 2 });
    await b.c.subscribeAsync(topics[2], { qos: 2 });
    await b.c.unsubscribeAsync(topics[0]);
    const a = await client('myclientid', { clean: true });
    for (const t of topics.slice(0, 3)) await a.c.publishAsync(t, '', { qos: 1 });
    await expect.poll(() => b.got.length).toBe(2);
    await sleep(300);
    expect(b.got.map((m) => m.topic).sort()).toEqual([topics[2], topics[1]].sort());
    await end(a.c, b.c);
  });
});
