import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { ident, str } from '../../ingest/stores/influx-ql.ts';

/**
 * A MOCK of InfluxDB 2.x's HTTP API in front of a REAL influxd 1.x, so the 2.x store can run the
 * telemetry contract suite on real storage. No binary installable here serves the 2.x API:
 * Debian's influxd is 1.6.7, and InfluxDB gained `/api/v2/write` in 1.8 and Flux in 1.7; there
 * is no InfluxDB 2.x in Debian or npm (docs/influxdb.md, "How the 2.x backend was verified").
 *
 * - `POST /api/v2/write?org&bucket&precision`: checks the token and org, and forwards the line
 *   protocol unchanged to influxd's `/write?db=<bucket>&precision=…`, which is what InfluxDB
 *   1.8's compatibility endpoint does. influxd parses and stores the points: escaping, float
 *   fields, overwrite of a point written twice and ms timestamps are influxd's own behaviour.
 * - `POST /api/v2/query?org`: answers exactly the Flux the 2.x store sends (ingest/stores/
 *   influx-flux.ts: raw and `aggregateWindow` points, `last()`, events with `pivot`) and refuses
 *   any other text with 400, as a compile error. Each is run as InfluxQL on the same database and
 *   answered in annotated CSV following Flux's documented semantics: `range` start inclusive,
 *   stop exclusive; windows aligned to the epoch, the first one's `_start` clipped to the range
 *   start; `count` a long, other values doubles; `last()` one row per series and field.
 *   This part is our reading of Flux, not a Flux engine: it shows that the store's queries and
 *   its CSV reading agree with it on real data, not that a 2.x server answers the same.
 * - `GET /ping`: influxd's, so the shim is down when influxd is.
 */
export interface Influx2Shim {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  /** Flux texts received, in order. */
  readonly queries: string[];
  close(): Promise<void>;
}

/** A Flux string literal as the client's `flux` template writes it; group 1 is its escaped body. */
const STR = String.raw`"((?:[^"\\]|\\.)*)"`;
const TIME = String.raw`time\(v: ${STR}\)`;
const FROM = String.raw`^from\(bucket: ${STR}\)\s*\|> range\(start: ${TIME}, stop: ${TIME}\)\s*`;

const RAW_OR_WINDOWED = new RegExp(
  FROM +
    String.raw`\|> filter\(fn: \(r\) => r\._measurement == ${STR} and r\.device == ${STR} and r\._field == ${STR}\)\s*` +
    String.raw`\|> group\(\)\s*` +
    String.raw`(?:\|> aggregateWindow\(every: duration\(v: "(\d+)ms"\), fn: (mean|min|max|count), createEmpty: false, timeSrc: "_start"\)\s*)?` +
    String.raw`\|> sort\(columns: \["_time"\]\)\s*\|> limit\(n: (\d+)\)\s*$`,
);
const LAST = new RegExp(
  FROM +
    String.raw`\|> filter\(fn: \(r\) => r\._measurement == ${STR} and r\.device == ${STR}\)\s*\|> last\(\)\s*$`,
);
const EVENTS = new RegExp(
  FROM +
    String.raw`\|> filter\(fn: \(r\) => r\._measurement == ${STR} and r\.device == ${STR}\)\s*` +
    String.raw`\|> pivot\(rowKey: \["_time"\], columnKey: \["_field"\], valueColumn: "_value"\)\s*` +
    String.raw`\|> group\(\)\s*\|> sort\(columns: \["_time", "code"\]\)\s*\|> limit\(n: (\d+)\)\s*$`,
);

/** The value of a Flux string literal's body (`\"`, `\\`, `\${`, `\n`, `\r`, `\t`). */
const unescape = (s: string): string =>
  s.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);

const INFLUXQL_FN = { mean: 'MEAN', min: 'MIN', max: 'MAX', count: 'COUNT' } as const;

type Cell = string | number | null | undefined;
/** One table of a Flux result: its columns (name, annotated type, part of the group key). */
interface Table {
  columns: Array<{ name: string; type: string; group?: boolean }>;
  rows: Cell[][];
}

/** A CSV cell: quoted when it holds a comma, quote or line break (RFC 4180). */
const csvCell = (v: Cell): string => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Annotated CSV as InfluxDB 2.x writes it: one block per column layout, tables numbered. */
function annotatedCsv(tables: Table[]): string {
  let out = '';
  let n = 0;
  for (const t of tables) {
    if (t.rows.length === 0) continue;
    const cols = t.columns;
    out +=
      [
        `#datatype,string,long,${cols.map((c) => c.type).join(',')}`,
        `#group,false,false,${cols.map((c) => String(c.group === true)).join(',')}`,
        `#default,_result,,${cols.map(() => '').join(',')}`,
        `,result,table,${cols.map((c) => c.name).join(',')}`,
        ...t.rows.map((r) => `,,${n},${r.map(csvCell).join(',')}`),
      ].join('\r\n') + '\r\n\r\n';
    n++;
  }
  return out;
}

/** An RFC 3339 time as Flux writes `_time` (UTC, fraction without trailing zeros). */
const rfc3339 = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/\.000Z$/, 'Z')
    .replace(/(\.\d*?)0+Z$/, '$1Z');

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const buf = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(buf) : buf;
}

const json = (res: ServerResponse, status: number, code: string, message: string) =>
  void res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ code, message }));

interface Series {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: Cell[][];
}

/** Starts the shim on a free loopback port in front of influxd at `influxdUrl`. */
export async function startInflux2Shim(influxdUrl: string): Promise<Influx2Shim> {
  const token = 'shim-token==';
  const org = 'sanbao';
  const queries: string[] = [];

  /** Statements on `db` (epoch ms times); one result per statement, errors thrown. */
  const influxql = async (db: string, q: string): Promise<Series[][]> => {
    const res = await fetch(
      `${influxdUrl}/query?db=${encodeURIComponent(db)}&epoch=ms&q=${encodeURIComponent(q)}`,
      { method: 'POST' },
    );
    const body = (await res.json()) as {
      error?: string;
      results?: Array<{ error?: string; series?: Series[] }>;
    };
    if (!res.ok || body.error) throw new Error(body.error ?? `influxd answered ${res.status}`);
    return (body.results ?? []).map((r) => {
      if (r.error) throw new Error(r.error);
      return r.series ?? [];
    });
  };

  /** Answers one Flux query the store sends as a Flux server would, from influxd's data. */
  const flux = async (text: string): Promise<Table[]> => {
    let m = RAW_OR_WINDOWED.exec(text);
    if (m) {
      const [, b, from, to, meas, device, field, every, fn, limit] = m;
      const start = Date.parse(unescape(from!));
      const stop = Date.parse(unescape(to!));
      const where = `"device" = ${str(unescape(device!))} AND time >= ${start}ms AND time < ${stop}ms`;
      const sel = fn
        ? `SELECT ${INFLUXQL_FN[fn as keyof typeof INFLUXQL_FN]}(${ident(unescape(field!))}) AS v`
        : `SELECT ${ident(unescape(field!))} AS v`;
      const group = every ? ` GROUP BY time(${every}ms) fill(none)` : '';
      const [series] = await influxql(
        unescape(b!),
        `${sel} FROM ${ident(unescape(meas!))} WHERE ${where}${group} ORDER BY time ASC LIMIT ${limit}`,
      );
      // group() then aggregateWindow: one table; a window reported by its _start, which Flux
      // clips to the range start.
      const rows = (series?.[0]?.values ?? [])
        .filter((r) => r[1] !== null)
        .map((r) => {
          const t = Math.max(r[0] as number, start);
          return [rfc3339(start), rfc3339(stop), rfc3339(t), r[1], unescape(field!)];
        });
      return [
        {
          columns: [
            { name: '_start', type: 'dateTime:RFC3339' },
            { name: '_stop', type: 'dateTime:RFC3339' },
            { name: '_time', type: 'dateTime:RFC3339' },
            { name: '_value', type: fn === 'count' ? 'long' : 'double' },
            { name: '_field', type: 'string' },
          ],
          rows,
        },
      ];
    }
    m = LAST.exec(text);
    if (m) {
      const [, b, from, to, meas, device] = m;
      const db = unescape(b!);
      const measurement = ident(unescape(meas!));
      const start = Date.parse(unescape(from!));
      const stop = Date.parse(unescape(to!));
      const [keys] = await influxql(db, `SHOW FIELD KEYS FROM ${measurement}`);
      const fields = (keys?.[0]?.values ?? []).map((r) => r[0] as string);
      if (fields.length === 0) return [];
      // One table per series and field, as Flux groups by series key; last() keeps its last row.
      const where = `"device" = ${str(unescape(device!))} AND time >= ${start}ms AND time < ${stop}ms`;
      const results = await influxql(
        db,
        fields
          .map((f) => `SELECT LAST(${ident(f)}) AS v FROM ${measurement} WHERE ${where} GROUP BY *`)
          .join('; '),
      );
      const tables: Table[] = [];
      results.forEach((series, i) => {
        for (const s of series) {
          const tags = Object.entries(s.tags ?? {}).filter(([, v]) => v !== '');
          for (const r of s.values ?? []) {
            tables.push({
              columns: [
                { name: '_time', type: 'dateTime:RFC3339' },
                { name: '_value', type: 'double' },
                { name: '_field', type: 'string', group: true },
                { name: '_measurement', type: 'string', group: true },
                ...tags.map(([k]) => ({ name: k, type: 'string', group: true })),
              ],
              rows: [
                [
                  rfc3339(r[0] as number),
                  r[1],
                  fields[i],
                  unescape(meas!),
                  ...tags.map(([, v]) => v),
                ],
              ],
            });
          }
        }
      });
      return tables;
    }
    m = EVENTS.exec(text);
    if (m) {
      const [, b, from, to, meas, device, limit] = m;
      const start = Date.parse(unescape(from!));
      const stop = Date.parse(unescape(to!));
      const [series] = await influxql(
        unescape(b!),
        `SELECT "category", "code", "detail", "device", "model", "severity" FROM ${ident(unescape(meas!))} WHERE "device" = ${str(unescape(device!))} AND time >= ${start}ms AND time < ${stop}ms`,
      );
      const rows = (series?.[0]?.values ?? [])
        .map((r) => [rfc3339(r[0] as number), ...r.slice(1)] as Cell[])
        // sort(columns: ["_time", "code"]); RFC 3339 UTC times of one format sort as text.
        .sort(
          (x, y) =>
            String(x[0]).localeCompare(String(y[0])) || String(x[2]).localeCompare(String(y[2])),
        )
        .slice(0, Number(limit));
      return [
        {
          columns: [
            { name: '_time', type: 'dateTime:RFC3339' },
            ...['category', 'code', 'detail', 'device', 'model', 'severity'].map((name) => ({
              name,
              type: 'string',
            })),
          ],
          rows,
        },
      ];
    }
    throw Object.assign(new Error('compilation failed: not a query this shim answers'), {
      status: 400,
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', 'http://shim');
    if (u.pathname === '/ping') {
      try {
        const r = await fetch(`${influxdUrl}/ping`);
        return void res.writeHead(r.status).end();
      } catch {
        return void res.writeHead(503).end();
      }
    }
    const body = await bodyOf(req);
    if (req.headers.authorization !== `Token ${token}`)
      return json(res, 401, 'unauthorized', 'unauthorized access');
    if (u.searchParams.get('org') !== org)
      return json(
        res,
        404,
        'not found',
        `organization name "${u.searchParams.get('org')}" not found`,
      );
    try {
      if (u.pathname === '/api/v2/write' && req.method === 'POST') {
        const bucket = u.searchParams.get('bucket') ?? '';
        const precision = u.searchParams.get('precision') ?? 'ns';
        const r = await fetch(
          `${influxdUrl}/write?db=${encodeURIComponent(bucket)}&precision=${encodeURIComponent(precision)}`,
          { method: 'POST', body: new Uint8Array(body) },
        );
        if (r.status === 204) return void res.writeHead(204).end();
        const err = ((await r.json().catch(() => ({}))) as { error?: string }).error ?? '';
        if (r.status === 404) return json(res, 404, 'not found', `bucket "${bucket}" not found`);
        if (r.status < 500) return json(res, 400, 'invalid', err);
        return json(res, 503, 'unavailable', err);
      }
      if (u.pathname === '/api/v2/query' && req.method === 'POST') {
        const q = (JSON.parse(body.toString('utf8')) as { query: string }).query;
        queries.push(q);
        const csv = annotatedCsv(await flux(q));
        return void res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' }).end(csv);
      }
      res.writeHead(404).end();
    } catch (err) {
      const status = (err as { status?: number }).status ?? 503;
      json(res, status, status === 400 ? 'invalid' : 'unavailable', (err as Error).message);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    org,
    queries,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
