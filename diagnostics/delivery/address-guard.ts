import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where webhooks may not deliver (issue 24, finding 11): an admin token must not turn the
 * service into a client of its own machine or network (its metrics, its database, a cloud
 * metadata endpoint). Loopback, private, shared (CGNAT), link-local, multicast, reserved and
 * unspecified addresses, in IPv4 and IPv6 (an IPv4 address mapped into IPv6 counts as IPv4),
 * are refused at registration and again when a delivery connects, so a name that resolves
 * elsewhere later (DNS rebinding) and a redirect (deliveries follow none) cannot get there.
 * `WEBHOOK_ALLOW_PRIVATE=true` lifts this for development (a receiver on localhost).
 */
const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(net, bits, 'ipv6');

/** Whether an IP address is one webhooks may not reach. */
export function isPrivateAddress(ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = isIP(ip);
  if (family === 0) return true; // not an address: refuse rather than guess
  return blocked.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Why `url` may not receive webhooks, or undefined when it may: its host is a refused address,
 * `localhost`, or a name that resolves to a refused address (or does not resolve).
 */
export async function webhookUrlProblem(url: string): Promise<string | undefined> {
  const host = hostOf(new URL(url));
  if (isIP(host)) return isPrivateAddress(host) ? `${host} is not a public address` : undefined;
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is this machine`;
  const addresses = await new Promise<LookupAddress[] | Error>((resolve) =>
    lookup(host, { all: true }, (err, list) => resolve(err ?? list)),
  );
  if (addresses instanceof Error) return `${host} does not resolve (${addresses.message})`;
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  return bad ? `${host} resolves to ${bad.address}, not a public address` : undefined;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for http.request that fails when a name resolves to a refused address. */
export function publicOnlyLookup(
  host: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  lookup(host, { ...options, all: true }, (err, list) => {
    if (err) return callback(err, []);
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad)
      return callback(
        Object.assign(new Error(`${host} resolves to ${bad.address}, not a public address`), {
          code: 'EADDRNOTPUBLIC',
        }),
        [],
      );
    if (options.all) return callback(null, list);
    const first = list[0]!;
    callback(null, first.address, first.family);
  });
}
