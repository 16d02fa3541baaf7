import type { AedesPublishPacket } from 'aedes';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../core/index.ts';
import { createBroker } from './broker.ts';

const packet = (topic: string): AedesPublishPacket =>
  ({
    cmd: 'publish',
    qos: 0,
    dup: false,
    retain: false,
    topic,
    payload: Buffer.from('x'),
  }) as AedesPublishPacket;

describe('the broker on one node (memory routing)', () => {
  it('routes a burst beyond 10,000 messages in flight without overflowing the stack', async () => {
    // A group commit releases thousands of QoS 1 messages at once, and deliveries are slow on a
    // loaded machine. With aedes's routing bounded (10,000 before), messages past the bound
    // queued in mqemitter, and those nobody subscribes to completed synchronously, one calling
    // the next: 'Maximum call stack size exceeded' killed the broker (bench:broker, 1,000
    // devices at QoS 1). Unbounded, there is no queue.
    const aedes = await createBroker({
      config: {
        host: '',
        port: 0,
        auth: 'device',
        maxPayloadBytes: 262144,
        maxTopicLength: 256,
        maxTopicLevels: 8,
        ratePerDevice: 1e6,
        rateBurst: 1e6,
        maxInflight: 1000,
      } as never,
      devices: { authenticate: async () => ({ ok: false }), markOnline: async () => {} } as never,
      auth: {} as never,
      ingest: {
        admit: () => ({ ok: true }),
        isFull: () => false,
        prepareDevice: () => undefined,
        behind: false,
        caughtUp: async () => {},
      },
      metrics: createMetrics(),
      log: pino({ level: 'silent' }) as never,
    });
    try {
      // 12,000 deliveries held by a slow subscriber…
      const held: Array<() => void> = [];
      await new Promise<void>((r) => aedes.subscribe('slow/+', (_p, cb) => void held.push(cb), r));
      for (let i = 0; i < 12_000; i++) aedes.publish(packet(`slow/${i}`), () => undefined);
      // …while 30,000 messages nobody subscribes to arrive.
      let routed = 0;
      for (let i = 0; i < 30_000; i++) aedes.publish(packet(`nobody/${i}`), () => routed++);
      await new Promise((r) => setImmediate(r));
      for (const cb of held.splice(0)) cb();
      for (let i = 0; i < 50 && routed < 30_000; i++) await new Promise((r) => setTimeout(r, 10));
      expect(routed).toBe(30_000);
      expect(held).toHaveLength(0);
    } finally {
      await new Promise((r) => aedes.close(() => r(undefined)));
    }
  });
});
