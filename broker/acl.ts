import type { Category, Role } from '../core/index.ts';

/** Who is on the other end of an MQTT connection. */
export type Identity =
  | { kind: 'device'; deviceId: string; category: Category; model: string }
  | { kind: 'service'; role: Role; tokenId: string; subject?: string | null }
  | { kind: 'anonymous' }; // MQTT_AUTH=none only

interface Rules {
  publish: string[];
  subscribe: string[];
}

/**
 * Topic rules per identity. `{id}` is the device's own id. A device publishes only under its
 * own prefix and subscribes only to its commands and errors (docs/design.md "MQTT contract").
 */
function rulesFor(who: Identity): Rules {
  switch (who.kind) {
    case 'device':
      return {
        publish: [`devices/${who.deviceId}/#`],
        subscribe: [`devices/${who.deviceId}/commands/#`, `devices/${who.deviceId}/errors`],
      };
    case 'anonymous':
      return { publish: ['#'], subscribe: ['#'] };
    case 'service':
      switch (who.role) {
        case 'admin':
          return { publish: ['#'], subscribe: ['#'] };
        case 'engineer':
          return {
            publish: ['devices/+/commands/+'],
            subscribe: [
              'devices/+/status',
              'devices/+/telemetry',
              'devices/+/events',
              'devices/+/errors',
              'devices/+/commands/#',
              'alerts/#',
            ],
          };
        case 'manufacturer':
          // A manufacturer confined to its own fleet (token with a subject, core/tenant.ts)
          // reads through HTTP and the alert stream, which are scoped per device; MQTT topic
          // filters cannot say "this maker's devices", so it gets no subscription here.
          if (who.subject) return { publish: [], subscribe: [] };
          return {
            publish: [],
            subscribe: ['devices/+/status', 'devices/+/telemetry', 'devices/+/events', 'alerts/#'],
          };
        case 'owner':
        case 'desk':
        case 'regulator':
          return { publish: [], subscribe: [] };
      }
  }
}

/**
 * True when a concrete topic matches a filter ([MQTT-4.7.1]: + one level, # the rest). A filter
 * starting with a wildcard matches no topic starting with `$` [MQTT-4.7.2-1].
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * True when every topic the subscription `filter` can match is also matched by `allowed`,
 * so a device cannot widen its reach with wildcards (`devices/+/commands/#`, `#`).
 */
export function filterWithin(filter: string, allowed: string): boolean {
  const f = filter.split('/');
  const a = allowed.split('/');
  for (let i = 0; i < f.length; i++) {
    if (a[i] === '#') return true;
    if (i >= a.length) return false;
    if (f[i] === '#') return false; // filter reaches deeper than `allowed` allows
    if (a[i] === '+') continue; // f[i] is a literal or +, both one level
    if (f[i] !== a[i]) return false;
  }
  // `a/b/#` also matches `a/b` itself [MQTT-4.7.1-2].
  return f.length === a.length || (a.length === f.length + 1 && a[f.length] === '#');
}

/** `$SYS` topics are the broker's own: nobody publishes there, only admins read them. */
const isSys = (topic: string) => topic === '$SYS' || topic.startsWith('$SYS/');

/**
 * Whether `who` may publish to `topic`. Topics starting with `$` are the server's to give a
 * meaning [MQTT-4.7.2]: `$SYS` is the broker's own and refused to every client; other `$`
 * topics are open to anonymous clients of the open broker (MQTT_AUTH=none), where any topic
 * is, and to nobody else (no rule names one). Wildcard subscriptions never receive them.
 */
export function mayPublish(who: Identity, topic: string): boolean {
  if (isSys(topic)) return false;
  if (who.kind === 'anonymous') return true;
  if (topic.startsWith('$')) return false;
  return rulesFor(who).publish.some((p) => topicMatches(p, topic));
}

/**
 * Whether `who` may subscribe to `filter`. `$SYS` filters are for admins; other `$` filters,
 * like every filter, for the open broker's anonymous clients and whom the rules allow.
 */
export function maySubscribe(who: Identity, filter: string): boolean {
  const admin = who.kind === 'service' && who.role === 'admin';
  if (isSys(filter)) return admin;
  if (who.kind === 'anonymous') return true;
  if (filter.startsWith('$')) return admin;
  return rulesFor(who).subscribe.some((p) => filterWithin(filter, p));
}
