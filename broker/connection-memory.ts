import { Socket } from 'node:net';
import type { Aedes, Client } from 'aedes';
import { KeepaliveWheel, type KeepaliveEntry } from './keepalive-wheel.ts';

/**
 * What an idle connection keeps that it does not need (issue 22: memory per connection, heap
 * snapshots diffed between two steps of idle devices with bench/idle-heap.ts). These reach into
 * aedes 1.2's client and mqtt-packet 9's parser (aedes's `client._parser`), which aedes and its
 * typings do not expose; each step checks the shape it expects and leaves the object alone
 * otherwise.
 */
interface ParserInternals {
  /** The bytes not yet parsed: a `bl` BufferListStream (a whole Duplex stream). */
  _list?: { length: number; constructor: { BufferList?: BufferListClass } };
  /** The CONNECT packet once parsed; the parser reads only these two of it afterwards. */
  settings?: { protocolVersion?: number; bridgeMode?: boolean };
  /** The names of its four parsing steps, in order: the same for every parser, read only. */
  _states?: string[];
}
interface BufferListLike {
  length: number;
  _bufs: unknown[];
  consume(bytes: number): BufferListLike;
}
type BufferListClass = new () => BufferListLike;
interface ClientInternals {
  _parser?: ParserInternals;
  /** finished(conn, close)'s cleanup: removes its listeners from the socket. */
  _eos?: () => void;
  /** aedes's keep-alive: a Timeout it refreshes at every packet, and its interval (ms). */
  _keepaliveTimer?: unknown;
  _keepaliveInterval?: number;
  [KEEPALIVE]?: KeepaliveEntry;
  /** Last broker counter seen per broker id (aedes's dedupe), keyed by ids from the routing. */
  duplicates?: Record<string, number>;
  conn?: unknown;
}
const KEEPALIVE = Symbol('sanbao.keepalive');
const internals = (client: Client) => client as unknown as ClientInternals;

const slimLists = new WeakMap<BufferListClass, BufferListClass>();
/**
 * A BufferList that drops its array once emptied. mqtt-packet appends each socket chunk and
 * consumes it as it parses, and the array keeps the capacity it grew to (~0.17 KB of every
 * idle connection); an empty literal shares V8's empty backing store.
 */
function slimListOf(Base: BufferListClass): BufferListClass {
  let Slim = slimLists.get(Base);
  if (!Slim) {
    Slim = class extends Base {
      override consume(bytes: number): BufferListLike {
        super.consume(bytes);
        if (this.length === 0 && this._bufs.length === 0) this._bufs = [];
        return this;
      }
    };
    slimLists.set(Base, Slim);
  }
  return Slim;
}

/**
 * The parser's buffer list as a plain BufferList, not a stream, that lets go of its array when
 * empty. mqtt-packet only appends, reads, slices and consumes it, all BufferList methods
 * (`bl`'s stream mixes them in); its Duplex part (two stream states, their listeners and bound
 * callbacks) was ~0.7 KB of every connection. Done when the connection is handed to aedes,
 * before any byte is parsed. A parser that fails resets its list to a new stream, and the
 * connection closes.
 */
function plainBufferList(client: Client): void {
  const parser = internals(client)._parser;
  const list = parser?._list;
  const BufferList = list?.constructor.BufferList;
  if (!parser || !list || list.length !== 0 || typeof BufferList !== 'function') return;
  parser._list = new (slimListOf(BufferList))() as unknown as ParserInternals['_list'];
}

/** A socket's `close` listener, one function for all: ends the aedes client on the socket. */
function closeClientOfSocket(this: Socket & { client?: Client }): void {
  this.client?.close();
}

/**
 * aedes watches each socket with `finished(conn, close)`: seven closures, their context and
 * four more entries in the socket's listener table (~0.9 KB of every connection), to learn
 * that the socket ended. For a `net.Socket` (TCP, TLS) a `close` listener says the same:
 * whatever ends a socket — the peer's FIN (aedes also listens to `end`), an error, a destroy —
 * destroys it, and a destroyed socket emits `close` [Node net: `emitClose`]. aedes's
 * `client.close()` runs once however often it is called; `close()` calls `_eos`, now the client's
 * leaving the keep-alive wheel (below).
 * Other streams (WebSocket) keep aedes's watch.
 */
function closeOnSocketClose(client: Client): void {
  const c = internals(client);
  const conn = c.conn;
  if (!(conn instanceof Socket) || conn.destroyed || typeof c._eos !== 'function') return;
  const eos = c._eos;
  c._eos = leaveKeepaliveWheel;
  eos();
  conn.on('close', closeClientOfSocket);
  // aedes's `end` listener, `client.close.bind(client)`, shares the function too. The `end`
  // array (Node's own listener and aedes's) is rebuilt at its length: the one finished() left
  // keeps the capacity it grew to (~0.2 KB in all).
  const ev = eventsOf(conn);
  const end = ev?.end;
  if (ev && Array.isArray(end))
    ev.end = end.map((fn: unknown) =>
      typeof fn === 'function' && fn.name === 'bound close' ? closeClientOfSocket : fn,
    );
}

/** A closed client's `_eos`: its keep-alive entry lets go of it (aedes's close runs it once). */
function leaveKeepaliveWheel(this: Client): void {
  const c = internals(this);
  const e = c[KEEPALIVE];
  if (e) {
    e.client = null;
    c[KEEPALIVE] = undefined;
  }
}

/**
 * A ready client's keep-alive on the broker's wheel (broker/keepalive-wheel.ts) instead of its
 * own Timeout: aedes refreshes `_keepaliveTimer` at every packet and clears it at close (a
 * `clearTimeout` of the entry does nothing; the close's `_eos` releases it). Only for the
 * clients whose `_eos` is ours (net.Socket): others keep aedes's timer.
 */
function keepaliveOnWheel(client: Client, wheel: KeepaliveWheel): void {
  const c = internals(client);
  const interval = c._keepaliveInterval ?? -1;
  if (c._eos !== leaveKeepaliveWheel || interval <= 0 || client.closed) return;
  const timer = c._keepaliveTimer;
  if (!timer || typeof (timer as { refresh?: unknown }).refresh !== 'function') return;
  clearTimeout(timer as NodeJS.Timeout);
  const e = wheel.add(client, interval);
  c._keepaliveTimer = e;
  c[KEEPALIVE] = e;
}

/** The prototype of `duplicates`: no names at all, so none reads back as present. */
const NO_NAMES: object = Object.freeze(Object.create(null) as object);

/**
 * aedes gives each client a null-prototype dictionary for `duplicates` (GHSA-52qw-whmv-87c5:
 * no inherited name may read back as present): V8 keeps such an object in dictionary mode
 * from birth, ~0.18 KB even empty. An object whose prototype is an empty, frozen
 * null-prototype object reads the same (nothing inherited) and stays a fast object with a
 * shared shape: its keys are broker ids, a handful in a cluster.
 */
function slimDuplicates(client: Client): void {
  const c = internals(client);
  if (c.duplicates && Object.keys(c.duplicates).length === 0)
    c.duplicates = Object.create(NO_NAMES) as Record<string, number>;
}

const INFLIGHT = Symbol('sanbao.inboundInflight');
const lazyInflight = new WeakSet<object>();
/**
 * Each aedes client holds a Set of its inbound QoS 2 messages awaiting PUBREL (its
 * `maxInflightInbound` bound), ~0.15 KB, which a device that never publishes at QoS 2 leaves
 * empty for its whole connection. On aedes's Client prototype, `_inboundInflight` becomes an
 * accessor: the constructor's empty Set is dropped, and a client gets its own at its first use
 * (only publish.js and pubrel.js read it, QoS 2 only). The client this is first applied to
 * keeps the Set it was built with (an own property, which the accessor does not shadow).
 */
function lazyInboundInflight(client: Client): void {
  const proto = Object.getPrototypeOf(client) as object | null;
  if (!proto || lazyInflight.has(proto)) return;
  if (!(internals(client) as { _inboundInflight?: unknown })._inboundInflight) return;
  lazyInflight.add(proto);
  Object.defineProperty(proto, '_inboundInflight', {
    configurable: true,
    get(this: { [INFLIGHT]?: Set<number> }): Set<number> {
      return (this[INFLIGHT] ??= new Set());
    },
    set(this: { [INFLIGHT]?: Set<number> }, v: Set<number>) {
      if (v.size > 0 || this[INFLIGHT]) this[INFLIGHT] = v;
    },
  });
}

/**
 * The parser keeps the CONNECT packet it parsed as its `settings` for the connection's life:
 * the client id, user name and password (a view of the socket chunk the CONNECT came in), ~0.5
 * KB, and the device's secret in memory. Once the client is connected only its protocol
 * version (and a bridge's flag) are read again.
 */
export function releaseConnectPacket(client: Client): void {
  const parser = internals(client)._parser;
  const s = parser?.settings;
  if (!parser || !s) return;
  parser.settings = settingsOf(s.protocolVersion, s.bridgeMode);
  shareStates(parser);
}

type Settings = NonNullable<ParserInternals['settings']>;
/**
 * What a connected parser reads of its settings, one frozen object per protocol version and
 * bridge flag, shared by all parsers (~40 B of every connection each had its own). mqtt-packet
 * never writes into it: a new CONNECT replaces it (`this.settings = packet`).
 */
const sharedSettings = new Map<string, Settings>();
function settingsOf(protocolVersion: number | undefined, bridgeMode: boolean | undefined) {
  const key = `${protocolVersion}/${bridgeMode}`;
  let s = sharedSettings.get(key);
  if (!s) {
    s = Object.freeze(
      bridgeMode === undefined ? { protocolVersion } : { protocolVersion, bridgeMode },
    );
    sharedSettings.set(key, s);
  }
  return s;
}

/**
 * mqtt-packet gives each parser its own array of its four step names (`_states`, ~32 B), which
 * it only reads: parsers whose array holds the same names share the first one's.
 */
let sharedStates: readonly string[] | undefined;
function shareStates(parser: ParserInternals): void {
  const states = parser._states;
  if (!Array.isArray(states) || !states.every((n) => typeof n === 'string')) return;
  if (sharedStates === undefined) sharedStates = Object.freeze([...states]);
  else if (
    states !== sharedStates &&
    states.length === sharedStates.length &&
    states.every((n, i) => n === sharedStates![i])
  )
    parser._states = sharedStates as string[];
}

/** One `error` listener for all: passes a socket's or a parser's error to its aedes client. */
function emitOnClient(this: { client?: Client }, err: Error): void {
  this.client?.emit('error', err);
}
type Listeners = Record<string | symbol, unknown>;
const eventsOf = (emitter: unknown) => (emitter as { _events?: Listeners })._events;

/**
 * aedes passes the socket's and the parser's errors on to the client with two bound
 * functions, `client.emit.bind(client, 'error')` (~0.07 KB each); one shared function that
 * finds the client on `this` (aedes sets `conn.client` and `parser.client`) does the same. Swapped
 * in place in the listener table (a `removeListener` would turn the socket's table, pre-shaped
 * by Node's streams, into a dictionary); aedes's `_onError` removes it as it did the bound one.
 */
function shareErrorListeners(client: Client): void {
  const c = internals(client);
  for (const emitter of [c.conn, c._parser]) {
    const ev = eventsOf(emitter);
    const fn = ev?.error;
    if (ev && typeof fn === 'function' && fn.name === 'bound emit') ev.error = emitOnClient;
  }
}

/**
 * An EventEmitter's listener table is a null-prototype object (Node's `events`), which V8
 * keeps in dictionary mode, ~0.18 KB with two listeners: aedes's client and its parser each have
 * one for the connection's life. Once connected their listeners no longer change (the
 * `connected` listener goes right after `clientReady`: hence the tick), and the same listeners
 * in an object whose prototype is an empty, frozen null-prototype object read the same and
 * take a fast shape shared by every client. A listener removed later (at close) only turns it
 * back into a dictionary.
 */
function fastListenerTables(client: Client): void {
  for (const emitter of [client, internals(client)._parser]) {
    const ev = eventsOf(emitter);
    if (!ev || Object.getPrototypeOf(ev) !== null) continue;
    const fast = Object.create(NO_NAMES) as Listeners;
    for (const k of Reflect.ownKeys(ev)) fast[k] = ev[k];
    (emitter as { _events: Listeners })._events = fast;
  }
}

/** Applies all of these to every connection of this broker: at `handle`, and once it is ready. */
export function slimConnections(aedes: Aedes): void {
  const handle = aedes.handle.bind(aedes);
  aedes.handle = ((conn, req) => {
    const client = handle(conn, req) as unknown as Client | undefined;
    if (client) {
      lazyInboundInflight(client);
      plainBufferList(client);
      closeOnSocketClose(client);
      slimDuplicates(client);
      shareErrorListeners(client);
    }
    return client;
  }) as Aedes['handle'];
  const wheel = new KeepaliveWheel();
  aedes.on('closed', () => wheel.close());
  aedes.on('clientReady', (client) => {
    releaseConnectPacket(client);
    keepaliveOnWheel(client, wheel);
    process.nextTick(fastListenerTables, client);
  });
}
