// Measurement aid for bench/cluster.ts's idle phase: loaded with `--import` (and node's
// --expose-gc) before the service, a SIGUSR2 runs a full garbage collection, so the heap the
// service reports on /metrics afterwards is what its connections hold, not what awaits
// collection. Nothing else changes.
process.on('SIGUSR2', () => (globalThis as { gc?: () => void }).gc?.());
