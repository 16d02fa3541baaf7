import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ClusterInterest } from './cluster-interest.ts';

/** No Redis: `hold` is given a SUBSCRIBE that never completes, so nothing is ever sent. */
const never = new Promise<void>(() => undefined);
const view = (errors: Error[] = []) =>
  new ClusterInterest('sanbao/0/', 'me', {} as Redis, (err) => errors.push(err));
const announce = (n: string, s: number, e: string[]) =>
  Buffer.from(JSON.stringify({ n, s, u: Date.now() + 30_000, e }));

/** MQTT's own matching (levels, `+`, `#` also matching its parent), for reference. */
function mqttMatch(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

describe('ClusterInterest', () => {
  it('matches topics against the held filters exactly as MQTT does', () => {
    let seed = 22;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const levels = ['devices', 'a', 'ab', '', 'telemetry', '+', '#'];
    const make = (wild: boolean) => {
      const n = 1 + Math.floor(random() * 4);
      return Array.from({ length: n }, (_, i) => {
        let l = levels[Math.floor(random() * levels.length)]!;
        if (!wild && (l === '+' || l === '#')) l = 'a';
        if (l === '#' && i < n - 1) l = '+';
        return l;
      }).join('/');
    };
    let checked = 0;
    for (let round = 0; round < 500; round++) {
      const interest = view();
      const filters = Array.from({ length: 1 + Math.floor(random() * 3) }, () => make(true));
      interest.receive(
        announce(
          'other',
          1,
          filters.map((f) => `t${f}`),
        ),
      );
      for (let k = 0; k < 20; k++) {
        const topic = make(false);
        const want = filters.some((f) => mqttMatch(f, topic));
        expect(interest.othersWantTopic(topic), `${topic} against ${filters.join(' ')}`).toBe(want);
        checked++;
      }
    }
    expect(checked).toBe(10_000);
  });

  it("publishes devices' commands and errors always, other buckets only when another node holds them", () => {
    const interest = view();
    expect(interest.othersWantBucket('devices/d1/commands')).toBe(true);
    expect(interest.othersWantBucket('devices/d1/errors')).toBe(true);
    expect(interest.othersWantBucket('devices/d1/telemetry')).toBe(false);
    interest.receive(announce('other', 1, ['bdevices/d1/telemetry']));
    expect(interest.othersWantBucket('devices/d1/telemetry')).toBe(true);
    expect(interest.othersWantBucket('devices/d2/telemetry')).toBe(false);
  });

  it("leaves this node's own filters out: its own subscribers hear it without Redis", () => {
    const interest = view();
    void interest.hold('bdevices/d2/telemetry', never);
    void interest.hold('tdevices/+/telemetry', never);
    expect(interest.othersWantBucket('devices/d2/telemetry')).toBe(false);
    expect(interest.othersWantTopic('devices/d2/telemetry')).toBe(false);
    interest.receive(announce('other', 1, ['tdevices/+/telemetry']));
    expect(interest.othersWantTopic('devices/d2/telemetry')).toBe(true);
  });

  it("keeps each node's latest announcement: an older one that arrives late changes nothing", () => {
    const errors: Error[] = [];
    const interest = view(errors);
    interest.receive(announce('other', 2, ['tdevices/+/telemetry']));
    interest.receive(announce('other', 1, []));
    expect(interest.othersWantTopic('devices/d1/telemetry')).toBe(true);
    interest.receive(announce('other', 3, ['balerts/x/y']));
    expect(interest.othersWantTopic('devices/d1/telemetry')).toBe(false);
    expect(interest.othersWantBucket('alerts/x/y')).toBe(true);
    // Gone: an empty list.
    interest.receive(announce('other', 4, []));
    expect(interest.othersWantBucket('alerts/x/y')).toBe(false);
    // Its own announcement echoed back is not another node's.
    interest.receive(announce('me', 9, ['t#']));
    expect(interest.othersWantTopic('a/b')).toBe(false);
    expect(errors).toEqual([]);
    interest.receive(Buffer.from('{"n":"x"}'));
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringContaining('unreadable announcement'),
    ]);
  });
});
