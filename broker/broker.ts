import {
  Aedes,
  type AedesOptions,
  type AuthenticateError,
  type Client,
  type PublishPacket,
  type Subscription,
} from 'aedes';
import type { FastifyBaseLogger } from 'fastify';
import type { Auth } from '../core/index.ts';
import type { Config } from '../core/index.ts';
import { hotCounter, type Metrics } from '../core/index.ts';
import { memoOf } from '../ingest/device-memo.ts';
import { SpoolFullError } from '../ingest/spool.ts';
import type { Admitted, StoreRefusal } from '../ingest/ingest.ts';
import type { DeviceContext } from '../ingest/validate.ts';
import { filterWithin, mayPublish, maySubscribe, type Identity } from './acl.ts';
import { isDeviceIdForm, type DeviceRegistry } from '../devices/index.ts';
import { createPersistence } from './persistence.ts';
import { TokenBucket } from './rate-limit.ts';

/** What the broker needs from ingest: protocol stays here, ingest sees payloads and devices. */
export interface IngestPort {
  /** Ingest's verdict, at once; with `durable`, `durable` settles once the message is on disk. */
  admit(
    kind: 'telemetry' | 'events',
    dev: DeviceContext,
    payload: Buffer,
    durable: boolean,
  ): Admitted;
  /** The store is up but not keeping up with what is admitted. */
  readonly behind: boolean;
  /** Resolves once it is no longer behind. */
  caughtUp(): Promise<void>;
  /** Tells of each message the store refused for good after it was accepted (dead-lettered). */
  onRefused?(listener: (r: StoreRefusal) => void): void;
}

export interface BrokerDeps {
  config: Config['mqtt'];
  devices: DeviceRegistry;
  auth: Auth;
  ingest: IngestPort;
  metrics: Metrics;
  log: FastifyBaseLogger;
  now?: () => number;
}

interface ClientState {
  who: Identity;
  /** `devices/{id}/` for a device: everything it may publish starts with it. */
  prefix?: string;
  /** A device's ingested topics, `devices/{id}/telemetry` and `…/events`. */
  telemetryTopic?: string;
  eventsTopic?: string;
  /** A device's status topic, which only the broker writes. */
  statusTopic?: string;
  bucket: TokenBucket;
  inflight: number;
  reportWindowStart: number;
  reportsInWindow: number;
}

const enum ReturnCode {
  IdentifierRejected = 2,
  BadUsernameOrPassword = 4,
  NotAuthorized = 5,
}

/** Number of levels of a topic (separators + 1), without allocating. */
function levels(topic: string): number {
  let n = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) n++;
  return n;
}

/**
 * Messages aedes routes at once (its default is 100). A group commit releases a whole group of
 * QoS 1 messages together, dozens to thousands; beyond `concurrency` they wait in mqemitter's
 * queue, whose shift() is O(n) and which completes synchronously, message after message, when
 * nobody subscribes: a long queue and a subscriber leaving overflowed the stack.
 */
const ROUTING_CONCURRENCY = 10_000;
/** Messages in flight in aedes beyond which QoS 0 publishers are paced (see checkPublish). */
const PACE_AT = 1000;

/** Where refused messages go instead of their topic (see divert). */
const REFUSED_TOPIC = '$SYS/sanbao/refused';

/** aedes's error for a topic deeper than maxTopicLevels, which it checks before any hook. */
const AEDES_TOO_DEEP = 'topic has too many levels';

/** Username that marks a service client authenticating with an API token as password. */
export const SERVICE_USERNAME = 'token';

function authError(message: string, returnCode: ReturnCode): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as unknown as AuthenticateError;
}

/** Adapts an async hook to aedes's callback style: called back exactly once (STYLE.md §8). */
function once<A extends unknown[], R>(fn: (...a: A) => Promise<R>, log: FastifyBaseLogger) {
  return (cb: (err: Error | null, r?: R) => void, ...a: A): void => {
    fn(...a).then(
      (r) => cb(null, r),
      (err: unknown) => cb(asError(err, log)),
    );
  };
}

function asError(err: unknown, log: FastifyBaseLogger): Error {
  if (err instanceof Error) return err;
  log.error({ err }, 'broker hook threw a non-error');
  return new Error(String(err));
}

/**
 * Publishes waiting for the spool's group commit (QoS 1/2) or for ingest to catch up (paced
 * QoS 0). Every message of a group shares one promise, so one `then` per group calls them all
 * back in order, instead of a promise and two closures per message.
 */
class GroupAcks {
  private group?: Promise<void>;
  private waiting: Array<{ st: ClientState; done: (err?: Error | null) => void }> = [];

  constructor(private readonly log: FastifyBaseLogger) {}

  add(durable: Promise<void>, st: ClientState, done: (err?: Error | null) => void): void {
    if (durable !== this.group) {
      this.group = durable;
      const waiting: typeof this.waiting = (this.waiting = []);
      durable.then(
        () => this.settle(waiting, null),
        (err: unknown) => this.settle(waiting, asError(err, this.log)),
      );
    }
    this.waiting.push({ st, done });
  }

  private settle(waiting: typeof this.waiting, err: Error | null): void {
    let thrown: unknown;
    for (const w of waiting) {
      w.st.inflight--;
      try {
        w.done(err);
      } catch (e) {
        thrown ??= e; // the others are still called back; the first failure surfaces after
      }
    }
    if (thrown !== undefined) throw thrown;
  }
}

/**
 * The MQTT broker: aedes with device authentication, topic ACLs, limits and ingest attached.
 * Returns the aedes instance; listeners (TCP, TLS, WebSocket) are bound in broker/listeners.ts.
 */
export async function createBroker(deps: BrokerDeps): Promise<Aedes> {
  const { config, metrics, log } = deps;
  const now = deps.now ?? Date.now;
  // A client's state rides on the client under a symbol: one property load per message, where
  // a WeakMap lookup missed the CPU caches at a thousand connections (ingest/device-memo.ts).
  const STATE = Symbol('sanbao.clientState');
  type Tracked = Client & { [STATE]?: ClientState };
  const track = (c: Client, st: ClientState) => ((c as Tracked)[STATE] = st);
  const open = config.auth === 'none';
  if (open) log.warn('MQTT_AUTH=none: the broker accepts anyone and any topic. Development only.');

  const state = (c: Client | null): ClientState | undefined =>
    c ? (c as Tracked)[STATE] : undefined;
  // Per-message counters count in plain numbers, read by prom-client at scrape time.
  const messagesIn = {
    telemetry: hotCounter(metrics.messagesIn, { kind: 'telemetry' }),
    events: hotCounter(metrics.messagesIn, { kind: 'events' }),
    other: hotCounter(metrics.messagesIn, { kind: 'other' }),
  };
  const messagesOut = hotCounter(metrics.messagesOut);

  /** Tells a device why its payload was refused, on devices/{id}/errors. */
  function reportError(
    st: ClientState,
    topic: string,
    reason: string,
    message: string,
    details?: unknown,
  ) {
    if (st.who.kind !== 'device') return;
    // At most 10 reports a second per client: a device sending garbage fast must not turn the
    // broker into an amplifier. What is not reported is still counted in the metrics.
    const t = now();
    if (t - st.reportWindowStart >= 1000) {
      st.reportWindowStart = t;
      st.reportsInWindow = 0;
    }
    if (++st.reportsInWindow > 10) return;
    aedes.publish(
      {
        cmd: 'publish',
        qos: 0,
        dup: false,
        retain: false,
        topic: `devices/${st.who.deviceId}/errors`,
        payload: Buffer.from(
          JSON.stringify({ ts: new Date(t).toISOString(), topic, reason, message, details }),
        ),
      },
      () => undefined,
    );
  }

  /**
   * A refused message is acknowledged (its payload will never become valid, a retry would loop)
   * but not forwarded or stored: it is diverted to a broker-internal topic only admins may read.
   * One topic for all: a client id can hold `/`, `+` or `#`, which have no place in a topic name.
   */
  function divert(packet: PublishPacket) {
    packet.topic = REFUSED_TOPIC;
    packet.retain = false;
  }

  /** Clients that sent a zero-length client id (aedes gave them one): see authenticate. */
  const assignedIds = new WeakSet<Client>();

  const authenticate = once(
    async (client: Client, username?: string, password?: Buffer): Promise<boolean> => {
      const fail = (result: string, err: AuthenticateError) => {
        metrics.connects.inc({ result });
        throw err;
      };
      const idRejected = (why: string) =>
        fail('identifier_rejected', authError(why, ReturnCode.IdentifierRejected));
      // A zero-length client id is given one by the server only for a clean session; a
      // session kept for it could never be found again [MQTT-3.1.3-6], [MQTT-3.1.3-7], [MQTT-3.1.3-8].
      if (assignedIds.has(client) && !client.clean)
        return idRejected('a zero-length client id needs CleanSession=1');
      // Device ids are reserved for their devices: a service or an anonymous client with a
      // device's id would take its session over (the broker closes the older connection with
      // the same id [MQTT-3.1.4-2]) and the device would show offline.
      const reserved = () => {
        if (isDeviceIdForm(client.id))
          idRejected('client ids of the device-id form are reserved for devices');
      };
      if (open && !username) {
        reserved();
        track(client, {
          who: { kind: 'anonymous' },
          bucket: new TokenBucket(config.ratePerDevice, config.rateBurst, now()),
          inflight: 0,
          reportWindowStart: 0,
          reportsInWindow: 0,
        });
        metrics.connects.inc({ result: 'accepted' });
        return true;
      }
      if (!username || !password)
        return fail(
          'bad_credentials',
          authError('username and password required', ReturnCode.BadUsernameOrPassword),
        );
      const secret = password.toString('utf8');
      let who: Identity;
      if (username === SERVICE_USERNAME) {
        const p = await deps.auth.verify(secret);
        if (!p)
          return fail('bad_credentials', authError('bad token', ReturnCode.BadUsernameOrPassword));
        reserved();
        who = { kind: 'service', role: p.role, tokenId: p.tokenId, subject: p.subject };
      } else {
        const r = await deps.devices.authenticate(username, secret);
        if (!r.ok) {
          return r.reason === 'disabled'
            ? fail('disabled', authError('device disabled', ReturnCode.NotAuthorized))
            : fail(
                'bad_credentials',
                authError('bad username or password', ReturnCode.BadUsernameOrPassword),
              );
        }
        // Client id = device id (DESIGN.md), so one device cannot take over another's session.
        if (client.id !== username) return idRejected('client id must equal the device id');
        who = {
          kind: 'device',
          deviceId: r.device.id,
          category: r.device.category,
          model: r.device.model,
        };
        memoOf(who); // made now, so every device's context has the same layout
      }
      track(client, {
        who,
        bucket: new TokenBucket(config.ratePerDevice, config.rateBurst, now()),
        inflight: 0,
        reportWindowStart: 0,
        reportsInWindow: 0,
        ...(who.kind === 'device' ? deviceTopics(who.deviceId) : {}),
      });
      metrics.connects.inc({ result: 'accepted' });
      return true;
    },
    log,
  );

  /**
   * A device's topics. Its telemetry and events topics are kept only when they are within the
   * topic limits: checkPublish lets them through without checking again (a limit configured
   * below them refuses them on the general path, with the reason).
   */
  const deviceTopics = (id: string) => {
    const within = (t: string) =>
      t.length <= config.maxTopicLength && levels(t) <= config.maxTopicLevels ? t : undefined;
    return {
      prefix: `devices/${id}/`,
      telemetryTopic: within(`devices/${id}/telemetry`),
      eventsTopic: within(`devices/${id}/events`),
      statusTopic: `devices/${id}/status`,
    };
  };

  /** After ingest's verdict: a refused payload is reported and diverted, not forwarded. */
  const ingested = (st: ClientState, packet: PublishPacket, r: Admitted) => {
    if (r.ok) return;
    metrics.rejected.inc({ reason: r.reason });
    reportError(st, packet.topic, r.reason, r.message, r.details);
    divert(packet);
  };
  /** The spool is full: QoS 0 promises nothing (dropped and counted); QoS 1/2 is not acknowledged. */
  const spoolFull = (err: unknown, packet: PublishPacket) => {
    if (!(err instanceof SpoolFullError)) throw err;
    metrics.rejected.inc({ reason: 'spool_full' });
    // The connection closes so the device keeps the message and resends it later.
    if (packet.qos === 0) return divert(packet);
    throw err;
  };

  /**
   * The publish checks: throws to refuse (the connection closes), returns nothing when the
   * message may go on now, or the promise of the spool group commit it must wait for (QoS 1/2).
   */
  const checkPublish = (client: Client | null, packet: PublishPacket): Promise<void> | void => {
    const st = state(client);
    if (!client || !st) return; // the broker's own publishes (status, errors, wills it already checked)
    const topic = packet.topic;
    // A device's own telemetry or events, nearly every message: one comparison stands for the
    // topic limits and the ACL, which its topics passed when they were made (authenticate).
    const own =
      topic === st.telemetryTopic ? 'telemetry' : topic === st.eventsTopic ? 'events' : undefined;
    const kind =
      own ??
      (topic.endsWith('/telemetry') ? 'telemetry' : topic.endsWith('/events') ? 'events' : 'other');
    messagesIn[kind]();
    if (!own) {
      if (topic.length > config.maxTopicLength) {
        metrics.rejected.inc({ reason: 'topic_too_long' });
        throw new Error(`topic longer than ${config.maxTopicLength} characters`);
      }
      if (levels(topic) > config.maxTopicLevels) {
        metrics.rejected.inc({ reason: 'topic_too_deep' });
        throw new Error(`topic deeper than ${config.maxTopicLevels} levels`);
      }
      // Devices: their one allowed prefix, precomputed (same rule as acl.ts).
      const allowed = st.prefix ? topic.startsWith(st.prefix) : mayPublish(st.who, topic);
      if (!allowed) {
        // MQTT 3.1.1 has no negative PUBACK: the connection is closed [MQTT-3.3.5-2].
        metrics.rejected.inc({ reason: 'acl_publish' });
        log.warn(
          { client: client.id, topic },
          "publish outside the client's topics: disconnecting",
        );
        throw new Error(`not authorized to publish to ${topic}`);
      }
    }
    // Retained messages live in broker memory forever, and a device's only one is its status,
    // set by the broker: one device could otherwise fill the broker with retained topics (a
    // publish to its status topic is refused below).
    if (packet.retain && st.prefix && topic !== st.statusTopic) {
      packet.retain = false;
      metrics.rejected.inc({ reason: 'retain_stripped' });
    }
    if (!st.bucket.take(now())) {
      metrics.rejected.inc({ reason: 'rate' });
      reportError(
        st,
        topic,
        'rate',
        `more than ${config.ratePerDevice} messages/s (burst ${config.rateBurst}): refused`,
      );
      // QoS 0 is dropped; QoS 1/2 is left unacknowledged (the client resends it after reconnecting).
      if (packet.qos > 0) throw new Error('message rate exceeded');
      return divert(packet);
    }
    if (packet.payload.length > config.maxPayloadBytes) {
      metrics.rejected.inc({ reason: 'payload_too_large' });
      reportError(
        st,
        topic,
        'payload_too_large',
        `payload of ${packet.payload.length} bytes exceeds ${config.maxPayloadBytes}`,
      );
      return divert(packet);
    }
    // Only a device's own telemetry and events are ingested (not deeper topics, not services').
    if (!own) {
      if (topic === st.statusTopic) {
        // A device's status is the broker's word alone: `online` while its connection lasts,
        // `offline` (retained) once it ends. A retained publish replaces what future subscribers
        // get [MQTT-3.3.1-5], so a device retaining `offline` while connected would hide it; its
        // will would only repeat what the broker publishes anyway. Acknowledged and dropped, as
        // MQTT 3.1.1 lets a server do with a publish it does not authorize [MQTT-3.3.5-2].
        metrics.rejected.inc({ reason: 'status_reserved' });
        reportError(
          st,
          topic,
          'status_reserved',
          `${topic} is written by the broker alone (online on connect, offline when the connection ends): not forwarded`,
        );
        return divert(packet);
      }
      return;
    }
    const payload =
      typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    // QoS 1/2 is acknowledged once its group commit has it on disk. QoS 0 has nothing to
    // acknowledge and goes on at once, except when aedes has many messages in flight (it waits
    // for the group commit) or ingest is behind (it waits until the drainer caught up): aedes
    // reads no more from a client while one of its messages waits, so a flood is paced to what
    // the broker delivers and stores instead of queueing without bound (raw aedes collapses so).
    const behind = packet.qos === 0 && deps.ingest.behind;
    const wait = packet.qos > 0 || routing.current >= PACE_AT;
    if (packet.qos > 0 && st.inflight >= config.maxInflight) {
      metrics.rejected.inc({ reason: 'inflight' });
      throw new Error(`more than ${config.maxInflight} messages waiting to be made durable`);
    }
    let r: Admitted;
    try {
      // Only a device's state has these topics.
      r = deps.ingest.admit(own, st.who as Extract<Identity, { kind: 'device' }>, payload, wait);
    } catch (err) {
      return spoolFull(err, packet);
    }
    if (!r.ok) return ingested(st, packet, r);
    const until = behind ? deps.ingest.caughtUp() : r.durable;
    if (!until) return;
    st.inflight++;
    return until;
  };

  const acks = new GroupAcks(log);

  /**
   * Connections that get deliveries stay corked while deliveries keep coming, and are flushed
   * together once per timer tick (about a millisecond). aedes writes every delivery with its
   * own system call (mqtt-packet corks one packet's parts and uncorks on the next tick): a
   * subscriber that gets a whole fleet's stream cost one writev per message, the largest
   * single item of the broker's CPU. aedes writes a delivery in a setImmediate after
   * authorizeForward, one loop turn later when the hook ran in the check phase (QoS 1, released
   * by a group commit), so each tick flushes (uncork, cork again) what is buffered, and a
   * connection is left uncorked only after a whole tick without deliveries: a write still on
   * its way is then flushed by the next tick or goes out at once.
   */
  const corked = new Map<Client['conn'], number>();
  let tick = 0;
  const flushCorked = () => {
    for (const [conn, seen] of corked) {
      conn.uncork();
      if (seen === tick) conn.cork();
      else corked.delete(conn);
    }
    tick++;
    if (corked.size > 0) setTimeout(flushCorked, 0);
  };
  const coalesce = (conn: Client['conn']) => {
    const seen = corked.get(conn);
    if (seen === tick) return;
    if (seen === undefined) {
      if (corked.size === 0) setTimeout(flushCorked, 0);
      conn.cork();
    }
    corked.set(conn, tick);
  };

  const deny = config.openDenySubscribe ?? [];
  const authorizeSubscribe = (
    client: Client,
    sub: Subscription,
    cb: (e: Error | null, s?: Subscription | null) => void,
  ) => {
    // aedes checked the filter's syntax and depth (maxTopicLevels) before this hook.
    if (sub.topic.length > config.maxTopicLength) {
      metrics.rejected.inc({ reason: 'topic_too_long' });
      return cb(new Error(`topic filter longer than ${config.maxTopicLength} characters`));
    }
    const st = state(client);
    // MQTT_OPEN_DENY_SUBSCRIBE (open broker only): filters inside a denied one are refused.
    const denied = deny.length > 0 && deny.some((d) => filterWithin(sub.topic, d));
    if (st && !denied && maySubscribe(st.who, sub.topic)) return cb(null, sub);
    metrics.rejected.inc({ reason: denied ? 'denied_subscribe' : 'acl_subscribe' });
    log.warn({ client: client.id, filter: sub.topic }, 'subscription refused');
    cb(null, null); // SUBACK 0x80 for this filter; the connection stays [MQTT-3.9.3]
  };

  const opts: AedesOptions = {
    preConnect: (client, packet, done) => {
      if (packet.clientId === '') assignedIds.add(client);
      done(null, true);
    },
    authenticate: (client, username, password, done) =>
      authenticate(
        (err, ok) => done(err as AuthenticateError | null, ok ?? null),
        client,
        username ?? undefined,
        password ?? undefined,
      ),
    // The typed adapter of this hook (STYLE.md §8): calls back exactly once, at once or when
    // the message's group commit settles.
    authorizePublish: (client, packet, done) => {
      let durable: Promise<void> | void;
      try {
        durable = checkPublish(client, packet);
      } catch (err) {
        return done(asError(err, log));
      }
      if (durable) acks.add(durable, state(client)!, done);
      else done(null);
    },
    authorizeSubscribe,
    authorizeForward: (client, packet) => {
      messagesOut();
      coalesce(client.conn);
      return packet;
    },
    persistence: createPersistence(),
    maxTopicLevels: Math.max(config.maxTopicLevels, 1),
    maxInflightInbound: config.maxInflight,
    concurrency: ROUTING_CONCURRENCY,
  };
  const aedes = await Aedes.createBroker(opts);
  /** aedes's router (mqemitter): `current` messages are being delivered. */
  const routing = (aedes as unknown as { mq: { current: number } }).mq;
  /** Connected clients by id. */
  const clients = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients;

  const setStatus = (id: string, status: 'online' | 'offline') =>
    aedes.publish(
      {
        cmd: 'publish',
        qos: 1,
        dup: false,
        retain: true,
        topic: `devices/${id}/status`,
        payload: Buffer.from(status),
      },
      () => undefined,
    );

  aedes.on('clientReady', (client) => {
    metrics.connections.inc();
    const st = state(client);
    if (st?.who.kind !== 'device') return;
    setStatus(st.who.deviceId, 'online');
    deps.devices
      .markOnline(st.who.deviceId, true, new Date(now()))
      .catch((err) => log.error({ err }, 'markOnline failed'));
  });
  aedes.on('clientDisconnect', (client) => {
    metrics.connections.dec();
    const st = state(client);
    if (st?.who.kind !== 'device') return;
    // A newer connection with the same id replaced this one: it stays online.
    const current = clients[client.id];
    if (current && current !== client) return;
    setStatus(st.who.deviceId, 'offline');
    deps.devices
      .markOnline(st.who.deviceId, false, new Date(now()))
      .catch((err) => log.error({ err }, 'markOnline failed'));
  });
  aedes.on('clientError', (client, err) => {
    // aedes refuses a topic or filter deeper than maxTopicLevels before any hook sees it
    // (PUBLISH, SUBSCRIBE, UNSUBSCRIBE) and closes the connection: counted here.
    if (err.message === AEDES_TOO_DEEP) metrics.rejected.inc({ reason: 'topic_too_deep' });
    log.debug({ client: client.id, err: err.message }, 'client error');
  });
  // A message the store refused after it was acknowledged: its device learns why.
  deps.ingest.onRefused?.((r) => {
    const st = state(clients[r.deviceId] ?? null);
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
  aedes.on('connectionError', (_client, err) =>
    log.debug({ err: err.message }, 'connection error'),
  );
  return aedes;
}
