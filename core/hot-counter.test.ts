import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { hotCounter } from './hot-counter.ts';

describe('hotCounter', () => {
  it('shows exact counts, per label set, to whoever reads the counter', async () => {
    const registry = new Registry();
    const c = new Counter({
      name: 'c_total',
      help: 'h',
      labelNames: ['kind'],
      registers: [registry],
    });
    const a = hotCounter(c, { kind: 'a' });
    const b = hotCounter(c, { kind: 'b' });
    a();
    a(2);
    b(5);
    expect((await c.get()).values.map((v) => [v.labels.kind, v.value]).sort()).toEqual([
      ['a', 3],
      ['b', 5],
    ]);
    a();
    expect(await registry.metrics()).toMatch(/^c_total\{kind="a"\} 4$/m);
    // Direct increments still count alongside.
    c.inc({ kind: 'b' });
    expect(await registry.metrics()).toMatch(/^c_total\{kind="b"\} 6$/m);
  });

  it('keeps a collect hook the counter already had', async () => {
    let calls = 0;
    const c = new Counter({
      name: 'd_total',
      help: 'h',
      registers: [],
      collect() {
        calls++;
      },
    });
    const inc = hotCounter(c);
    inc(7);
    expect((await c.get()).values[0]?.value).toBe(7);
    expect(calls).toBe(1);
  });
});
