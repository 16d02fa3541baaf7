// A child process of bench/cluster.ts that holds idle device connections: this machine allows a
// process 20,000 open files (hard limit), so 100,000 connections need several load generators.
// Reads one JSON line on stdin: {urls: string[], localAddress, devices: [{id, secret}],
// keepalive?: seconds, 0 by default (bench/idle-heap.ts's BENCH_IDLE_KEEPALIVE)}; opens
// each device's connection (CONNECT with its credentials, then SUBSCRIBE to its commands, as a
// device does) with hand-written MQTT 3.1.1 packets — a client library's per-connection state
// would dwarf what is measured on the other side — and prints `connected N failed M`, then
// keeps them open until stdin closes.
import { connect as tcpConnect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { z } from 'zod';

const Job = z.object({
  urls: z.array(z.string().url()).min(1),
  localAddress: z.string(),
  devices: z.array(z.object({ id: z.string(), secret: z.string() })),
  keepalive: z.number().int().min(0).max(65535).default(0),
});

const str = (s: string) => {
  const b = Buffer.from(s);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};
const remaining = (n: number) => {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
};
const packet = (first: number, body: Buffer) =>
  Buffer.concat([Buffer.from([first]), remaining(body.length), body]);

function connectPacket(id: string, secret: string, keepalive: number): Buffer {
  // Clean session, username and password; keepalive 0 by default: an idle device that sends
  // nothing (one longer than the run keeps the broker's keep-alive timer without a PINGREQ).
  return packet(
    0x10,
    Buffer.concat([
      str('MQTT'),
      Buffer.from([4, 0x02 | 0x80 | 0x40, keepalive >> 8, keepalive & 0xff]),
      str(id),
      str(id),
      str(secret),
    ]),
  );
}
const subscribePacket = (id: string) =>
  packet(
    0x82,
    Buffer.concat([Buffer.from([0, 1]), str(`devices/${id}/commands/#`), Buffer.from([1])]),
  );

function open(
  url: string,
  localAddress: string,
  d: { id: string; secret: string },
  keepalive: number,
) {
  const { hostname, port } = new URL(url);
  return new Promise<Socket | undefined>((resolve) => {
    const s = tcpConnect({ port: Number(port), host: hostname, localAddress });
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => finish(false), 60_000);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      s.removeAllListeners('data');
      if (!ok) s.destroy();
      resolve(ok ? s : undefined);
    };
    s.on('error', () => finish(false));
    s.on('connect', () => s.write(Buffer.concat([connectPacket(d.id, d.secret, keepalive)])));
    s.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 4 && got[0] === 0x20) {
        if (got[3] !== 0) return finish(false);
        s.write(subscribePacket(d.id));
        got = got.subarray(4);
      }
      if (got.length >= 5 && got[0] === 0x90) finish(true); // SUBACK
    });
  });
}

const rl = createInterface({ input: process.stdin });
const held: Socket[] = [];
rl.once('line', (line) => {
  const job = Job.parse(JSON.parse(line));
  void (async () => {
    let failed = 0;
    let next = 0;
    const worker = async () => {
      while (next < job.devices.length) {
        const k = next++;
        const s = await open(
          job.urls[k % job.urls.length]!,
          job.localAddress,
          job.devices[k]!,
          job.keepalive,
        );
        if (s) held.push(s);
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    process.stdout.write(`connected ${held.length} failed ${failed}\n`);
  })();
});
rl.once('close', () => {
  for (const s of held) s.destroy();
  process.exit(0);
});
