import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { topicMatches } from './acl.ts';
import { createPersistence } from './persistence.ts';

async function topicsOf(stream: Readable): Promise<string[]> {
  const out: string[] = [];
  for await (const p of stream) out.push((p as { topic: string }).topic);
  return out.sort();
}

/** aedes awaits storeRetained(packet); the typings only know the callback form. */
const store = (p: ReturnType<typeof createPersistence>, packet: unknown) =>
  new Promise<void>((resolve, reject) =>
    p.storeRetained(packet as never, (err) => (err ? reject(err) : resolve())),
  );

const pkt = (topic: string, payload = 'x') => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from(payload),
  qos: 1,
  retain: true,
});

describe('indexed retained store', () => {
  const topics = [
    'devices/a/status',
    'devices/a/commands/reboot',
    'devices/b/status',
    'alerts/tv/a',
    'plain',
    '$SYS/x/y',
    'devices/a',
  ];

  it('returns exactly what a full scan would, for literal and wildcard patterns', async () => {
    const p = createPersistence();
    for (const t of topics) await store(p, pkt(t));
    for (const pattern of [
      'devices/a/#',
      'devices/a/commands/+',
      'devices/+/status',
      '#',
      '+/+/+',
      'plain',
      'devices/b/status',
      '$SYS/#',
      'alerts/#',
      'nothing/#',
    ]) {
      const expected = topics
        .filter((t) => topicMatches(pattern, t) && !(/^[+#]/.test(pattern) && t.startsWith('$')))
        .sort();
      expect(await topicsOf(p.createRetainedStream(pattern)), pattern).toEqual(expected);
    }
    expect(
      await topicsOf(p.createRetainedStreamCombi(['devices/a/status', 'devices/b/status'])),
    ).toEqual(['devices/a/status', 'devices/b/status']);
  });

  it("replaces a topic's retained message, and an empty payload clears it [MQTT-3.3.1-10]", async () => {
    const p = createPersistence();
    await store(p, pkt('devices/a/status', 'online'));
    await store(p, pkt('devices/a/status', 'offline'));
    const got: string[] = [];
    for await (const m of p.createRetainedStream('devices/a/status'))
      got.push(String((m as { payload: Buffer }).payload));
    expect(got).toEqual(['offline']);
    await new Promise<void>((r) =>
      p.storeRetained(pkt('devices/a/status', '') as never, () => r()),
    );
    expect(await topicsOf(p.createRetainedStream('#'))).toEqual([]);
  });
});
