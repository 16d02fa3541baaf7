import type { PublishPacket } from 'aedes';
import type { AedesHandle } from './aedes-internals.ts';
import { stateOf, type ClientState } from './client-state.ts';
import type { IngestPort } from './ports.ts';

/** Where refused messages go instead of their topic (see divert). */
export const REFUSED_TOPIC = '$SYS/sanbao/refused';

/**
 * A refused message is acknowledged (its payload will never become valid, a retry would loop)
 * but not forwarded or stored: it is diverted to a broker-internal topic only admins may read.
 * One topic for all: a client id can hold `/`, `+` or `#`, which have no place in a topic name.
 */
export function divert(packet: PublishPacket): void {
  packet.topic = REFUSED_TOPIC;
  packet.retain = false;
}

/** Tells a device why its message was refused. */
export type ReportError = (
  st: ClientState,
  topic: string,
  reason: string,
  message: string,
  details?: unknown,
) => void;

/** Reports to devices on `devices/{id}/errors`, at most 10 a second per client. */
export function deviceReports(aedes: AedesHandle, now: () => number): ReportError {
  return (st, topic, reason, message, details) => {
    if (st.who.kind !== 'device') return;
    // At most 10 reports a second per client: a device sending garbage fast must not turn the
    // broker into an amplifier. What is not reported is still counted in the metrics.
    const t = now();
    if (t - st.reportWindowStart >= 1000) {
      st.reportWindowStart = t;
      st.reportsInWindow = 0;
    }
    if (++st.reportsInWindow > 10) return;
    aedes.publish({
      cmd: 'publish',
      qos: 0,
      dup: false,
      retain: false,
      topic: `devices/${st.who.deviceId}/errors`,
      payload: Buffer.from(
        JSON.stringify({ ts: new Date(t).toISOString(), topic, reason, message, details }),
      ),
    });
  };
}

/** A message the store refused after it was acknowledged: its device, if connected, learns why. */
export function reportStoreRefusals(
  ingest: IngestPort,
  aedes: AedesHandle,
  reportError: ReportError,
): void {
  ingest.onRefused?.((r) => {
    const st = stateOf(aedes.client(r.deviceId) ?? null);
    if (st?.who.kind !== 'device' || st.who.deviceId !== r.deviceId) return;
    const what = `${r.items} ${r.kind === 'events' ? 'event' : 'sample'}${r.items === 1 ? '' : 's'}`;
    reportError(
      st,
      `devices/${r.deviceId}/${r.kind}`,
      'store_refused',
      `the telemetry store refused the ${what} of one message for good${r.code ? ` (code ${r.code})` : ''}: kept for an operator, not stored`,
      r.code ? { code: r.code } : undefined,
    );
  });
}
