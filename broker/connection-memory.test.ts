import { once } from 'node:events';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { Aedes, type Client } from 'aedes';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { slimConnections } from './connection-memory.ts';
import { KeepaliveEntry } from './keepalive-wheel.ts';

// aedes with the slimmed connections, on a real TCP socket: what the slimming removes must not
// change what aedes does when a connection ends, goes silent or publishes at QoS 2.
const open: Array<{ aedes: Aedes; server: Server }> = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const { aedes, server } of open.splice(0)) {
    await new Promise((r) => aedes.close(() => r(undefined)));
    await new Promise((r) => server.close(r));
  }
});

async function broker(opts: { maxInflightInbound?: number } = {}) {
  const aedes = await Aedes.createBroker(opts);
  slimConnections(aedes);
  const server = createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.push({ aedes, server });
  return { aedes, port: (server.address() as { port: number }).port };
}

/** A raw MQTT 3.1.1 client: writes packets, collects what it receives. */
async function rawClient(port: number) {
  const socket: Socket = tcpConnect(port, '127.0.0.1');
  sockets.push(socket);
  await once(socket, 'connect');
  const got: Packet[] = [];
  const parser = mqttPacket.parser();
  parser.on('packet', (p) => got.push(p));
  socket.on('data', (b) => parser.parse(b));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  const send = (p: Record<string, unknown>) =>
    socket.write(mqttPacket.generate(p as unknown as Packet));
  const next = async (cmd: string) => {
    await expect.poll(() => got.some((p) => p.cmd === cmd), { timeout: 3000 }).toBe(true);
    return got.splice(
      got.findIndex((p) => p.cmd === cmd),
      1,
    )[0]!;
  };
  return { socket, got, send, next, closed };
}

const connect = (clientId: string, extra: Record<string, unknown> = {}) => ({
  cmd: 'connect',
  protocolId: 'MQTT',
  protocolVersion: 4,
  clean: true,
  keepalive: 0,
  clientId,
  ...extra,
});

describe('slimmed connections', () => {
  it('a connection that drops without DISCONNECT ends its client and publishes its will', async () => {
    const { aedes, port } = await broker();
    const watcher = await rawClient(port);
    watcher.send(connect('watcher'));
    await watcher.next('connack');
    watcher.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'wills/#', qos: 0 }] });
    await watcher.next('suback');

    const device = await rawClient(port);
    const disconnected = new Promise<Client>((r) => aedes.once('clientDisconnect', r));
    device.send(
      connect('device', { will: { topic: 'wills/device', payload: Buffer.from('gone'), qos: 0 } }),
    );
    await device.next('connack');
    // A reset, not a FIN: only the socket's `close` (aedes's end-of-stream watch before) says so.
    device.socket.resetAndDestroy();
    expect((await disconnected).id).toBe('device');
    const will = (await watcher.next('publish')) as mqttPacket.IPublishPacket;
    expect([will.topic, String(will.payload)]).toEqual(['wills/device', 'gone']);
  });

  it("the peer's FIN without DISCONNECT ends its client and publishes its will", async () => {
    const { aedes, port } = await broker();
    const watcher = await rawClient(port);
    watcher.send(connect('watcher'));
    await watcher.next('connack');
    watcher.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'wills/#', qos: 0 }] });
    await watcher.next('suback');
    const device = await rawClient(port);
    device.send(
      connect('fin', { will: { topic: 'wills/fin', payload: Buffer.from('bye'), qos: 0 } }),
    );
    await device.next('connack');
    await new Promise((r) => setImmediate(r));
    const disconnected = new Promise<Client>((r) => aedes.once('clientDisconnect', r));
    device.socket.end();
    expect((await disconnected).id).toBe('fin');
    const will = (await watcher.next('publish')) as mqttPacket.IPublishPacket;
    expect([will.topic, String(will.payload)]).toEqual(['wills/fin', 'bye']);
    await device.closed;
  });

  it('a socket destroyed on the broker side, without an error, ends its client', async () => {
    const { aedes, port } = await broker();
    const ready = new Promise<Client>((r) => aedes.once('clientReady', r));
    const device = await rawClient(port);
    device.send(connect('destroyed'));
    await device.next('connack');
    const client = await ready;
    const disconnected = new Promise<Client>((r) => aedes.once('clientDisconnect', r));
    (client as unknown as { conn: Socket }).conn.destroy();
    expect((await disconnected).id).toBe('destroyed');
    expect(aedes.connectedClients).toBe(0);
  });

  it('a second connection with the same client id takes over; the first is closed', async () => {
    const { aedes, port } = await broker();
    const first = await rawClient(port);
    first.send(connect('same'));
    await first.next('connack');
    const second = await rawClient(port);
    second.send(connect('same'));
    await second.next('connack');
    await first.closed;
    const held = (aedes as unknown as { clients: Record<string, { conn: Socket }> }).clients;
    expect(held.same?.conn.destroyed).toBe(false);
    expect(aedes.connectedClients).toBe(1);
  });

  it('a client silent for 1.5 keepalive periods is cut off', async () => {
    const { aedes, port } = await broker();
    const silent = await rawClient(port);
    const timedOut = new Promise<Client>((r) => aedes.once('keepaliveTimeout', r));
    const t0 = Date.now();
    silent.send(connect('silent', { keepalive: 1 }));
    await silent.next('connack');
    expect((await timedOut).id).toBe('silent');
    await silent.closed;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
  });

  it('a client that sends a packet within each keepalive period stays connected', async () => {
    const { aedes, port } = await broker();
    const lively = await rawClient(port);
    let timedOut = false;
    aedes.once('keepaliveTimeout', () => (timedOut = true));
    const ready = new Promise<Client>((r) => aedes.once('clientReady', r));
    lively.send(connect('lively', { keepalive: 1 }));
    await lively.next('connack');
    // On the broker's wheel (broker/keepalive-wheel.ts), not a Timeout of its own.
    const timer = (await ready) as unknown as { _keepaliveTimer: object };
    expect(timer._keepaliveTimer).toBeInstanceOf(KeepaliveEntry);
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 500));
      lively.send({ cmd: 'pingreq' });
      await lively.next('pingresp');
    }
    expect(timedOut).toBe(false);
    expect(lively.socket.destroyed).toBe(false);
  });

  it('parses a packet that arrives in pieces, then the next one whole', async () => {
    const { port } = await broker();
    const c = await rawClient(port);
    const bytes = mqttPacket.generate(connect('pieces') as unknown as Packet);
    c.socket.write(bytes.subarray(0, 5));
    await new Promise((r) => setTimeout(r, 50));
    c.socket.write(bytes.subarray(5));
    await c.next('connack');
    c.send({ cmd: 'pingreq' });
    await c.next('pingresp');
  });

  it('a malformed packet after CONNECT is a client error that closes the connection', async () => {
    const { aedes, port } = await broker();
    const c = await rawClient(port);
    c.send(connect('garbage'));
    await c.next('connack');
    await new Promise((r) => setImmediate(r)); // the listener tables are swapped a tick later
    const failed = new Promise<[Client, Error]>((r) =>
      aedes.once('clientError', (client, err) => r([client, err])),
    );
    c.socket.write(Buffer.from([0x00, 0x00])); // packet type 0 is reserved [MQTT-2.2.1]
    const [client, err] = await failed;
    expect(client.id).toBe('garbage');
    expect(err.message).toBe('Not supported'); // mqtt-packet's parser error
    await c.closed;
  });

  it('delivers to a connected client, and a subscriber gets what others publish', async () => {
    const { port } = await broker();
    const sub = await rawClient(port);
    sub.send(connect('sub'));
    await sub.next('connack');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#', qos: 1 }] });
    await sub.next('suback');
    const pub = await rawClient(port);
    pub.send(connect('pub'));
    await pub.next('connack');
    pub.send({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 1, messageId: 7 });
    await pub.next('puback');
    const got = (await sub.next('publish')) as mqttPacket.IPublishPacket;
    expect([got.topic, String(got.payload), got.qos]).toEqual(['a/b', 'hi', 1]);
  });

  it('inbound QoS 2 completes, and the inflight bound still holds', async () => {
    const { port } = await broker({ maxInflightInbound: 1 });
    const c = await rawClient(port);
    c.send(connect('qos2'));
    await c.next('connack');
    const publish = (messageId: number) => ({
      cmd: 'publish',
      topic: 't',
      payload: Buffer.from('x'),
      qos: 2,
      messageId,
    });
    c.send(publish(1));
    expect((await c.next('pubrec')).messageId).toBe(1);
    c.send({ cmd: 'pubrel', messageId: 1 });
    expect((await c.next('pubcomp')).messageId).toBe(1);
    // Its slot is free again: one more may wait for PUBREL, a second beside it may not.
    c.send(publish(2));
    expect((await c.next('pubrec')).messageId).toBe(2);
    c.send(publish(3));
    await c.closed;
  });

  it("a client's duplicates read no inherited name as present", async () => {
    const { aedes, port } = await broker();
    const ready = new Promise<Client>((r) => aedes.once('clientReady', r));
    const c = await rawClient(port);
    c.send(connect('names'));
    await c.next('connack');
    const d = (await ready) as unknown as { duplicates: Record<string, number | undefined> };
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
      expect(d.duplicates[name]).toBeUndefined();
  });
  it("connected parsers share their settings and step names, each with its own protocol's version", async () => {
    const { aedes, port } = await broker();
    const parsers: Array<{ settings: { protocolVersion: number }; _states: string[] }> = [];
    aedes.on('clientReady', (client) => {
      const internals = client as unknown as { _parser: (typeof parsers)[number] };
      parsers.push(internals._parser);
    });
    const v4 = [await rawClient(port), await rawClient(port)];
    for (const [i, c] of v4.entries()) {
      c.send(connect(`v4-${i}`));
      await c.next('connack');
    }
    const v3 = await rawClient(port);
    v3.send(connect('v3', { protocolId: 'MQIsdp', protocolVersion: 3 }));
    await v3.next('connack');
    await expect.poll(() => parsers.length).toBe(3);
    await new Promise((r) => setImmediate(r));
    const [a, b, c] = parsers as [(typeof parsers)[0], (typeof parsers)[0], (typeof parsers)[0]];
    expect(a.settings).toBe(b.settings);
    expect(a.settings.protocolVersion).toBe(4);
    expect(c.settings.protocolVersion).toBe(3);
    expect(b._states).toBe(c._states);
    // And they still parse: a QoS 1 publish from each is acknowledged.
    for (const [i, cl] of [...v4, v3].entries()) {
      cl.send({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: i + 1 });
      expect((await cl.next('puback')).messageId).toBe(i + 1);
    }
  });
});
