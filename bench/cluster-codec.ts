// node --import tsx bench/cluster-codec.ts — the routed message's encoding (issue 22): the
// binary head of broker/cluster-codec.ts against the JSON head it replaced (95ed73b's
// broker/cluster-routing.ts, copied below), on an aedes packet as a device's telemetry makes
// it. CPU time per encode and per decode, the better of BENCH_ROUNDS (5) rounds of
// BENCH_MESSAGES (200,000): a single-thread loop, steadier than the cluster bench on a shared
// machine, though still timing.
import { randomUUID } from 'node:crypto';
import type { Message } from 'mqemitter';
import { decode, encode, idOf } from '../broker/cluster-codec.ts';

const N = Number(process.env.BENCH_MESSAGES ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function jsonEncode(id: string, message: Message): Buffer {
  const { payload, ...fields } = message as Message & { payload?: Buffer | string };
  const head = Buffer.from(
    JSON.stringify({
      id,
      fields,
      text: typeof payload === 'string' ? true : undefined,
      none: payload === undefined ? true : undefined,
    }),
  );
  const body =
    payload === undefined ? EMPTY : Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const out = Buffer.allocUnsafe(4 + head.length + body.length);
  out.writeUInt32BE(head.length, 0);
  head.copy(out, 4);
  body.copy(out, 4 + head.length);
  return out;
}
const EMPTY = Buffer.alloc(0);

function jsonDecode(buf: Buffer): { id: string; message: Message } {
  const n = buf.readUInt32BE(0);
  const head = JSON.parse(buf.toString('utf8', 4, 4 + n)) as {
    id: string;
    fields: Message;
    text?: boolean;
    none?: boolean;
  };
  const bytes = buf.subarray(4 + n);
  const message = head.fields;
  if (!head.none)
    (message as { payload?: Buffer | string }).payload = head.text
      ? bytes.toString()
      : Buffer.from(bytes);
  return { id: head.id, message };
}

const packet = {
  cmd: 'publish',
  brokerId: randomUUID(),
  brokerCounter: 1_234_567,
  topic: 'devices/dev-0123456789abcdef/telemetry',
  payload: Buffer.from(
    JSON.stringify({ ts: Date.now(), metrics: { fridge_temp_c: 4.2, door_open: 0, power_w: 112 } }),
  ),
  qos: 1,
  retain: false,
  dup: false,
  clientId: 'dev-0123456789abcdef',
} as unknown as Message;
const origin = Buffer.from('abcdef');

/** Best of ROUNDS: CPU µs per call of `fn` over N calls. */
function time(fn: (i: number) => unknown): number {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < N; i++) fn(i);
    const t = process.cpuUsage(t0);
    best = Math.min(best, (t.user + t.system) / N);
  }
  return best;
}

const oldBody = jsonEncode('node01:1', packet);
const newBody = encode(origin, 1, packet);
const rows = [
  [
    'JSON head (before)',
    time((i) => jsonEncode(`node01:${i}`, packet)),
    time(() => jsonDecode(oldBody)),
    oldBody.length,
  ],
  [
    'binary head (after)',
    time((i) => encode(origin, i, packet)),
    time(() => (idOf(newBody), decode(newBody))),
    newBody.length,
  ],
] as const;
console.log(`| encoding | encode µs | decode µs | bytes |\n| --- | --- | --- | --- |`);
for (const [name, e, d, bytes] of rows)
  console.log(`| ${name} | ${e.toFixed(2)} | ${d.toFixed(2)} | ${bytes} |`);
