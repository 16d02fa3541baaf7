import type { Client } from 'aedes';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/index.ts';
import { isStatusTopic, ownKind, track } from './client-state.ts';

const ID = 'd0123456789abcdef0123';
const device = { kind: 'device' as const, deviceId: ID, category: 'tv' as const, model: 'E55' };
const stateWith = (env: Record<string, string> = {}) =>
  track({} as Client, device, loadConfig(env).mqtt, 0);

describe("a device's own topics, from its one prefix", () => {
  it('knows its telemetry, events and status topics, and no other', () => {
    const st = stateWith();
    expect(st.prefix).toBe(`devices/${ID}/`);
    expect(ownKind(st, `devices/${ID}/telemetry`)).toBe('telemetry');
    expect(ownKind(st, `devices/${ID}/events`)).toBe('events');
    expect(isStatusTopic(st, `devices/${ID}/status`)).toBe(true);
    for (const t of [
      `devices/${ID}/telemetry/x`,
      `devices/${ID}/xtelemetry`,
      `devices/${ID}x/events`,
      `devices/other/telemetry`,
      `devices/${ID}/status`,
      `devices/${ID}/`,
    ])
      expect([t, ownKind(st, t)]).toEqual([t, undefined]);
    expect(isStatusTopic(st, `devices/${ID}/statusx`)).toBe(false);
    expect(isStatusTopic(st, `devices/${ID}x/status`)).toBe(false);
  });

  it('leaves a topic beyond the limits to the general checks', () => {
    // `devices/{id}/events` is 36 characters here, `…/telemetry` 39.
    const st = stateWith({ MQTT_MAX_TOPIC_LENGTH: '36' });
    expect(ownKind(st, `devices/${ID}/telemetry`)).toBeUndefined();
    expect(ownKind(st, `devices/${ID}/events`)).toBe('events');
    const shallow = stateWith({ MQTT_MAX_TOPIC_LEVELS: '2' });
    expect(ownKind(shallow, `devices/${ID}/events`)).toBeUndefined();
  });

  it('a service has no prefix and no own topics', () => {
    const st = track(
      {} as Client,
      { kind: 'service', role: 'admin', tokenId: 't', subject: 's' } as never,
      loadConfig({}).mqtt,
      0,
    );
    expect(st.prefix).toBeUndefined();
    expect(ownKind(st, 'devices/x/telemetry')).toBeUndefined();
    expect(isStatusTopic(st, 'devices/x/status')).toBe(false);
  });
});
