import type { Message } from 'mqemitter';

/**
 * A routed message on the wire between nodes (broker/cluster-routing.ts): a fixed binary head
 * for the fields aedes's packets carry (aedes-packet: cmd, brokerId, brokerCounter, topic, qos,
 * retain, dup, messageId, clientId), any other field (an MQTT 5 `properties`, `nl`,
 * `messageExpiry` …) as JSON as before, then the payload's bytes as they are. The packet's
 * fields as JSON were the dearest part of encoding and decoding a message
 * (`JSON.stringify`/`JSON.parse`, bench/cluster.ts with --cpu-prof).
 *
 *   0  u8   format (1)
 *   1  u16  flags (below)
 *   3  u8   qos
 *   4  6 B  origin: the sending node's id
 *  10  u48  the sending node's message counter (origin + counter: the message's id)
 *  16  f64  brokerCounter                                  (HAS_COUNTER)
 *      u16  messageId                                       (HAS_MESSAGE_ID)
 *      u16 × k  length in characters of each of cmd, topic, brokerId, clientId (when HAS_…)
 *      u32 length + UTF-8: those k strings, one after the other
 *      u32 length + JSON of the other fields               (HAS_REST)
 *      the payload's bytes                                  (to the end; none when NO_PAYLOAD)
 */
const FORMAT = 1;
export const ORIGIN_BYTES = 6;
/** Where the message's id (origin and counter) starts and ends. */
export const ID_START = 4;
export const ID_END = ID_START + ORIGIN_BYTES + 6;

const RETAIN = 1 << 0;
const DUP = 1 << 1;
const TEXT = 1 << 2;
const NO_PAYLOAD = 1 << 3;
const HAS_COUNTER = 1 << 4;
const HAS_MESSAGE_ID = 1 << 5;
const HAS_CMD = 1 << 6;
const HAS_TOPIC = 1 << 7;
const HAS_BROKER_ID = 1 << 8;
const HAS_CLIENT_ID = 1 << 9;
const HAS_REST = 1 << 10;
const HAS_QOS = 1 << 11;
const HAS_RETAIN = 1 << 12;
const HAS_DUP = 1 << 13;

/** The head's strings, in their order, and their flags. */
const STRING_KEYS = ['cmd', 'topic', 'brokerId', 'clientId'] as const;
const STRING_FLAGS = {
  cmd: HAS_CMD,
  topic: HAS_TOPIC,
  brokerId: HAS_BROKER_ID,
  clientId: HAS_CLIENT_ID,
} as const;

type Fields = Record<string, unknown>;

const isU16 = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff;
/** A string the head can hold (u16 length), or undefined. */
const short = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length <= 0x3fff ? v : undefined;

/**
 * Encodes `message` as sent by node `origin` (ORIGIN_BYTES bytes) with its `counter`
 * (< 2^48). A head field of an unexpected type (a qos of 3, a numeric clientId) goes with the
 * other fields as JSON, so what arrives is what JSON carried before.
 */
export function encode(origin: Buffer, counter: number, message: Message): Buffer {
  // No closures in here: tsx (esbuild's keepNames) names each one on every call, which cost
  // more than the rest of the encoding.
  const m = message as unknown as Fields;
  let flags = 0;
  let qosByte = 0;
  let rest: Fields | undefined;
  for (const key in m) {
    if (!Object.prototype.hasOwnProperty.call(m, key)) continue;
    const v = m[key];
    switch (key) {
      case 'payload':
        continue;
      case 'qos':
        if (v === 0 || v === 1 || v === 2) {
          flags |= HAS_QOS;
          qosByte = v;
          continue;
        }
        break;
      case 'retain':
        if (typeof v === 'boolean') {
          flags |= HAS_RETAIN | (v ? RETAIN : 0);
          continue;
        }
        break;
      case 'dup':
        if (typeof v === 'boolean') {
          flags |= HAS_DUP | (v ? DUP : 0);
          continue;
        }
        break;
      case 'brokerCounter':
        if (typeof v === 'number') {
          flags |= HAS_COUNTER;
          continue;
        }
        break;
      case 'messageId':
        if (isU16(v)) {
          flags |= HAS_MESSAGE_ID;
          continue;
        }
        break;
      case 'cmd':
      case 'topic':
      case 'brokerId':
      case 'clientId':
        if (short(v) !== undefined) {
          flags |= STRING_FLAGS[key];
          continue;
        }
        break;
    }
    if (v !== undefined) (rest ??= {})[key] = v;
  }
  // The head's strings are written as one (one native call, not one each), their lengths in
  // characters before it.
  let strings = '';
  let count = 0;
  for (const key of STRING_KEYS)
    if (flags & STRING_FLAGS[key]) {
      strings += m[key] as string;
      count++;
    }
  const payload = m.payload as Buffer | string | undefined;
  if (payload === undefined) flags |= NO_PAYLOAD;
  else if (typeof payload === 'string') flags |= TEXT;
  const body = payload === undefined ? 0 : Buffer.byteLength(payload);
  const json = rest === undefined ? undefined : JSON.stringify(rest);
  if (json !== undefined) flags |= HAS_REST;

  const stringBytes = Buffer.byteLength(strings);
  let size = ID_END + (flags & HAS_COUNTER ? 8 : 0) + (flags & HAS_MESSAGE_ID ? 2 : 0) + body;
  size += 2 * count + 4 + stringBytes;
  if (json !== undefined) size += 4 + Buffer.byteLength(json);
  const out = Buffer.allocUnsafe(size);
  out[0] = FORMAT;
  out.writeUInt16BE(flags, 1);
  out[3] = qosByte;
  for (let k = 0; k < ORIGIN_BYTES; k++) out[ID_START + k] = origin[k]!;
  out.writeUIntBE(counter, ID_START + ORIGIN_BYTES, 6);
  let at = ID_END;
  if (flags & HAS_COUNTER) at = out.writeDoubleBE(m.brokerCounter as number, at);
  if (flags & HAS_MESSAGE_ID) at = out.writeUInt16BE(m.messageId as number, at);
  for (const key of STRING_KEYS)
    if (flags & STRING_FLAGS[key]) at = out.writeUInt16BE((m[key] as string).length, at);
  at = out.writeUInt32BE(stringBytes, at);
  at += out.write(strings, at);
  if (json !== undefined) {
    const n = out.write(json, at + 4);
    out.writeUInt32BE(n, at);
    at += 4 + n;
  }
  if (typeof payload === 'string') out.write(payload, at);
  else if (payload !== undefined) out.set(payload, at);
  return out;
}

/** Did node `origin` send this message? */
export function sentBy(buf: Buffer, origin: Buffer): boolean {
  return (
    buf.length >= ID_END &&
    buf.compare(origin, 0, ORIGIN_BYTES, ID_START, ID_START + ORIGIN_BYTES) === 0
  );
}

/** The message's id (origin and counter) as a string, for remembering which were heard. */
export const idOf = (buf: Buffer): string => buf.toString('latin1', ID_START, ID_END);

export function decode(buf: Buffer): Message {
  if (buf.length < ID_END || buf[0] !== FORMAT)
    throw new Error('cluster routing: unreadable message');
  const flags = buf.readUInt16BE(1);
  const m: Fields = {};
  let at = ID_END;
  if (flags & HAS_COUNTER) {
    m.brokerCounter = buf.readDoubleBE(at);
    at += 8;
  }
  if (flags & HAS_MESSAGE_ID) {
    m.messageId = buf.readUInt16BE(at);
    at += 2;
  }
  let count = 0;
  for (const key of STRING_KEYS) if (flags & STRING_FLAGS[key]) count++;
  let lengthAt = at;
  at += 2 * count;
  const stringBytes = buf.readUInt32BE(at);
  const strings = buf.toString('utf8', at + 4, at + 4 + stringBytes);
  at += 4 + stringBytes;
  let from = 0;
  for (const key of STRING_KEYS)
    if (flags & STRING_FLAGS[key]) {
      const n = buf.readUInt16BE(lengthAt);
      lengthAt += 2;
      m[key] = strings.slice(from, from + n);
      from += n;
    }
  if (flags & HAS_QOS) m.qos = buf[3];
  if (flags & HAS_RETAIN) m.retain = (flags & RETAIN) !== 0;
  if (flags & HAS_DUP) m.dup = (flags & DUP) !== 0;
  if (flags & HAS_REST) {
    const n = buf.readUInt32BE(at);
    Object.assign(m, JSON.parse(buf.toString('utf8', at + 4, at + 4 + n)) as Fields);
    at += 4 + n;
  }
  if (at > buf.length) throw new Error('cluster routing: unreadable message');
  if (!(flags & NO_PAYLOAD))
    // A copy: the received chunk is not held by a message waiting in a queue.
    m.payload = flags & TEXT ? buf.toString('utf8', at) : Buffer.from(buf.subarray(at));
  return m as unknown as Message;
}
