import type { Client } from 'aedes';
import type { Config } from '../core/index.ts';
import type { Identity } from './acl.ts';
import { TokenBucket } from './rate-limit.ts';

/** What the broker keeps of one connection, from its authentication to its end. */
export interface ClientState {
  who: Identity;
  /**
   * `devices/{id}/` for a device: everything it may publish starts with it, and its own topics
   * are it and a last level (`ownKind`, `isStatusTopic`: kept as one string, not four, ~0.2 KB
   * of every idle connection).
   */
  prefix?: string;
  /** Which of a device's ingested topics are within the topic limits: OWN_TELEMETRY, OWN_EVENTS. */
  own: number;
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

/**
 * One object per connection: the state is its own token bucket (`bucket` is the state itself),
 * with a fixed shape from its class, where a literal spread from the device's topics and a
 * separate TokenBucket cost two more objects (~0.1 KB of every idle connection).
 */
class TrackedState extends TokenBucket implements ClientState {
  prefix: string | undefined = undefined;
  own = 0;
  inflight = 0;
  reportWindowStart = 0;
  reportsInWindow = 0;
  takenOver = false;
  constructor(
    readonly who: Identity,
    config: Config['mqtt'],
    now: number,
  ) {
    super(config.ratePerDevice, config.rateBurst, now);
    if (who.kind === 'device') {
      const t = deviceTopics(who.deviceId, config);
      this.prefix = t.prefix;
      this.own = t.own;
    }
  }

  get bucket(): TokenBucket {
    return this;
  }
}

/** A client that authenticated as `who`: its state from now on. */
export function track(c: Client, who: Identity, config: Config['mqtt'], now: number): ClientState {
  const st = new TrackedState(who, config, now);
  (c as Tracked)[STATE] = st;
  return st;
}

/** Number of levels of a topic (separators + 1), without allocating. */
export function levels(topic: string): number {
  let n = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) n++;
  return n;
}

const OWN_TELEMETRY = 1;
const OWN_EVENTS = 2;

/**
 * A device's topics: its prefix, and which of its telemetry and events topics are within the
 * topic limits — the publish checks let those through without checking again (a limit
 * configured below them refuses them on the general path, with the reason).
 */
function deviceTopics(id: string, config: Config['mqtt']) {
  // join, not a template: one flat string, where concatenation keeps a rope of two more objects.
  const prefix = ['devices/', id, '/'].join('');
  const within = (last: string) =>
    prefix.length + last.length <= config.maxTopicLength && levels(prefix) <= config.maxTopicLevels;
  return {
    prefix,
    own: (within('telemetry') ? OWN_TELEMETRY : 0) | (within('events') ? OWN_EVENTS : 0),
  };
}

/** `{prefix}{last}`, compared without building it. */
const isOwn = (prefix: string, topic: string, last: string) =>
  topic.length === prefix.length + last.length && topic.endsWith(last) && topic.startsWith(prefix);

/** Which of a device's own ingested topics `topic` is, when within the limits. */
export function ownKind(st: ClientState, topic: string): 'telemetry' | 'events' | undefined {
  const prefix = st.prefix;
  if (prefix === undefined) return undefined;
  if (st.own & OWN_TELEMETRY && isOwn(prefix, topic, 'telemetry')) return 'telemetry';
  if (st.own & OWN_EVENTS && isOwn(prefix, topic, 'events')) return 'events';
  return undefined;
}

/** Whether `topic` is the device's status topic, `devices/{id}/status`, which only the broker writes. */
export const isStatusTopic = (st: ClientState, topic: string): boolean =>
  st.prefix !== undefined && isOwn(st.prefix, topic, 'status');
