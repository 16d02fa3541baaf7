import { describe, expect, it } from 'vitest';
import { filterWithin, mayPublish, maySubscribe, topicMatches } from './acl.ts';

const dev = { kind: 'device' as const, deviceId: 'dA', category: 'tv' as const, model: 'm' };

describe('topic ACL', () => {
  it('matches MQTT wildcards', () => {
    expect(topicMatches('devices/+/telemetry', 'devices/x/telemetry')).toBe(true);
    expect(topicMatches('devices/+/telemetry', 'devices/x/y/telemetry')).toBe(false);
    expect(topicMatches('devices/x/#', 'devices/x')).toBe(true); // # includes the parent [MQTT-4.7.1-2]
    expect(topicMatches('devices/x/#', 'devices/y/telemetry')).toBe(false);
  });

  it('lets a device publish only under its own prefix', () => {
    expect(mayPublish(dev, 'devices/dA/telemetry')).toBe(true);
    expect(mayPublish(dev, 'devices/dA/commands/self_test/reply')).toBe(true);
    expect(mayPublish(dev, 'devices/dB/telemetry')).toBe(false);
    expect(mayPublish(dev, 'alerts/tv/dA')).toBe(false);
    expect(mayPublish(dev, '$SYS/x')).toBe(false);
  });

  it('lets a device subscribe only to its commands and errors, without widening wildcards', () => {
    expect(maySubscribe(dev, 'devices/dA/commands/#')).toBe(true);
    expect(maySubscribe(dev, 'devices/dA/commands/+')).toBe(true);
    expect(maySubscribe(dev, 'devices/dA/errors')).toBe(true);
    expect(maySubscribe(dev, '#')).toBe(false);
    expect(maySubscribe(dev, 'devices/+/commands/#')).toBe(false);
    expect(maySubscribe(dev, 'devices/dA/#')).toBe(false);
    expect(maySubscribe(dev, 'devices/dB/commands/#')).toBe(false);
    expect(maySubscribe(dev, '$SYS/#')).toBe(false);
  });

  it('gives service roles their documented reach', () => {
    const eng = { kind: 'service' as const, role: 'engineer' as const, tokenId: 't' };
    const mfr = { kind: 'service' as const, role: 'manufacturer' as const, tokenId: 't' };
    expect(maySubscribe(eng, 'devices/+/telemetry')).toBe(true);
    expect(maySubscribe(eng, 'alerts/#')).toBe(true);
    expect(mayPublish(eng, 'devices/dA/commands/self_test')).toBe(true);
    expect(mayPublish(eng, 'devices/dA/telemetry')).toBe(false);
    expect(mayPublish(mfr, 'devices/dA/commands/self_test')).toBe(false);
    expect(maySubscribe(mfr, '#')).toBe(false);
    expect(maySubscribe(mfr, 'devices/+/telemetry')).toBe(true);
    // Confined to one maker's fleet: topic filters cannot express it, so no MQTT reads at all.
    const gree = { ...mfr, subject: 'Gree' };
    expect(maySubscribe(gree, 'devices/+/telemetry')).toBe(false);
    expect(maySubscribe(gree, 'alerts/#')).toBe(false);
    expect(maySubscribe(gree, 'alerts/air_conditioner/d1')).toBe(false);
  });

  it('never matches a $ topic with a filter that starts with a wildcard [MQTT-4.7.2-1]', () => {
    expect(topicMatches('#', '$SYS/x')).toBe(false);
    expect(topicMatches('+/B', '$TopicA/B')).toBe(false);
    expect(topicMatches('$TopicA/+', '$TopicA/B')).toBe(true);
    expect(topicMatches('$SYS/#', '$SYS/broker/uptime')).toBe(true);
  });

  it('keeps $SYS for the broker; other $ topics only on the open broker', () => {
    const anon = { kind: 'anonymous' as const };
    const admin = { kind: 'service' as const, role: 'admin' as const, tokenId: 't' };
    expect(mayPublish(anon, '$TopicA/B')).toBe(true);
    expect(mayPublish(anon, 'anything/at/all')).toBe(true);
    expect(mayPublish(anon, '$SYS/x')).toBe(false);
    expect(mayPublish(anon, '$SYS')).toBe(false);
    expect(mayPublish(admin, '$TopicA/B')).toBe(false);
    expect(mayPublish(admin, '$SYS/x')).toBe(false);
    expect(mayPublish(dev, '$dA/telemetry')).toBe(false);
    expect(maySubscribe(anon, '$TopicA/#')).toBe(true);
    expect(maySubscribe(anon, '$SYS/#')).toBe(false);
    expect(maySubscribe(admin, '$SYS/#')).toBe(true);
    expect(maySubscribe(admin, '$TopicA/#')).toBe(true);
  });

  it('compares subscription filters level by level', () => {
    expect(filterWithin('a/b/c', 'a/+/c')).toBe(true);
    expect(filterWithin('a/+/c', 'a/b/c')).toBe(false);
    expect(filterWithin('a/#', 'a/+')).toBe(false);
    expect(filterWithin('a/b', 'a/b/#')).toBe(true);
  });
});
