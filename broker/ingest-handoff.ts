import type { PublishPacket } from 'aedes';
import type { Config, Metrics } from '../core/index.ts';
import type { Identity } from './acl.ts';
import type { AedesHandle } from './aedes-internals.ts';
import type { ClientState } from './client-state.ts';
import { divert, type ReportError } from './device-reports.ts';
import type { IngestPort, IngestVerdict } from './ports.ts';

/** Messages in flight in aedes beyond which QoS 0 publishers are paced (see handOff). */
const PACE_AT = 1000;

export interface HandoffDeps {
  config: Config['mqtt'];
  ingest: IngestPort;
  metrics: Metrics;
}

/**
 * A device's own telemetry or events message, once it passed the publish checks
 * (broker/publish-checks.ts), handed to ingest. Returns nothing when it may go on now, or the
 * promise it must wait for; throws to refuse it (the connection closes).
 */
export type HandOff = (
  st: ClientState,
  packet: PublishPacket,
  kind: 'telemetry' | 'events',
) => Promise<void> | void;

export function ingestHandoff(
  d: HandoffDeps,
  aedes: AedesHandle,
  reportError: ReportError,
): HandOff {
  const { config, ingest, metrics } = d;

  /** After ingest's verdict: a refused payload is reported and diverted, not forwarded. */
  const refused = (
    st: ClientState,
    packet: PublishPacket,
    r: Extract<IngestVerdict, { ok: false }>,
  ) => {
    metrics.rejected.inc({ reason: r.reason });
    reportError(st, packet.topic, r.reason, r.message, r.details);
    divert(packet);
  };
  /** The spool is full: QoS 0 promises nothing (dropped and counted); QoS 1/2 is not acknowledged. */
  const spoolFull = (err: unknown, packet: PublishPacket) => {
    if (!ingest.isFull(err)) throw err;
    metrics.rejected.inc({ reason: 'spool_full' });
    // The connection closes so the device keeps the message and resends it later.
    if (packet.qos === 0) return divert(packet);
    throw err;
  };

  return (st, packet, kind) => {
    const payload =
      typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    // QoS 1/2 is acknowledged once its group commit has it on disk. QoS 0 has nothing to
    // acknowledge and goes on at once, except when aedes has many messages in flight (it waits
    // for the group commit) or ingest is behind (it waits until the drainer caught up): aedes
    // reads no more from a client while one of its messages waits, so a flood is paced to what
    // the broker delivers and stores instead of queueing without bound (raw aedes collapses so).
    const behind = packet.qos === 0 && ingest.behind;
    const wait = packet.qos > 0 || aedes.routing.current >= PACE_AT;
    if (packet.qos > 0 && st.inflight >= config.maxInflight) {
      metrics.rejected.inc({ reason: 'inflight' });
      throw new Error(`more than ${config.maxInflight} messages waiting to be made durable`);
    }
    let r: IngestVerdict;
    try {
      // Only a device's state has these topics.
      r = ingest.admit(kind, st.who as Extract<Identity, { kind: 'device' }>, payload, wait);
    } catch (err) {
      return spoolFull(err, packet);
    }
    if (!r.ok) return refused(st, packet, r);
    const until = behind ? ingest.caughtUp() : r.durable;
    if (!until) return;
    st.inflight++;
    return until;
  };
}
