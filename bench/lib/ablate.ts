// Measurement aid for bench/broker.ts: takes one stage of Sanbao's publish path away, so an
// interleaved A/B run (target sanbao-nodiag-b, BENCH_B_ENV="BENCH_ABLATE=<stage>") shows what
// that stage costs in broker CPU per message. Loaded with `--import` before the service when
// BENCH_ABLATE is set (bench/lib/targets.ts); never part of the product. Stages:
//   ingest    the broker hooks (auth, ACL, limits) run; ingest admits every message untouched
//   spool     ingest checks the message, then drops it (no spool, no store)
//   store     everything runs except the telemetry store's write (the drainer discards; the
//             bench's stored column still counts what it discarded)
import { Ingest } from '../../ingest/ingest.ts';
import type { TelemetryStore } from '../../ingest/telemetry-store.ts';
import { checkTelemetry } from '../../ingest/validate.ts';

const stage = process.env.BENCH_ABLATE;
const admitted = { ok: true as const, items: 1, unknownMetrics: [] as string[] };
const limits = { maxFutureMs: 300_000, maxPastMs: 400 * 86_400_000 };

if (stage === 'ingest') {
  Ingest.prototype.admit = () => admitted;
} else if (stage === 'spool') {
  Ingest.prototype.admit = (kind, dev, payload) => {
    if (kind !== 'telemetry') return admitted;
    return checkTelemetry(payload, dev, Date.now(), limits);
  };
} else if (stage === 'store') {
  const start = Ingest.prototype.start;
  Ingest.prototype.start = function startWithoutStore(this: Ingest) {
    // The drainer reads its store from the options it was built with.
    const o = (this as unknown as { o: { store: TelemetryStore } }).o;
    const { encoding } = o.store;
    o.store = Object.assign(Object.create(o.store) as TelemetryStore, {
      write: async () => undefined,
      // Encoded telemetry (InfluxDB's line protocol, made at admit) is discarded too.
      ...(encoding ? { encoding: { ...encoding, write: async () => undefined } } : {}),
    });
    start.call(this);
  };
} else {
  throw new Error(`BENCH_ABLATE must be ingest, spool or store, not ${stage}`);
}
process.stderr.write(`bench: ablated ${stage}\n`);
