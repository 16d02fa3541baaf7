import type { Message } from 'mqemitter';
import { describe, expect, it } from 'vitest';
import { topicMatches } from './acl.ts';
import { BucketListeners, matchesFrom } from './bucket-listeners.ts';

const msg = (topic: string): Message => ({ topic, payload: Buffer.from('x') }) as Message;
const turn = () => new Promise((r) => setImmediate(r));
const BUCKET = 'devices/d1/commands';

describe('matchesFrom: MQTT matching after a shared bucket', () => {
  const filters = [
    `${BUCKET}/#`,
    `${BUCKET}/+`,
    `${BUCKET}/+/x`,
    `${BUCKET}/a/#`,
    `${BUCKET}/a`,
    `${BUCKET}/+/+`,
    BUCKET,
  ];
  const topics = [
    BUCKET,
    `${BUCKET}/`,
    `${BUCKET}/a`,
    `${BUCKET}/ab`,
    `${BUCKET}/a/x`,
    `${BUCKET}/b/x`,
    `${BUCKET}/a/x/y`,
    `${BUCKET}//x`,
    `${BUCKET}/a/`,
  ];
  it('agrees with acl.ts topicMatches on every filter and topic', () => {
    for (const f of filters)
      for (const t of topics)
        expect([f, t, matchesFrom(f, t, BUCKET.length)]).toEqual([f, t, topicMatches(f, t)]);
  });
  it('# matches the parent level itself [MQTT-4.7.1-2]; + does not match a missing level', () => {
    expect(matchesFrom(`${BUCKET}/#`, BUCKET, BUCKET.length)).toBe(true);
    expect(matchesFrom(`${BUCKET}/+`, BUCKET, BUCKET.length)).toBe(false);
  });
});

describe('BucketListeners', () => {
  it('calls the listeners of a message once each, then its callback once all are done', async () => {
    const b = new BucketListeners();
    const heard: string[] = [];
    const dones: Array<() => void> = [];
    b.on(`${BUCKET}/#`, BUCKET, (m, done) => (heard.push(`all ${m.topic}`), dones.push(done)));
    b.on(`${BUCKET}/a`, BUCKET, (m, done) => (heard.push(`a ${m.topic}`), dones.push(done)));
    b.on('devices/d2/commands/#', 'devices/d2/commands', () => heard.push('other device'));
    let called = 0;
    b.emit(msg(`${BUCKET}/a`), () => called++);
    expect(heard).toEqual([`all ${BUCKET}/a`, `a ${BUCKET}/a`]);
    expect(b.current).toBe(1);
    dones[0]!();
    expect(called).toBe(0);
    dones[1]!();
    expect(called).toBe(1);
    expect(b.current).toBe(0);
  });

  it('answers a message nobody hears at once, shorter topics included', () => {
    const b = new BucketListeners();
    let called = 0;
    b.emit(msg('devices/d9/commands/x'), () => called++);
    b.emit(msg('devices/d9'), () => called++);
    expect([called, b.current]).toEqual([2, 0]);
  });

  it('calls a listener added twice twice; removing takes one off at the next turn', async () => {
    const b = new BucketListeners();
    let n = 0;
    const l = (_m: Message, done: () => void) => (n++, done());
    b.on(`${BUCKET}/#`, BUCKET, l);
    b.on(`${BUCKET}/#`, BUCKET, l);
    b.emit(msg(`${BUCKET}/x`));
    expect(n).toBe(2);
    b.removeListener(`${BUCKET}/#`, BUCKET, l);
    b.emit(msg(`${BUCKET}/x`));
    expect(n).toBe(4); // not yet: as mqemitter, at the next turn
    await turn();
    b.emit(msg(`${BUCKET}/x`));
    expect(n).toBe(5);
    b.removeListener(`${BUCKET}/#`, BUCKET, l);
    b.removeListener(`${BUCKET}/#`, BUCKET, l); // one too many: nothing to remove
    await turn();
    b.emit(msg(`${BUCKET}/x`));
    expect(n).toBe(5);
  });

  it('removes only the listener of the filter given', async () => {
    const b = new BucketListeners();
    const heard: string[] = [];
    const l = (m: Message, done: () => void) => (heard.push(m.topic), done());
    b.on(`${BUCKET}/a`, BUCKET, l);
    b.on(`${BUCKET}/b`, BUCKET, l);
    b.removeListener(`${BUCKET}/a`, BUCKET, l);
    await turn();
    b.emit(msg(`${BUCKET}/a`));
    b.emit(msg(`${BUCKET}/b`));
    expect(heard).toEqual([`${BUCKET}/b`]);
  });

  it('refuses messages once closed', async () => {
    const b = new BucketListeners();
    await new Promise<void>((r) => b.close(r));
    const err = await new Promise((r) => b.emit(msg(`${BUCKET}/a`), r));
    expect(err).toBeInstanceOf(Error);
  });
  it('counts the live listeners of a bucket at once, while removed ones go at the next turn', async () => {
    const b = new BucketListeners();
    const f = 'devices/d1/commands/#';
    const bucket = 'devices/d1/commands';
    const one = () => undefined;
    const two = () => undefined;
    expect(b.live(bucket)).toBe(0);
    b.on(f, bucket, one);
    b.on(f, bucket, two);
    expect(b.live(bucket)).toBe(2);
    b.removeListener(f, bucket, one);
    expect(b.live(bucket)).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(b.live(bucket)).toBe(1);
    b.removeListener(f, bucket, two);
    expect([b.live(bucket), b.has(bucket)]).toEqual([0, true]);
    // Added back in the same turn: counted, and kept when the removal lands.
    b.on(f, bucket, two);
    expect(b.live(bucket)).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect([b.live(bucket), b.has(bucket)]).toEqual([1, true]);
    b.removeListener(f, bucket, two);
    await new Promise((r) => setImmediate(r));
    expect([b.live(bucket), b.has(bucket)]).toEqual([0, false]);
  });
});
