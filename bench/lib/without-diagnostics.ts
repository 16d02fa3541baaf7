// Measurement aid for bench/broker.ts (target `sanbao-nodiag`): Sanbao as issue #2's CPU target
// describes it — authentication, ACL and ingest — without the diagnostics engine the service
// also runs on every stored sample. Loaded with `--import` before the service, it stops ingest
// from handing stored samples to listeners; nothing else changes.
import { Ingest } from '../../ingest/ingest.ts';

Ingest.prototype.onStored = function onStored() {
  // Deliberately empty: no listener ever receives stored samples in this process.
};
process.stderr.write('bench: stored samples are not handed to diagnostics\n');
