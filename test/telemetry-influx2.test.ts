import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sample } from '../ingest/sample.ts';
import { createInflux2Store } from '../ingest/stores/influx2.ts';
import type { TelemetryStore } from '../ingest/telemetry-store.ts';

/**
 * The InfluxDB 2.x backend against a MOCK InfluxDB 2.x HTTP endpoint: a small server in this file
 * that implements /ping, /health and /api/v2/write (checks token, org, bucket and precision and
 * parses the line protocol it receives), and answers /api/v2/query with canned annotated CSV.
 * No InfluxDB 2.x server exists in Debian, so this proves what we send and how we read answers,
 * not Flux semantics on a real server (docs/influxdb.md, "How the 2.x backend was verified").
 */

interface Line { measurement: string; tags: Record<string, string>; fields: Record<string, string>; ts: string }

/** Line protocol parser following the reference grammar (escapes for `,`, `=`, space, `"`, `\`). */
function parseLine(line: string): Line {
  let i = 0;
  const until = (stops: string): string => {
    let out = '';
    while (i < line.length && !stops.includes(line[i]!)) {
      if (line[i] === '\\' && i + 1 < line.length && ',= '.includes(line[i + 1]!)) i++;
      out += line[i++];
    }
    return out;
  };
  const measurement = until(', ');
  const tags: Record<string, string> = {};
  while (line[i] === ',') {
    i++;
    const k = until('=');
    i++;
    tags[k] = until(', ');
  }
  i++; // space
  const fields: Record<string, string> = {};
  for (;;) {
    const k = until('=');
    i++;
    let v = '';
    if (line[i] === '"') {
      for (i++; line[i] !== '"'; i++) v += line[i] === '\\' ? line[++i] : line[i];
      i++;
      v = `"${v}"`;
    } else v = until(', ');
    fields[k] = v;
    if (line[i] !== ',') break;
    i++;
  }
  return { measurement, tags, fields, ts: line.slice(i + 1) };
}

interface Received { url: URL; auth: string | undefined; lines: Line[] }
const TOKEN = 'tok-en==';
let server: Server;
let url = '';
let received: Received[] = [];
let queries: string[] = [];
/** What the next /api/v2/write answers; `hold` delays the answer until released. */
let nextWrite: { status: number; body?: string; hold?: Promise<void> } = { status: 204 };
let csv = '';

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const buf = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(buf) : buf;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const u = new URL(req.url ?? '/', 'http://mock');
  if (u.pathname === '/ping') return void res.writeHead(204).end();
  if (u.pathname === '/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"pass"}');
  const b = (await body(req)).toString('utf8');
  if (req.headers.authorization !== `Token ${TOKEN}`) return void res.writeHead(401).end('{"code":"unauthorized","message":"unauthorized access"}');
  if (u.pathname === '/api/v2/write' && req.method === 'POST') {
    const reply = nextWrite;
    nextWrite = { status: 204 };
    if (u.searchParams.get('org') !== 'acme' || u.searchParams.get('bucket') !== 'telemetry') return void res.writeHead(404).end('{"code":"not found","message":"bucket not found"}');
    if (reply.status === 204) received.push({ url: u, auth: req.headers.authorization, lines: b.split('\n').filter(Boolean).map(parseLine) });
    await reply.hold;
    return void res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body ?? '');
  }
  if (u.pathname === '/api/v2/query' && req.method === 'POST' && u.searchParams.get('org') === 'acme') {
    queries.push((JSON.parse(b) as { query: string }).query);
    return void res.writeHead(200, { 'content-type': 'text/csv' }).end(csv);
  }
  res.writeHead(404).end();
}

/** Annotated CSV as InfluxDB 2.x returns it: datatype, group and default annotations, then rows. */
function annotatedCsv(cols: Array<[string, string]>, rows: unknown[][]): string {
  const head = [`#datatype,string,long,${cols.map((c) => c[1]).join(',')}`, `#group,false,false,${cols.map(() => 'false').join(',')}`, `#default,_result,,${cols.map(() => '').join(',')}`, `,result,table,${cols.map((c) => c[0]).join(',')}`];
  return [...head, ...rows.map((r) => `,,0,${r.join(',')}`)].join('\r\n') + '\r\n\r\n';
}

const T0 = Date.UTC(2026, 0, 1);
const sample = (deviceId: string, ts: number, metrics: Record<string, number>): Sample => ({ deviceId, category: 'excavator', model: 'SY215C', ts, metrics });
let store: TelemetryStore;
const expired: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  store = createInflux2Store({ url, token: TOKEN, org: 'acme', bucket: 'telemetry', onExpired: (n) => expired.push(n) });
  await store.init();
});
afterAll(async () => {
  await store.close();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  received = [];
  queries = [];
});

describe('InfluxDB 2.x store against a mock InfluxDB 2.x HTTP endpoint', () => {
  it('writes line protocol with the token, org, bucket and ms precision, tags escaped, every metric a float', async () => {
    await store.write([sample('exc 7,site=3', T0 + 1, { 'hydraulic pressure': 350, 'a,b=c': -0.5, time: 1 })]);
    expect(received).toHaveLength(1);
    const [r] = received;
    expect(r!.auth).toBe(`Token ${TOKEN}`);
    expect(Object.fromEntries(r!.url.searchParams)).toMatchObject({ org: 'acme', bucket: 'telemetry', precision: 'ms' });
    expect(r!.lines).toEqual([
      {
        measurement: 'telemetry',
        tags: { category: 'excavator', device: 'exc 7,site=3', model: 'SY215C' },
        fields: { 'a,b=c': '-0.5', 'hydraulic pressure': '350', '~time': '1' }, // no `i`: floats
        ts: String(T0 + 1),
      },
    ]);
  });

  it('writes events with code as a tag and quoted string fields', async () => {
    await store.writeEvents([{ deviceId: 'd', category: 'tv', model: '', ts: T0, code: 'E 5', severity: 'critical', detail: 'say "hi" \\ ok' }]);
    expect(received[0]!.lines).toEqual([
      { measurement: 'device_events', tags: { category: 'tv', code: 'E 5', device: 'd' }, fields: { detail: '"say "hi" \\ ok"', severity: '"critical"' }, ts: String(T0) },
    ]);
  });

  it('resolves write() only once the server has answered', async () => {
    let release!: () => void;
    nextWrite = { status: 204, hold: new Promise<void>((r) => (release = r)) };
    let done = false;
    const p = store.write([sample('d', T0, { v: 1 })]).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toHaveLength(1);
    expect(done).toBe(false);
    release();
    await p;
    expect(done).toBe(true);
  });

  it('splits a large batch into 5 000-line requests and sends every point once', async () => {
    await store.write(Array.from({ length: 12_000 }, (_, i) => sample('d', T0 + i, { v: i })));
    expect(received.map((r) => r.lines.length)).toEqual([5000, 5000, 2000]);
    expect(received.flatMap((r) => r.lines.map((l) => Number(l.ts)))).toEqual(Array.from({ length: 12_000 }, (_, i) => T0 + i));
  });

  it('rejects at once, without retrying, when the server fails or refuses', async () => {
    nextWrite = { status: 503, body: '{"code":"unavailable","message":"too busy"}' };
    await expect(store.write([sample('d', T0, { v: 1 })])).rejects.toMatchObject({ code: 'INGEST_ERR_INFLUX_UNAVAILABLE' });
    nextWrite = { status: 400, body: '{"code":"invalid","message":"field type conflict"}' };
    await expect(store.write([sample('d', T0, { v: 1 })])).rejects.toMatchObject({ code: 'INGEST_ERR_INFLUX_REJECTED' });
    const wrongToken = createInflux2Store({ url, token: 'nope', org: 'acme', bucket: 'telemetry' });
    await expect(wrongToken.write([sample('d', T0, { v: 1 })])).rejects.toMatchObject({ code: 'INGEST_ERR_INFLUX_REJECTED' });
    expect(received).toEqual([]);
  });

  it('treats points beyond the bucket retention as expired, not as a failure to replay forever', async () => {
    nextWrite = { status: 422, body: '{"code":"unprocessable entity","message":"failure writing points to database: partial write: points beyond retention policy dropped=2"}' };
    await store.write([sample('d', 0, { v: 1 }), sample('d', 1, { v: 1 })]);
    expect(expired).toEqual([2]);
  });

  it('refuses names that line protocol cannot carry', async () => {
    await expect(store.write([sample('a\\', T0, { v: 1 })])).rejects.toMatchObject({ code: 'INGEST_ERR_INFLUX_BAD_NAME' });
    await expect(store.write([sample('a', T0, { 'x\ny': 1 })])).rejects.toMatchObject({ code: 'INGEST_ERR_INFLUX_BAD_NAME' });
    expect(received).toEqual([]);
  });

  it('pings, and fails ping and writes when nothing listens', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    const gone = createInflux2Store({ url: 'http://127.0.0.1:1', token: TOKEN, org: 'acme', bucket: 'telemetry' });
    await expect(gone.ping()).rejects.toMatchObject({ code: 'INGEST_ERR_INFLUX_UNAVAILABLE' });
    await expect(gone.write([sample('d', T0, { v: 1 })])).rejects.toMatchObject({ code: 'INGEST_ERR_INFLUX_UNAVAILABLE' });
  });
});

describe('InfluxDB 2.x store: Flux sent and annotated CSV read (canned answers, not a Flux engine)', () => {
  const cols: Array<[string, string]> = [['_time', 'dateTime:RFC3339'], ['_value', 'double'], ['_field', 'string']];

  it('queries raw points with escaped literals and a [from, to) range, and reads ns-precision times', async () => {
    csv = annotatedCsv(cols, [['2026-01-01T00:00:00.001Z', '1.5', 'v'], ['2026-01-01T00:00:00.002999999Z', '-2.125', 'v']]);
    const pts = await store.query({ deviceId: 'x" or true or r.device == "${y}', metric: 'time', from: T0, to: T0 + 10, limit: 7 });
    expect(pts).toEqual([{ ts: T0 + 1, value: 1.5 }, { ts: T0 + 2, value: -2.125 }]);
    const q = queries[0]!;
    expect(q).toContain('r.device == "x\\" or true or r.device == \\"\\${y}"');
    expect(q).toContain('r._field == "~time"');
    expect(q).toContain('range(start: time(v: "2026-01-01T00:00:00.000Z"), stop: time(v: "2026-01-01T00:00:00.010Z"))');
    expect(q).toContain('limit(n: 7)');
  });

  it('aggregates with aggregateWindow and reports the epoch-aligned window start', async () => {
    // The first window's _start is clipped to the range start by Flux: the store floors it.
    csv = annotatedCsv(cols, [['2026-01-01T00:00:05.000Z', '3', 'v'], ['2026-01-01T00:00:10.000Z', '5', 'v']]);
    const pts = await store.query({ deviceId: 'd', metric: 'v', from: T0 + 5000, to: T0 + 20_000, every: 10_000, agg: 'max', limit: 10 });
    expect(pts).toEqual([{ ts: T0, value: 3 }, { ts: T0 + 10_000, value: 5 }]);
    expect(queries[0]).toContain('aggregateWindow(every: duration(v: "10000ms"), fn: max, createEmpty: false, timeSrc: "_start")');
  });

  it('reads latest values per field, newest series first, mapping field keys back to metrics', async () => {
    csv = annotatedCsv(cols, [['2026-01-01T00:00:02Z', '2', 'a'], ['2026-01-01T00:00:01Z', '9', 'a'], ['2026-01-01T00:00:01Z', '20', '~model']]);
    expect(await store.latest('d')).toEqual({ a: { ts: T0 + 2000, value: 2 }, model: { ts: T0 + 1000, value: 20 } });
    expect(queries[0]).toMatch(/\|> last\(\)/);
  });

  it('reads events pivoted into one row each', async () => {
    csv = annotatedCsv(
      [['_time', 'dateTime:RFC3339'], ['category', 'string'], ['code', 'string'], ['detail', 'string'], ['device', 'string'], ['model', 'string'], ['severity', 'string']],
      [['2026-01-01T00:00:01Z', 'tv', 'E1', '"open, circuit"', 'd', 'm', 'error'], ['2026-01-01T00:00:02Z', 'tv', 'E6', '', 'd', 'm', 'warning']],
    );
    expect(await store.events({ deviceId: 'd', from: T0, to: T0 + 10_000, limit: 5 })).toEqual([
      { deviceId: 'd', category: 'tv', model: 'm', ts: T0 + 1000, code: 'E1', severity: 'error', detail: 'open, circuit' },
      { deviceId: 'd', category: 'tv', model: 'm', ts: T0 + 2000, code: 'E6', severity: 'warning' }, // empty cell = no detail
    ]);
    expect(queries[0]).toContain('pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")');
  });
});
