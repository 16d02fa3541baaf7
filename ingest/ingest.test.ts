import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../core/metrics.ts';
import { Ingest } from './ingest.ts';
import type { DeviceEvent, Sample } from '../core/sample.ts';
import { encodeSpoolBody } from './spool-codec.ts';
import { Spool } from './spool.ts';
import { LINE_PROTOCOL, LineEncoder, SampleLineEncoder } from './stores/influx-line.ts';
import type { TelemetryStore } from './telemetry-store.ts';

const dev = { deviceId: 'd1', category: 'tv' as const, model: 'E55' };
const NOW = Date.UTC(2026, 10, 23);
const msg = (v: number) =>
  Buffer.from(JSON.stringify({ ts: NOW - 1000 + v, metrics: { power_w: v } }));

/** An in-memory store whose writes fail as scripted: stands in for a store we make misbehave. */
function scriptedStore(failures: Array<Error & { code?: string }>) {
  const written: Sample[] = [];
  const store = {
    name: 'scripted (in-memory stand-in)',
    init: async () => undefined,
    write: async (s: readonly Sample[]) => {
      const f = failures.shift();
      if (f) throw f;
      written.push(...s);
    },
    writeEvents: async () => undefined,
  } as unknown as TelemetryStore;
  return { store, written };
}

describe('Ingest drainer with a scripted store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ingest-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function make(failures: Array<Error & { code?: string }>) {
    const spool = new Spool({ dir: path.join(dir, 'spool'), maxBytes: 1e6 });
    await spool.open();
    const { store, written } = scriptedStore(failures);
    const metrics = createMetrics();
    const ingest = new Ingest({
      store,
      spool,
      metrics,
      log: pino({ level: 'silent' }),
      batchSize: 1000,
      now: () => NOW,
      limits: { maxFutureMs: 60_000, maxPastMs: 86_400_000 },
      deadLetterFile: path.join(dir, 'dead-letter.jsonl'),
    });
    return { ingest, written, metrics };
  }

  it('admits a QoS 0 message at once, nobody waiting for the disk, and stores it', async () => {
    const { ingest, written } = await make([]);
    const r = ingest.admit('telemetry', dev, msg(5), false);
    expect(r).toEqual({ ok: true, items: 1, unknownMetrics: [] });
    ingest.start();
    await ingest.flushed(10_000);
    expect(written.map((s) => s.metrics.power_w)).toEqual([5]);
    await ingest.stop();
  });

  it('admits a QoS 1 message with the promise of its group commit', async () => {
    const { ingest } = await make([]);
    const r = ingest.admit('telemetry', dev, msg(6), true);
    expect(r.ok && r.durable).toBeInstanceOf(Promise);
    if (r.ok) await r.durable;
    expect(ingest.spoolStats()).toMatchObject({ depthRecords: 1, pendingRecords: 0 });
    const refused = ingest.admit('telemetry', dev, Buffer.from('{"ts":'), true);
    expect(refused).toMatchObject({ ok: false, reason: 'malformed_json' });
    expect(ingest.spoolStats()).toMatchObject({ depthRecords: 1, pendingRecords: 0 });
    await ingest.stop();
  });

  it('says it is behind once more than two store batches wait, and when it caught up', async () => {
    const { ingest, written } = await make([]);
    for (let i = 0; i < 2000; i++) ingest.admit('telemetry', dev, msg(i % 900), false);
    expect(ingest.behind).toBe(false);
    ingest.admit('telemetry', dev, msg(1), false);
    expect(ingest.behind).toBe(true);
    let caughtUp = false;
    const waiting = ingest.caughtUp().then(() => (caughtUp = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(caughtUp).toBe(false);
    ingest.start();
    await waiting;
    expect(ingest.behind).toBe(false);
    await ingest.flushed(10_000);
    expect(written).toHaveLength(2001);
    await ingest.stop();
  });

  it('retries a batch through transient failures and stores it once', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), {
      code: 'INGEST_ERR_INFLUX_UNAVAILABLE',
    });
    const { ingest, written, metrics } = await make([down, down]);
    await ingest.accept('telemetry', dev, msg(1));
    ingest.start();
    await ingest.flushed(10_000);
    expect(written.map((s) => s.metrics.power_w)).toEqual([1]);
    expect((await metrics.storeWriteErrors.get()).values[0]?.value).toBe(2);
    await ingest.stop();
  });

  it('moves a batch the store refuses for good to the dead-letter file and carries on', async () => {
    const refused = Object.assign(new Error('field type conflict'), {
      code: 'INGEST_ERR_INFLUX_REJECTED',
    });
    const { ingest, written, metrics } = await make([refused]);
    await ingest.accept('telemetry', dev, msg(1));
    ingest.start();
    await ingest.flushed(10_000);
    await ingest.accept('telemetry', dev, msg(2));
    await ingest.flushed(10_000);
    expect(written.map((s) => s.metrics.power_w)).toEqual([2]);
    const dead = (await readFile(path.join(dir, 'dead-letter.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      error: 'field type conflict',
      samples: [{ deviceId: 'd1', metrics: { power_w: 1 } }],
    });
    expect((await metrics.deadLettered.get()).values[0]?.value).toBe(1);
    await ingest.stop();
  });
});

describe('Ingest hands listeners each sample once, from the spool, whether the store is up or not (in-memory store stand-in)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ingest-heard-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A store that refuses every write as unavailable while `down`. */
  async function make(state: { down: boolean }) {
    const spool = new Spool({ dir: path.join(dir, 'spool'), maxBytes: 1e6 });
    await spool.open();
    const written: number[] = [];
    const store = {
      name: 'switchable (in-memory stand-in)',
      write: async (s: readonly Sample[]) => {
        if (state.down)
          throw Object.assign(new Error('connect ECONNREFUSED'), {
            code: 'INGEST_ERR_INFLUX_UNAVAILABLE',
          });
        written.push(...s.map((x) => x.metrics.power_w!));
      },
      writeEvents: async () => undefined,
    } as unknown as TelemetryStore;
    const metrics = createMetrics();
    const ingest = new Ingest({
      store,
      spool,
      metrics,
      log: pino({ level: 'silent' }),
      batchSize: 4,
      now: () => NOW,
      limits: { maxFutureMs: 60_000, maxPastMs: 86_400_000 },
      deadLetterFile: path.join(dir, 'dead-letter.jsonl'),
    });
    const heard: number[] = [];
    ingest.onDurable({ samples: (s) => void heard.push(...s.map((x) => x.metrics.power_w!)) });
    return { ingest, written, heard, metrics };
  }

  it('hears what arrives while the store is down as it arrives, and not again when the store replays it', async () => {
    const state = { down: true };
    const { ingest, written, heard, metrics } = await make(state);
    ingest.start();
    // Batches of 4: the store keeps refusing the first batch; the listeners hear past it.
    for (let i = 0; i < 12; i++) {
      await ingest.accept('telemetry', dev, msg(i));
      await expect.poll(() => heard.length, { timeout: 5000 }).toBe(i + 1);
    }
    expect(ingest.healthy).toBe(false);
    expect(written).toEqual([]);
    state.down = false;
    await ingest.accept('telemetry', dev, msg(12));
    await ingest.flushed(20_000);
    const all = Array.from({ length: 13 }, (_, i) => i);
    expect(written).toEqual(all);
    expect(heard).toEqual(all);
    expect((await metrics.samplesHeard.get()).values[0]?.value).toBe(13);
    await ingest.stop();
  });

  it('does not hand a restarted ingest what the previous run heard; it hears what that run did not', async () => {
    const state = { down: true };
    const a = await make(state);
    a.ingest.start();
    for (let i = 0; i < 6; i++) await a.ingest.accept('telemetry', dev, msg(i));
    await expect.poll(() => a.heard.length, { timeout: 5000 }).toBe(6);
    await a.ingest.stop(); // a clean stop with the store still down: 6 messages stay spooled
    // Spooled by the previous run and never read back (a listener-less run, say).
    const spool = new Spool({ dir: path.join(dir, 'spool'), maxBytes: 1e6 });
    await spool.open();
    await spool.append(encodeSpoolBody('s', dev, msg(6)));
    await spool.close();
    state.down = false;
    const b = await make(state);
    b.ingest.start();
    await b.ingest.accept('telemetry', dev, msg(7));
    await b.ingest.flushed(20_000);
    expect(b.written).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(b.heard).toEqual([6, 7]);
    await b.ingest.stop();
  });
});

describe('Ingest bisects a batch the store refuses for good (scripted store)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ingest-bisect-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('dead-letters only the refused messages; the rest is stored, and all of it heard, in order', async () => {
    const spool = new Spool({ dir: path.join(dir, 'spool'), maxBytes: 1e6 });
    await spool.open();
    const written: Sample[] = [];
    let writes = 0;
    // Refuses, for good and whole, any write holding a power_w of 13 (as SQL refuses a batch).
    const store = {
      name: 'refuses 13 (in-memory stand-in)',
      write: async (s: readonly Sample[]) => {
        writes++;
        if (s.some((x) => x.metrics.power_w === 13))
          throw Object.assign(new Error('poison'), { code: '22021' });
        written.push(...s);
      },
      writeEvents: async () => undefined,
    } as unknown as TelemetryStore;
    const metrics = createMetrics();
    const ingest = new Ingest({
      store,
      spool,
      metrics,
      log: pino({ level: 'silent' }),
      batchSize: 1000,
      now: () => NOW,
      limits: { maxFutureMs: 60_000, maxPastMs: 86_400_000 },
      deadLetterFile: path.join(dir, 'dead-letter.jsonl'),
    });
    const heard: number[] = [];
    const refusals: unknown[] = [];
    ingest.onDurable({ samples: (s) => void heard.push(...s.map((x) => x.metrics.power_w!)) });
    ingest.onRefused((r) => refusals.push(r));
    const other = { ...dev, deviceId: 'd2' };
    for (let i = 0; i < 100; i++) ingest.admit('telemetry', i === 13 ? other : dev, msg(i), false);
    ingest.admit('telemetry', other, msg(13), false); // a second poison message, last
    await ingest.accept('telemetry', dev, msg(100));
    ingest.start();
    await ingest.flushed(10_000);
    const expected = Array.from({ length: 101 }, (_, i) => i).filter((i) => i !== 13);
    expect(written.map((s) => s.metrics.power_w)).toEqual(expected);
    // Listeners hear every accepted message once spooled, before the store refused two of them.
    expect(heard).toEqual([...Array.from({ length: 100 }, (_, i) => i), 13, 100]);
    expect((await metrics.deadLettered.get()).values[0]?.value).toBe(2);
    expect((await metrics.samplesStored.get()).values[0]?.value).toBe(100);
    expect(refusals).toEqual([
      { deviceId: 'd2', kind: 'telemetry', items: 1, code: '22021' },
      { deviceId: 'd2', kind: 'telemetry', items: 1, code: '22021' },
    ]);
    const dead = (await readFile(path.join(dir, 'dead-letter.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { deviceId: string; code: string });
    expect(dead.map((d) => [d.deviceId, d.code])).toEqual([
      ['d2', '22021'],
      ['d2', '22021'],
    ]);
    // About 2·log2(102) writes per refused message, not one per message.
    expect(writes).toBeLessThan(40);
    await ingest.stop();
  });
});

describe('Ingest with a store that has an encoding (scripted store, real line encoder)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ingest-enc-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function make(encodingId = LINE_PROTOCOL) {
    const spool = new Spool({ dir: path.join(dir, 'spool'), maxBytes: 1e6 });
    await spool.open();
    const encoded: string[] = [];
    const written: Sample[] = [];
    const events: DeviceEvent[] = [];
    const store = {
      name: 'scripted (in-memory stand-in)',
      write: async (s: readonly Sample[]) => void written.push(...s),
      writeEvents: async (e: readonly DeviceEvent[]) => void events.push(...e),
      encoding: {
        id: encodingId,
        encoder: () => new LineEncoder(new SampleLineEncoder()),
        write: async (parts: readonly Uint8Array[]) =>
          void encoded.push(Buffer.concat(parts).toString()),
      },
    } as unknown as TelemetryStore;
    const metrics = createMetrics();
    const ingest = new Ingest({
      store,
      spool,
      metrics,
      log: pino({ level: 'silent' }),
      batchSize: 1000,
      now: () => NOW,
      limits: { maxFutureMs: 60_000, maxPastMs: 86_400_000 },
      deadLetterFile: path.join(dir, 'dead-letter.jsonl'),
    });
    const heard: Sample[] = [];
    return { ingest, encoded, written, events, metrics, heard, spool };
  }

  it('writes telemetry as the encoding made it at admit, and still hands listeners the samples', async () => {
    const { ingest, encoded, written, events, metrics, heard } = await make();
    ingest.onDurable({ samples: (s) => void heard.push(...s) });
    await ingest.accept('telemetry', dev, msg(5));
    // Not the reader's shape (an ISO timestamp): encoded from the general path's samples.
    const iso = new Date(NOW - 500).toISOString();
    await ingest.accept('telemetry', dev, Buffer.from(`{"ts":"${iso}","metrics":{"power_w":6}}`));
    await ingest.accept('events', dev, Buffer.from(`{"ts":${NOW},"code":"E1"}`));
    ingest.start();
    await ingest.flushed(10_000);
    expect(encoded.join('')).toBe(
      `telemetry,device=d1,category=tv,model=E55 power_w=5 ${NOW - 995}\n` +
        `telemetry,device=d1,category=tv,model=E55 power_w=6 ${NOW - 500}\n`,
    );
    expect(written).toEqual([]);
    expect(events.map((e) => e.code)).toEqual(['E1']);
    expect(heard.map((s) => s.metrics.power_w)).toEqual([5, 6]);
    expect((await metrics.samplesStored.get()).values[0]?.value).toBe(2);
    await ingest.stop();
  });

  it('decodes what was spooled under another encoding (a changed store) and writes the samples', async () => {
    const a = await make(9);
    await a.ingest.accept('telemetry', dev, msg(7));
    await a.ingest.stop(); // as if the service stopped and came back with another store
    const b = await make(LINE_PROTOCOL);
    b.ingest.start();
    await b.ingest.flushed(10_000);
    expect(b.encoded).toEqual([]);
    expect(b.written.map((s) => s.metrics.power_w)).toEqual([7]);
    await b.ingest.stop();
  });

  it('spools a device the encoding cannot name without an encoding: the store write decides', async () => {
    const { ingest, encoded, written } = await make();
    const odd = { ...dev, model: 'back\\slash' };
    expect(await ingest.accept('telemetry', odd, msg(8))).toMatchObject({ ok: true });
    ingest.start();
    await ingest.flushed(10_000);
    expect(encoded).toEqual([]);
    expect(written.map((s) => [s.model, s.metrics.power_w])).toEqual([['back\\slash', 8]]);
    await ingest.stop();
  });
});
