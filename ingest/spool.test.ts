import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sample } from '../core/sample.ts';
import { ByteWriter } from './byte-writer.ts';
import {
  decodeSpoolBody,
  encodedPart,
  encodeSpoolBody,
  readRecordParts,
  spoolHead,
  writeTrailer,
} from './spool-codec.ts';
import { recordBodies, Spool, SpoolFullError, type Taken } from './spool.ts';

const dev1 = { deviceId: 'd1', category: 'tv' as const, model: 'm' };
/** A telemetry record of `n` samples whose metric v is `i`, as ingest spools it. */
const rec = (i: number, n = 1): Buffer =>
  encodeSpoolBody(
    's',
    dev1,
    Buffer.from(
      JSON.stringify(
        Array.from({ length: n }, (_, j) => ({ ts: i * 1000 + j, metrics: { v: i } })),
      ),
    ),
  );
const values = (t: Taken) =>
  recordBodies(t).map((b) => (decodeSpoolBody(b).d[0] as Sample).metrics.v ?? NaN);

async function drainAll(s: Spool): Promise<number[]> {
  const out: number[] = [];
  for (;;) {
    const t = await s.take(100);
    if (t.count === 0) return out;
    out.push(...values(t));
    await s.commit(t);
  }
}

describe('Spool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'spool-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns appended records in order and forgets them once committed', async () => {
    const s = new Spool({ dir, maxBytes: 1e6 });
    await s.open();
    await Promise.all([1, 2, 3].map((i) => s.append(rec(i))));
    expect(s.stats().depthRecords).toBe(3);
    expect(await drainAll(s)).toEqual([1, 2, 3]);
    expect(s.stats()).toMatchObject({ depthRecords: 0, depthBytes: 0 });
    await s.close();
  });

  it('replays uncommitted records after a restart, and not committed ones', async () => {
    const a = new Spool({ dir, maxBytes: 1e6 });
    await a.open();
    for (const i of [1, 2, 3, 4]) await a.append(rec(i));
    const t = await a.take(2);
    expect(values(t)).toEqual([1, 2]);
    await a.commit(t);
    await a.close(); // as if the process died here: 3 and 4 were acknowledged, not stored
    const b = new Spool({ dir, maxBytes: 1e6 });
    expect(await b.open()).toEqual({ recoveredRecords: 2, truncatedBytes: 0 });
    expect(await drainAll(b)).toEqual([3, 4]);
    await b.append(rec(5));
    expect(await drainAll(b)).toEqual([5]);
    await b.close();
  });

  it('cuts off a torn write at the tail and keeps every whole record before it', async () => {
    const a = new Spool({ dir, maxBytes: 1e6 });
    await a.open();
    await a.append(rec(1));
    await a.append(rec(2));
    await a.close();
    const seg = (await readdir(dir)).find((f) => f.endsWith('.seg'))!;
    await appendFile(path.join(dir, seg), Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 5]));
    const b = new Spool({ dir, maxBytes: 1e6 });
    expect(await b.open()).toEqual({ recoveredRecords: 2, truncatedBytes: 9 });
    expect(await drainAll(b)).toEqual([1, 2]);
    await b.close();
  });

  it('refuses appends beyond its bound, and accepts again once drained', async () => {
    const s = new Spool({ dir, maxBytes: 600 });
    await s.open();
    let accepted = 0;
    let full: unknown;
    for (let i = 0; i < 50 && !full; i++) {
      await s.append(rec(i)).then(
        () => accepted++,
        (e: unknown) => (full = e),
      );
    }
    expect(full).toBeInstanceOf(SpoolFullError);
    expect(s.stats().depthBytes).toBeLessThanOrEqual(600);
    expect(await drainAll(s)).toHaveLength(accepted);
    await expect(s.append(rec(99))).resolves.toBeUndefined();
    await s.close();
  });

  it('reads a backlog back in order across segments', async () => {
    const s = new Spool({ dir, maxBytes: 1e7, segmentBytes: 3000 });
    await s.open();
    for (let i = 0; i < 200; i++) await s.append(rec(i, 2));
    expect(s.stats().segments).toBeGreaterThan(3);
    const got = await drainAll(s);
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(s.stats()).toMatchObject({ depthRecords: 0, depthBytes: 0 });
    // Drained segments are deleted; only the one being written remains.
    expect((await readdir(dir)).filter((f) => f.endsWith('.seg'))).toHaveLength(1);
    await s.append(rec(500));
    expect(await drainAll(s)).toEqual([500]);
    await s.close();
  });

  it('gives one durability promise per group: what is queued in the same run shares it', async () => {
    const s = new Spool({ dir, maxBytes: 1e6, commitIntervalMs: 20 });
    await s.open();
    s.enqueue(rec(1));
    const first = s.durable();
    const second = s.append(rec(2));
    expect(second).toBe(first);
    await first;
    // Both are on disk and visible to the drainer once the group's promise resolves.
    expect(s.stats()).toMatchObject({ depthRecords: 2, pendingRecords: 0 });
    const later = s.append(rec(3));
    expect(later).not.toBe(first);
    await later;
    expect(await drainAll(s)).toEqual([1, 2, 3]);
    await s.close();
  });

  it('writes records only queued (QoS 0) without anyone waiting, and keeps them across a restart', async () => {
    const a = new Spool({ dir, maxBytes: 1e6, commitIntervalMs: 5 });
    await a.open();
    for (const i of [1, 2, 3]) a.enqueue(rec(i));
    expect(a.stats().pendingRecords).toBe(3);
    await a.close(); // writes and syncs what was queued
    const b = new Spool({ dir, maxBytes: 1e6 });
    expect(await b.open()).toEqual({ recoveredRecords: 3, truncatedBytes: 0 });
    expect(await drainAll(b)).toEqual([1, 2, 3]);
    await b.close();
  });

  it('refuses a queued record beyond its bound synchronously', async () => {
    const s = new Spool({ dir, maxBytes: 300 });
    await s.open();
    expect(() => {
      for (let i = 0; i < 50; i++) s.enqueue(rec(i));
    }).toThrow(SpoolFullError);
    await s.close();
  });

  it('stores a record given in parts (head, payload, the first bytes of a tail) as one body', async () => {
    const dev = { deviceId: 'd设备1', category: 'tv' as const, model: 'E55' };
    const payload = Buffer.from(JSON.stringify({ ts: 1000, metrics: { v: 7 } }));
    const tail = new ByteWriter(4);
    tail.text('encoded');
    writeTrailer(tail, 1, 9);
    const a = new Spool({ dir, maxBytes: 1e6 });
    await a.open();
    // A tail buffer longer than what was written in it: only tail.length bytes are the record's.
    a.enqueue(spoolHead('s', dev), payload, tail.buf, tail.length);
    await a.durable();
    await a.close();
    // Read back from disk (a restart), where the record's CRC is checked.
    const b = new Spool({ dir, maxBytes: 1e6 });
    expect(await b.open()).toEqual({ recoveredRecords: 1, truncatedBytes: 0 });
    const t = await b.take(10);
    const [body] = recordBodies(t);
    expect(body).toEqual(Buffer.concat([spoolHead('s', dev), payload, tail.toBuffer()]));
    const parts = readRecordParts(body!)!;
    expect(parts).toMatchObject({ kind: 's', items: 1, encoding: 9 });
    expect(encodedPart(body!, parts).toString()).toBe('encoded');
    expect(recordBodies(t).map((x) => decodeSpoolBody(x))).toEqual([
      {
        k: 's',
        d: [{ deviceId: 'd设备1', category: 'tv', model: 'E55', ts: 1000, metrics: { v: 7 } }],
      },
    ]);
    await b.close();
  });

  describe("the listeners' cursor (heard)", () => {
    const heardValues = (s: Spool, t: Taken) => {
      const bodies = s.unheard(t);
      // The drainer's count of them, made without the views.
      expect(s.unheardCount(t)).toBe(bodies.length);
      return bodies.map((b) => (decodeSpoolBody(b).d[0] as Sample).metrics.v ?? NaN);
    };

    it('reads ahead of the store, and a batch the store takes again is not heard twice', async () => {
      const s = new Spool({ dir, maxBytes: 1e6 });
      await s.open();
      await Promise.all([1, 2, 3, 4, 5].map((i) => s.append(rec(i))));
      // The store takes 1–2 and fails; the listeners read ahead to 4 meanwhile.
      const stored = await s.take(2);
      expect(heardValues(s, stored)).toEqual([1, 2]);
      s.markHeard(stored.end);
      const ahead = await s.takeUnheard(2);
      expect(values(ahead)).toEqual([3, 4]);
      s.markHeard(ahead.end);
      // The retry and the replay: what was heard is not handed again, the rest is.
      expect(heardValues(s, await s.take(2))).toEqual([]);
      const all = await s.take(10);
      expect(values(all)).toEqual([1, 2, 3, 4, 5]);
      expect(heardValues(s, all)).toEqual([5]);
      s.markHeard(all.end);
      expect((await s.takeUnheard(10)).count).toBe(0);
      await s.commit(all);
      await s.close();
    });

    it('keeps the cursor across a clean restart, and moves it with the store when nobody listens', async () => {
      const a = new Spool({ dir, maxBytes: 1e6 });
      await a.open();
      await Promise.all([1, 2, 3, 4].map((i) => a.append(rec(i))));
      a.markHeard((await a.takeUnheard(3)).end);
      await a.close();
      const b = new Spool({ dir, maxBytes: 1e6 });
      await b.open();
      const t = await b.take(10);
      expect(values(t)).toEqual([1, 2, 3, 4]); // the store replays everything unstored
      expect(heardValues(b, t)).toEqual([4]); // the listeners only what they did not hear
      await b.commit(await b.take(2));
      await b.commit(await b.take(10)); // 4 stored before anyone heard it: nobody will
      await b.append(rec(5));
      expect(values(await b.takeUnheard(10))).toEqual([5]);
      await b.close();
    });

    it('after a crash, hears again only what was heard since the last checkpoint (≤ 200 ms)', async () => {
      const a = new Spool({ dir, maxBytes: 1e6 });
      await a.open();
      await Promise.all([1, 2, 3, 4].map((i) => a.append(rec(i))));
      a.markHeard((await a.takeUnheard(2)).end); // the first mark saves a checkpoint at once
      await a.checkpoint(); // (waits for that write)
      a.markHeard((await a.takeUnheard(1)).end); // within 200 ms: not saved yet
      // A crash: `a` is never closed; a new process opens the same folder.
      const b = new Spool({ dir, maxBytes: 1e6 });
      await b.open();
      expect(heardValues(b, await b.take(10))).toEqual([3, 4]);
      await a.close().catch(() => undefined);
      await b.close();
    });

    it('reads a checkpoint written before the cursor existed as "heard up to the store"', async () => {
      const a = new Spool({ dir, maxBytes: 1e6 });
      await a.open();
      await Promise.all([1, 2, 3].map((i) => a.append(rec(i))));
      await a.commit(await a.take(1));
      await a.close();
      // The form an older version wrote: the store's position only.
      const cp = JSON.parse(await readFile(path.join(dir, 'checkpoint'), 'utf8')) as {
        seg: number;
        off: number;
      };
      await writeFile(path.join(dir, 'checkpoint'), JSON.stringify({ seg: cp.seg, off: cp.off }));
      const b = new Spool({ dir, maxBytes: 1e6 });
      await b.open();
      const t = await b.take(10);
      expect(heardValues(b, t)).toEqual([2, 3]);
      await b.close();
    });
  });
});
