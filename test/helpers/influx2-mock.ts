import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A MOCK InfluxDB 2.x HTTP endpoint, not an InfluxDB: /ping, /health, /api/v2/write (checks the
 * token, org and bucket, records and parses the line protocol) and /api/v2/query (records the
 * Flux text and answers with whatever annotated CSV the test set). There is no InfluxDB 2.x server
 * in Debian; docs/influxdb.md, "How the 2.x backend was verified", says what this does and does
 * not prove.
 */

/** One parsed line-protocol line; field values keep their line-protocol form (`"s"`, `1`, `1i`). */
export interface Line {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, string>;
  ts: string;
}

/** A write request as received. */
export interface ReceivedWrite {
  params: Record<string, string>;
  auth: string | undefined;
  lines: Line[];
}

export interface Influx2Mock {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  readonly bucket: string;
  /** Accepted writes (204), in arrival order. */
  writes: ReceivedWrite[];
  /** Flux texts received on /api/v2/query. */
  queries: string[];
  /** What the next write answers; `hold` delays the answer until it resolves. */
  nextWrite: { status: number; body?: string; hold?: Promise<void> } | undefined;
  /** The annotated CSV /api/v2/query answers with. */
  csv: string;
  close(): Promise<void>;
}

/** Line protocol parser following the reference grammar (escapes `,`, `=`, space; `"`, `\`). */
export function parseLine(line: string): Line {
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
  i++; // the space before the fields
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

/** Annotated CSV as InfluxDB 2.x returns it: datatype, group and default annotations, then rows. */
export function annotatedCsv(cols: Array<[name: string, type: string]>, rows: unknown[][]): string {
  const head = [
    `#datatype,string,long,${cols.map((c) => c[1]).join(',')}`,
    `#group,false,false,${cols.map(() => 'false').join(',')}`,
    `#default,_result,,${cols.map(() => '').join(',')}`,
    `,result,table,${cols.map((c) => c[0]).join(',')}`,
  ];
  return [...head, ...rows.map((r) => `,,0,${r.join(',')}`)].join('\r\n') + '\r\n\r\n';
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const buf = Buffer.concat(chunks);
  // The client gzips bodies above 1 000 bytes.
  return (req.headers['content-encoding'] === 'gzip' ? gunzipSync(buf) : buf).toString('utf8');
}

const json = (res: ServerResponse, status: number, body: string) =>
  void res.writeHead(status, { 'content-type': 'application/json' }).end(body);

/** Starts the mock on a free loopback port. */
export async function startInflux2Mock(): Promise<Influx2Mock> {
  const mock: Omit<Influx2Mock, 'url' | 'close'> = {
    token: 'tok-en==',
    org: 'acme',
    bucket: 'telemetry',
    writes: [],
    queries: [],
    nextWrite: undefined,
    csv: '',
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', 'http://mock');
    if (u.pathname === '/ping') return void res.writeHead(204).end();
    if (u.pathname === '/health') return json(res, 200, '{"status":"pass"}');
    const body = await bodyOf(req);
    if (req.headers.authorization !== `Token ${mock.token}`)
      return json(res, 401, '{"code":"unauthorized","message":"unauthorized access"}');
    if (u.searchParams.get('org') !== mock.org)
      return json(res, 404, '{"code":"not found","message":"organization not found"}');
    if (u.pathname === '/api/v2/write' && req.method === 'POST') {
      const reply = mock.nextWrite ?? { status: 204 };
      mock.nextWrite = undefined;
      if (u.searchParams.get('bucket') !== mock.bucket)
        return json(res, 404, '{"code":"not found","message":"bucket not found"}');
      if (reply.status === 204) {
        const lines = body.split('\n').filter(Boolean).map(parseLine);
        const params = Object.fromEntries(u.searchParams);
        mock.writes.push({ params, auth: req.headers.authorization, lines });
      }
      await reply.hold;
      return json(res, reply.status, reply.body ?? '');
    }
    if (u.pathname === '/api/v2/query' && req.method === 'POST') {
      mock.queries.push((JSON.parse(body) as { query: string }).query);
      return void res.writeHead(200, { 'content-type': 'text/csv' }).end(mock.csv);
    }
    res.writeHead(404).end();
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(mock, {
    url,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}
