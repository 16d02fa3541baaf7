import type { Aedes, Client } from 'aedes';

/**
 * What an idle connection keeps that it does not need (issue 22: memory per connection, heap
 * snapshots diffed between 3,000 and 6,000 idle devices with bench/idle-heap.ts). Both reach
 * into mqtt-packet's parser (aedes's `client._parser`, mqtt-packet 9), which aedes and its
 * typings do not expose; each step checks the shape it expects and leaves the parser alone
 * otherwise.
 */
interface ParserInternals {
  /** The bytes not yet parsed: a `bl` BufferListStream (a whole Duplex stream). */
  _list?: { length: number; constructor: { BufferList?: new () => unknown } };
  /** The CONNECT packet once parsed; the parser reads only these two of it afterwards. */
  settings?: { protocolVersion?: number; bridgeMode?: boolean };
}
const parserOf = (client: Client) => (client as unknown as { _parser?: ParserInternals })._parser;

/**
 * The parser's buffer list as a plain BufferList, not a stream. mqtt-packet only appends,
 * reads, slices and consumes it, all BufferList methods (`bl`'s stream mixes them in); its
 * Duplex part (two stream states, their listeners and bound callbacks) was ~0.7 KB of every
 * connection. Done when the connection is handed to aedes, before any byte is parsed. A parser
 * that fails resets its list to a new stream, and the connection closes.
 */
function plainBufferList(client: Client): void {
  const parser = parserOf(client);
  const list = parser?._list;
  const BufferList = list?.constructor.BufferList;
  if (!parser || !list || list.length !== 0 || typeof BufferList !== 'function') return;
  parser._list = new BufferList() as ParserInternals['_list'];
}

/**
 * The parser keeps the CONNECT packet it parsed as its `settings` for the connection's life:
 * the client id, user name and password (a view of the socket chunk the CONNECT came in), ~0.5
 * KB, and the device's secret in memory. Once the client is connected only its protocol
 * version (and a bridge's flag) are read again.
 */
export function releaseConnectPacket(client: Client): void {
  const parser = parserOf(client);
  const s = parser?.settings;
  if (!parser || !s) return;
  parser.settings = {
    protocolVersion: s.protocolVersion,
    ...(s.bridgeMode === undefined ? {} : { bridgeMode: s.bridgeMode }),
  };
}

/** Applies both to every connection of this broker: at `handle`, and once it is ready. */
export function slimConnections(aedes: Aedes): void {
  const handle = aedes.handle.bind(aedes);
  aedes.handle = ((conn, req) => {
    const client = handle(conn, req) as unknown as Client | undefined;
    if (client) plainBufferList(client);
    return client;
  }) as Aedes['handle'];
  aedes.on('clientReady', releaseConnectPacket);
}
