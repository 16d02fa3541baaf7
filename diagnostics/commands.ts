import { randomUUID } from 'node:crypto';
import type { Aedes, AedesPublishPacket } from 'aedes';
import { z } from 'zod';
import type { Sql } from '../core/index.ts';

export const CommandRecordSchema = z
  .object({
    requestId: z.string(),
    deviceId: z.string(),
    name: z.string(),
    args: z.unknown().nullable(),
    requestedBy: z.string().nullable(),
    requestedAt: z.string(),
    timeoutMs: z.number().int(),
    status: z.enum(['pending', 'ok', 'error', 'timeout']),
    result: z.unknown().nullable(),
    error: z.string().nullable(),
    completedAt: z.string().nullable(),
  })
  .meta({ id: 'DeviceCommand' });
export type CommandRecord = z.infer<typeof CommandRecordSchema>;

/** What a device answers on `devices/{id}/commands/{name}/reply` (simulators/device-client.ts). */
const Reply = z.object({
  requestId: z.string(),
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: z.string().optional(),
});
type Reply = z.infer<typeof Reply>;

/** Remote diagnosis over MQTT request/response (MQTT 3.1.1 has none: aedes#821). */
export interface RemoteCommands {
  /** Publishes the command and waits for the reply or the timeout; the outcome is audited. */
  send(input: {
    deviceId: string;
    name: string;
    args?: unknown;
    timeoutMs: number;
    requestedBy?: string;
  }): Promise<CommandRecord>;
  /** A device's audit log, newest first. */
  list(
    deviceId: string,
    page: { limit: number; offset: number },
  ): Promise<{ commands: CommandRecord[]; total: number }>;
  close(): Promise<void>;
}

type Broker = Pick<Aedes, 'publish' | 'subscribe' | 'unsubscribe'>;
type Deliver = (packet: AedesPublishPacket, cb: () => void) => void;
interface Row {
  request_id: string;
  device_id: string;
  name: string;
  args: unknown;
  requested_by: string | null;
  requested_at: Date | string;
  timeout_ms: number;
  status: CommandRecord['status'];
  result: unknown;
  error: string | null;
  completed_at: Date | string | null;
}
const toRecord = (r: Row): CommandRecord => ({
  requestId: r.request_id,
  deviceId: r.device_id,
  name: r.name,
  args: r.args ?? null,
  requestedBy: r.requested_by,
  requestedAt: new Date(r.requested_at).toISOString(),
  timeoutMs: Number(r.timeout_ms),
  status: r.status,
  result: r.result ?? null,
  error: r.error,
  completedAt: r.completed_at === null ? null : new Date(r.completed_at).toISOString(),
});

/**
 * Commands through the in-process broker: the server subscribes to the reply topic (before
 * publishing, so a fast reply is not missed), publishes `{requestId, args}` at QoS 1 to
 * `devices/{id}/commands/{name}`, and matches replies by requestId. Audit rows in migration 201.
 */
export function createRemoteCommands(o: {
  broker: Broker;
  sql: Sql;
  clock?: () => number;
}): RemoteCommands {
  const clock = o.clock ?? Date.now;
  const topics = new Map<string, { deliver: Deliver; waiters: Map<string, (r: Reply) => void> }>();
  // Requests in flight: close() ends them as timed out rather than leaving callers hanging.
  const inFlight = new Set<() => void>();

  const listen = async (topic: string, requestId: string, onReply: (r: Reply) => void) => {
    let t = topics.get(topic);
    if (!t) {
      const waiters = new Map<string, (r: Reply) => void>();
      const deliver: Deliver = (packet, cb) => {
        cb();
        let parsed: Reply | undefined;
        try {
          parsed = Reply.parse(JSON.parse(packet.payload.toString()));
        } catch {
          return; // not a reply we understand: the device's problem, not a request's outcome
        }
        waiters.get(parsed.requestId)?.(parsed);
      };
      t = { deliver, waiters };
      topics.set(topic, t);
      await new Promise<void>((r) => o.broker.subscribe(topic, deliver, r));
    }
    t.waiters.set(requestId, onReply);
  };
  const unlisten = (topic: string, requestId: string) => {
    const t = topics.get(topic);
    if (!t) return;
    t.waiters.delete(requestId);
    if (t.waiters.size > 0) return;
    topics.delete(topic);
    o.broker.unsubscribe(topic, t.deliver, () => undefined);
  };

  return {
    async send({ deviceId, name, args, timeoutMs, requestedBy }) {
      const requestId = randomUUID();
      const topic = `devices/${deviceId}/commands/${name}`;
      await o.sql.query(
        `INSERT INTO device_commands (request_id, device_id, name, args, requested_by, requested_at, timeout_ms, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending')`,
        [
          requestId,
          deviceId,
          name,
          args === undefined ? null : JSON.stringify(args),
          requestedBy ?? null,
          new Date(clock()).toISOString(),
          timeoutMs,
        ],
      );
      const reply = await new Promise<Reply | undefined>((resolve) => {
        const timer = setTimeout(() => finish(undefined), timeoutMs);
        const abort = () => finish(undefined);
        inFlight.add(abort);
        function finish(r: Reply | undefined) {
          clearTimeout(timer);
          inFlight.delete(abort);
          unlisten(`${topic}/reply`, requestId);
          resolve(r);
        }
        void listen(`${topic}/reply`, requestId, finish).then(() =>
          o.broker.publish(
            {
              cmd: 'publish',
              qos: 1,
              dup: false,
              retain: false,
              topic,
              payload: Buffer.from(JSON.stringify({ requestId, args: args ?? null })),
            },
            () => undefined,
          ),
        );
      });
      const status = !reply ? 'timeout' : reply.ok ? 'ok' : 'error';
      const { rows } = await o.sql.query<Row>(
        `UPDATE device_commands SET status = $2, result = $3, error = $4, completed_at = $5
         WHERE request_id = $1 RETURNING *`,
        [
          requestId,
          status,
          reply?.result === undefined ? null : JSON.stringify(reply.result),
          reply ? (reply.error ?? null) : `no reply within ${timeoutMs} ms`,
          new Date(clock()).toISOString(),
        ],
      );
      return toRecord(rows[0]!);
    },
    async list(deviceId, { limit, offset }) {
      const { rows: n } = await o.sql.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM device_commands WHERE device_id = $1',
        [deviceId],
      );
      const { rows } = await o.sql.query<Row>(
        `SELECT * FROM device_commands WHERE device_id = $1
         ORDER BY requested_at DESC, request_id LIMIT $2 OFFSET $3`,
        [deviceId, limit, offset],
      );
      return { commands: rows.map(toRecord), total: Number(n[0]?.n ?? 0) };
    },
    async close() {
      for (const abort of [...inFlight]) abort();
    },
  };
}
