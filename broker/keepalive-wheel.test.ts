import { EventEmitter } from 'node:events';
import type { Client } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { KeepaliveWheel } from './keepalive-wheel.ts';

// The wheel's ticks are driven by hand: its own interval (an hour here) never fires.
const wheels: KeepaliveWheel[] = [];
afterEach(() => wheels.splice(0).forEach((w) => w.close()));

function setup() {
  const wheel = new KeepaliveWheel(3_600_000);
  wheels.push(wheel);
  const broker = new EventEmitter();
  const timedOut: string[] = [];
  broker.on('keepaliveTimeout', (c: Client) => timedOut.push(`broker:${c.id}`));
  const client = (id: string) => {
    const c = Object.assign(new EventEmitter(), { id, broker });
    c.on('error', (err: Error) => timedOut.push(`${id}:${err.message}`));
    return c as unknown as Client;
  };
  return { wheel, client, timedOut };
}

describe('the keep-alive wheel', () => {
  it('cuts off a silent client on the first tick after its interval, never before', () => {
    const { wheel, client, timedOut } = setup();
    wheel.add(client('a'), 3 * 3_600_000); // 3 ticks
    for (let t = 0; t < 3; t++) wheel.advance();
    expect(timedOut).toEqual([]);
    wheel.advance();
    expect(timedOut).toEqual(['broker:a', 'a:keep alive timeout']);
    for (let t = 0; t < 10; t++) wheel.advance();
    expect(timedOut).toHaveLength(2);
  });

  it('a packet (refresh) moves the deadline to a whole interval after it', () => {
    const { wheel, client, timedOut } = setup();
    const e = wheel.add(client('b'), 2 * 3_600_000); // 2 ticks
    wheel.advance();
    wheel.advance();
    e.refresh(); // at tick 2
    wheel.advance(); // tick 3: was its first deadline
    wheel.advance();
    expect(timedOut).toEqual([]);
    wheel.advance(); // tick 5 = 2 + 2 + 1
    expect(timedOut).toEqual(['broker:b', 'b:keep alive timeout']);
  });

  it('forgets a client that closed', () => {
    const { wheel, client, timedOut } = setup();
    const e = wheel.add(client('c'), 3_600_000);
    e.client = null;
    for (let t = 0; t < 5; t++) wheel.advance();
    expect(timedOut).toEqual([]);
  });
});
