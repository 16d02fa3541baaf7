import { describe, expect, it } from 'vitest';
import { ConnectGate } from './device-client.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('ConnectGate', () => {
  it('admits at most max at once, the rest in arrival order as slots free up', async () => {
    const gate = new ConnectGate(2);
    const admitted: number[] = [];
    const releases: Array<() => void> = [];
    for (let i = 0; i < 5; i++) {
      void gate.acquire().then((release) => {
        admitted.push(i);
        releases[i] = release;
      });
    }
    await tick();
    expect(admitted).toEqual([0, 1]);
    releases[1]?.();
    releases[1]?.(); // a second release of the same slot is ignored
    await tick();
    expect(admitted).toEqual([0, 1, 2]);
    releases[0]?.();
    releases[2]?.();
    await tick();
    expect(admitted).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps order over many waiters (the queue compacts itself)', async () => {
    const gate = new ConnectGate(1);
    const order: number[] = [];
    const all = Array.from({ length: 5000 }, (_, i) =>
      gate.acquire().then((release) => {
        order.push(i);
        release();
      }),
    );
    await Promise.all(all);
    expect(order).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('refuses a size below 1', () => {
    expect(() => new ConnectGate(0)).toThrow(/max >= 1/);
  });
});
