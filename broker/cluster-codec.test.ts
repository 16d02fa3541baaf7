import type { Message } from 'mqemitter';
import { describe, expect, it } from 'vitest';
import { decode, encode, idOf, sentBy } from './cluster-codec.ts';

const origin = Buffer.from('abcdef');
/** What the JSON encoding this replaced delivered: the fields through JSON, the payload as is. */
function viaJson(message: Record<string, unknown>): Record<string, unknown> {
  const { payload, ...fields } = message;
  const out = JSON.parse(JSON.stringify(fields)) as Record<string, unknown>;
  if (payload !== undefined) out.payload = payload;
  return out;
}
const roundTrip = (m: Record<string, unknown>) =>
  decode(encode(origin, 7, m as unknown as Message)) as unknown as Record<string, unknown>;

describe('cluster codec', () => {
  it("carries an aedes packet's fields and payload bytes unchanged", () => {
    const packet = {
      cmd: 'publish',
      brokerId: '3f1c-uuid',
      brokerCounter: 123_456_789,
      topic: 'devices/d1/telemetry',
      payload: Buffer.from([0, 1, 2, 255]),
      qos: 1,
      retain: false,
      dup: false,
      messageId: 42,
      clientId: 'd1',
    };
    const got = roundTrip(packet);
    expect(got).toEqual(packet);
    expect(Buffer.isBuffer(got.payload)).toBe(true);
  });

  it('carries what JSON carried for other fields, text payloads, odd types and long strings', () => {
    const cases: Array<Record<string, unknown>> = [
      { topic: 'a/ü/€', payload: 'text ü', qos: 0, retain: true, dup: true },
      { topic: 'x' },
      {
        topic: 'devices/d1/commands',
        payload: Buffer.alloc(0),
        qos: 2,
        nl: true,
        properties: { userProperties: { k: 'v' }, correlationData: Buffer.from('c') },
        messageExpiry: 1_800_000_000_000,
        messageId: undefined,
      },
      { topic: 't', qos: 3, retain: 1, clientId: 5, messageId: 70_000, brokerCounter: '9' },
      { topic: 'é'.repeat(20_000), brokerId: 'b', payload: Buffer.from('p') },
    ];
    for (const m of cases) expect(roundTrip(m)).toEqual(viaJson(m));
  });

  it("names the message's origin and id", () => {
    const a = encode(origin, 1, { topic: 't' } as unknown as Message);
    const b = encode(origin, 2, { topic: 't' } as unknown as Message);
    expect(sentBy(a, origin)).toBe(true);
    expect(sentBy(a, Buffer.from('abcdeg'))).toBe(false);
    expect(idOf(a)).not.toBe(idOf(b));
    expect(idOf(a)).toBe(idOf(encode(origin, 1, { topic: 'u' } as unknown as Message)));
  });

  it('refuses what it cannot read', () => {
    expect(() => decode(Buffer.from('{"id":1}'))).toThrow(/unreadable/);
  });
});
