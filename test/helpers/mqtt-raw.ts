import { connect as tcpConnect, type Socket } from 'node:net';

/**
 * MQTT 3.1.1 packets written by hand, for what a well-behaved client library will not send: a
 * zero-length client id with CleanSession=0, a second CONNECT, a wrong protocol name, a client
 * that goes silent without PINGREQs.
 */

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

/** The Remaining Length field (MQTT 3.1.1 §2.2.3). */
function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

export interface ConnectOptions {
  clientId: string;
  clean?: boolean;
  keepalive?: number;
  protocolName?: string;
  will?: { topic: string; payload: string; qos?: 0 | 1 | 2; retain?: boolean };
}

/** A CONNECT packet (MQTT 3.1.1 §3.1). */
export function connectPacket(o: ConnectOptions): Buffer {
  let flags = o.clean === false ? 0 : 0x02;
  if (o.will) flags |= 0x04 | ((o.will.qos ?? 0) << 3) | (o.will.retain ? 0x20 : 0);
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(o.keepalive ?? 60);
  const body = Buffer.concat([
    str(o.protocolName ?? 'MQTT'),
    Buffer.from([4, flags]),
    keepalive,
    str(o.clientId),
    ...(o.will ? [str(o.will.topic), str(o.will.payload)] : []),
  ]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

export interface RawConnection {
  socket: Socket;
  /** The CONNACK, or undefined when the server closed the connection without one. */
  connack?: { sessionPresent: boolean; returnCode: number };
  /** Resolves when the server closes the connection. */
  closed: Promise<void>;
}

/** Opens a TCP connection to `url` (mqtt://host:port), sends `packet` and reads the answer. */
export function rawConnect(url: string, packet: Buffer, ms = 5000): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(port), hostname);
    let got = Buffer.alloc(0);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no CONNACK nor close within ${ms} ms`));
    }, ms);
    const done = (c: RawConnection) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      resolve(c);
    };
    socket.on('error', () => undefined); // a reset after the server closes is expected
    socket.on('connect', () => socket.write(packet));
    socket.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got[0] === 0x20) {
        done({
          socket,
          connack: { sessionPresent: (got[2]! & 1) === 1, returnCode: got[3]! },
          closed,
        });
      }
    });
    void closed.then(() => done({ socket, closed }));
  });
}

function packet(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** A SUBSCRIBE of one filter (MQTT 3.1.1 §3.8). */
export function subscribePacket(id: number, filter: string, qos: 0 | 1 | 2): Buffer {
  return packet(0x82, Buffer.concat([u16(id), str(filter), Buffer.from([qos])]));
}

/** A PUBLISH (MQTT 3.1.1 §3.3); `id` for QoS 1 and 2. */
export function publishPacket(topic: string, payload: string, qos: 0 | 1 | 2, id = 1): Buffer {
  return packet(
    0x30 | (qos << 1),
    Buffer.concat([str(topic), ...(qos > 0 ? [u16(id)] : []), Buffer.from(payload)]),
  );
}

/** DISCONNECT (MQTT 3.1.1 §3.14). */
export const DISCONNECT = Buffer.from([0xe0, 0x00]);

/** The control packet types (first byte >> 4) of the whole packets in `b`, in order. */
export function packetTypes(b: Buffer): number[] {
  const out: number[] = [];
  let p = 0;
  while (p < b.length) {
    let len = 0;
    let mul = 1;
    let q = p + 1;
    for (;;) {
      if (q >= b.length) return out;
      const byte = b[q++]!;
      len += (byte & 0x7f) * mul;
      mul *= 128;
      if (!(byte & 0x80)) break;
    }
    if (q + len > b.length) return out;
    out.push(b[p]! >> 4);
    p = q + len;
  }
  return out;
}
