// The ingest check and InfluxDB line-protocol encoding of one telemetry message, in process:
// nanoseconds per message over 1,000 device contexts, the bench's payload, called from the event
// loop as the broker calls it (not from one hot loop, whose on-stack replacement compiles
// differently). `node --max-semi-space-size=64 --import tsx bench/check-path.ts`; with
// `taskset -c N` in front it probes one CPU: on this VM the same process ran this 1.7-2x slower
// on one vCPU than on the other, and which vCPU was slow changed within minutes (RESULTS.md,
// session 10).
import { ByteWriter } from '../ingest/byte-writer.ts';
import { LineEncoder, SampleLineEncoder } from '../ingest/stores/influx-line.ts';
import { checkTelemetry, type DeviceContext } from '../ingest/validate.ts';
const enc = new LineEncoder(new SampleLineEncoder());
const out = new ByteWriter();
const devs: DeviceContext[] = Array.from({ length: 1000 }, (_, i) => ({
  deviceId: `d${String(i).padStart(20, '0')}`,
  category: 'air_conditioner',
  model: 'KFR-35GW',
}));
const limits = { maxFutureMs: 300_000, maxPastMs: 400 * 86_400_000 };
const payloads = Array.from({ length: 4096 }, (_, k) =>
  Buffer.from(
    JSON.stringify({
      ts: Date.now() + k,
      metrics: {
        indoor_temp_c: 20 + (k % 10),
        power_w: 800 + (k % 100),
        compressor_current_a: 5.5,
      },
    }),
  ),
);
function one(k: number): boolean {
  out.length = 0;
  const dev = devs[k % 1000]!;
  enc.start(dev, out);
  return checkTelemetry(payloads[k & 4095]!, dev, Date.now(), limits, enc).ok;
}
let k = 0;
let refused = 0;
const runFor = (n: number) =>
  new Promise<number>((resolve) => {
    const t0 = process.hrtime.bigint();
    const end = k + n;
    const step = () => {
      for (let j = 0; j < 100 && k < end; j++, k++) if (!one(k)) refused++;
      if (k < end) setImmediate(step);
      else resolve(Number(process.hrtime.bigint() - t0) / n);
    };
    step();
  });
const a = await runFor(1_000_000);
const b = await runFor(1_000_000);
console.log(
  `check + encode: first million ${a.toFixed(0)} ns/msg, second ${b.toFixed(0)} ns/msg (${refused} refused)`,
);
if (refused > 0) process.exit(1);
