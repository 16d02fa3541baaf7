// Measurement aid for bench/broker.ts (target `sanbao-nodiag`): Sanbao as issue #2's CPU target
// describes it — authentication, ACL and ingest — without the diagnostics engine the service
// also runs on every stored sample. Loaded with `--import` before the service, it stops ingest
// from handing spooled samples to listeners; nothing else changes.
import { Ingest } from '../../ingest/ingest.ts';

Ingest.prototype.onDurable = function onDurable() {
  // Deliberately empty: no listener ever receives spooled samples in this process.
};
process.stderr.write('bench: spooled samples are not handed to diagnostics\n');
