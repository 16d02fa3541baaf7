import type { Client } from 'aedes';
import type { Config } from '../core/index.ts';
import type { Identity } from './acl.ts';
import { TokenBucket } from './rate-limit.ts';

/** What the broker keeps of one connection, from its authentication to its end. */
export interface ClientState {
  who: Identity;
  /** `devices/{id}/` for a device: everything it may publish starts with it. */
  prefix?: string;
  /** A device's ingested topics, `devices/{id}/telemetry` and `…/events`. */
  telemetryTopic?: string;
  eventsTopic?: string;
  /** A device's status topic, which only the broker writes. */
  statusTopic?: string;
  bucket: TokenBucket;
  /** QoS 1/2 messages waiting for their group commit (or for ingest to catch up). */
  inflight: number;
  reportWindowStart: number;
  reportsInWindow: number;
  /**
   * Cluster mode: a connection with the same client id on another node took this one's session
   * over (broker/connections.ts): its end is not the device going offline.
   */
  takenOver?: boolean;
}

// A client's state rides on the client under a symbol: one property load per message, where
// a WeakMap lookup missed the CPU caches at a thousand connections (ingest/device-memo.ts).
const STATE = Symbol('sanbao.clientState');
type Tracked = Client & { [STATE]?: ClientState };

/** The state of an authenticated client; none for one that is not (or for the broker itself). */
export const stateOf = (c: Client | null): ClientState | undefined =>
  c ? (c as Tracked)[STATE] : undefined;

/** A client that authenticated as `who`: its state from now on. */
export function track(c: Client, who: Identity, config: Config['mqtt'], now: number): ClientState {
  const st: ClientState = {
    who,
    bucket: new TokenBucket(config.ratePerDevice, config.rateBurst, now),
    inflight: 0,
    reportWindowStart: 0,
    reportsInWindow: 0,
    ...(who.kind === 'device' ? deviceTopics(who.deviceId, config) : {}),
  };
  (c as Tracked)[STATE] = st;
  return st;
}

/** Number of levels of a topic (separators + 1), without allocating. */
export function levels(topic: string): number {
  let n = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) n++;
  return n;
}

/**
 * A device's topics. Its telemetry and events topics are kept only when they are within the
 * topic limits: the publish checks let them through without checking again (a limit configured
 * below them refuses them on the general path, with the reason).
 */
function deviceTopics(id: string, config: Config['mqtt']) {
  const within = (t: string) =>
    t.length <= config.maxTopicLength && levels(t) <= config.maxTopicLevels ? t : undefined;
  return {
    prefix: `devices/${id}/`,
    telemetryTopic: within(`devices/${id}/telemetry`),
    eventsTopic: within(`devices/${id}/events`),
    statusTopic: `devices/${id}/status`,
  };
}
