import path from 'node:path';
import { z } from 'zod';
import { topicFilterProblem } from './topic-filter.ts';

/**
 * The service's configuration, read once from the environment (docs/style.md §11). Nothing else
 * reads process.env. Defaults and units sit next to each field.
 */
const port = z.coerce.number().int().min(0).max(65_535);
const optionalPort = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65_535) {
      ctx.addIssue({ code: 'custom', message: 'must be a port number 0–65535' });
      return z.NEVER;
    }
    return n;
  });
const positiveInt = z.coerce.number().int().positive();
const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url().optional());
const flag = z.enum(['true', 'false']).default('false');

/** What a node of `sanbao serve` runs (README "Running a cluster", "Roles"). */
export const NODE_ROLES = ['broker', 'diagnostics', 'http'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];
const isNodeRole = (r: string): r is NodeRole => (NODE_ROLES as readonly string[]).includes(r);
/** SANBAO_ROLES: a comma list of distinct roles; unset = all three (one process runs everything). */
const roles = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((v, ctx): NodeRole[] => {
      if (v === undefined) return [...NODE_ROLES];
      const out: NodeRole[] = [];
      for (const raw of v.split(',')) {
        const r = raw.trim();
        if (r === '')
          ctx.addIssue({ code: 'custom', message: `an empty role in "${v}" (a stray comma?)` });
        else if (!isNodeRole(r))
          ctx.addIssue({
            code: 'custom',
            message: `unknown role "${r}": the roles are ${NODE_ROLES.join(', ')}`,
          });
        else if (out.includes(r))
          ctx.addIssue({ code: 'custom', message: `role "${r}" is named twice` });
        else out.push(r);
      }
      return NODE_ROLES.filter((r) => out.includes(r));
    }),
);

export const ConfigSchema = z
  .object({
    HTTP_HOST: z.string().default('0.0.0.0'),
    HTTP_PORT: port.default(8080),
    MQTT_HOST: z.string().default('0.0.0.0'),
    MQTT_PORT: port.default(1883),
    /** MQTT over WebSocket; unset = off. */
    MQTT_WS_PORT: optionalPort,
    /** MQTT over TLS; needs MQTT_TLS_CERT and MQTT_TLS_KEY (PEM file paths). */
    MQTT_TLS_PORT: optionalPort,
    MQTT_TLS_CERT: optionalString,
    MQTT_TLS_KEY: optionalString,
    /**
     * HAProxy `agent-check` port (deploy/haproxy.cfg): answers `100%` while the node admits new
     * MQTT connections, `0%` while it refuses them (cluster mode, Redis lost), so the balancer
     * sends them to other nodes and keeps this one's. On MQTT_HOST; unset = off.
     */
    MQTT_AGENT_PORT: optionalPort,
    /** `device` (default): username/password per device. `none`: open broker, development only. */
    MQTT_AUTH: z.enum(['device', 'none']).default('device'),
    /** Largest accepted PUBLISH payload, bytes. */
    MQTT_MAX_PAYLOAD_BYTES: positiveInt.default(256 * 1024),
    /** Longest accepted topic, characters; and deepest, levels. */
    MQTT_MAX_TOPIC_LENGTH: positiveInt.default(256),
    /** At most 100: the broker's topic matcher (qlobber, inside aedes) holds no deeper topics. */
    MQTT_MAX_TOPIC_LEVELS: positiveInt
      .max(100, 'at most 100 (the broker cannot match deeper topics)')
      .default(8),
    /**
     * Open broker only (development): comma-separated topic filters; a SUBSCRIBE whose filter
     * lies within one of them is refused (SUBACK 0x80), to exercise clients' refusal handling.
     */
    MQTT_OPEN_DENY_SUBSCRIBE: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .optional()
        .transform((v, ctx) => {
          if (v === undefined) return [];
          const filters = v.split(',').map((f) => f.trim());
          for (const f of filters) {
            const problem = topicFilterProblem(f);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          }
          return filters;
        }),
    ),
    /** Sustained messages per second per device, and the burst above it (token bucket). */
    MQTT_RATE_PER_DEVICE: positiveInt.default(100),
    MQTT_RATE_BURST: positiveInt.default(1000),
    /** QoS 1/2 messages a client may have waiting to be made durable before it is cut off. */
    MQTT_MAX_INFLIGHT: positiveInt.default(1000),
    DATA_DIR: z.string().default('./data'),
    /** PostgreSQL connection string; unset = PGlite in DATA_DIR/pglite. */
    DATABASE_URL: optionalUrl,
    /** InfluxDB; unset = telemetry in the SQL database. INFLUX_TOKEN set = 2.x API. */
    INFLUX_URL: optionalUrl,
    INFLUX_DATABASE: z.string().default('sanbao'),
    /** InfluxDB 1.x: keep raw points this long (e.g. 90d) plus 5 years of hourly rollups; unset = keep all. */
    INFLUX_RETENTION: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^\d+(h|d|w)$/, 'a duration like 90d, 12w or 720h')
        .optional(),
    ),
    INFLUX_USERNAME: optionalString,
    INFLUX_PASSWORD: optionalString,
    INFLUX_TOKEN: optionalString,
    INFLUX_ORG: optionalString,
    INFLUX_BUCKET: optionalString,
    /**
     * Cluster mode: nodes given the same Redis (`redis://[:password@]host[:port][/db]`, or
     * `rediss://` over TLS) share MQTT routing, sessions and retained messages; the db index
     * names the cluster. Unset = one node on its own, nothing in Redis.
     */
    REDIS_URL: z.preprocess(
      emptyToUndefined,
      z
        .url({ protocol: /^rediss?$/, error: 'a redis:// or rediss:// URL' })
        .refine((u) => !URL.canParse(u) || /^\/?(\d{1,5})?$/.test(new URL(u).pathname), {
          message: 'the path is the database index, a number (redis://host:6379/2), or nothing',
        })
        .optional(),
    ),
    /**
     * The roles this node runs, a comma list of `broker`, `diagnostics`, `http`; unset = all
     * three. Any other set needs REDIS_URL and DATABASE_URL: a node that runs part of the
     * service is part of a cluster that runs the rest, on one PostgreSQL.
     */
    SANBAO_ROLES: roles,
    /** Unset = generated on first start, stored hashed, printed once. */
    ADMIN_TOKEN: z.preprocess(
      emptyToUndefined,
      z.string().min(16, 'must be at least 16 characters').optional(),
    ),
    /** Upper bound of the on-disk ingest spool, bytes. Full = QoS 1 stops being acknowledged. */
    SPOOL_MAX_BYTES: positiveInt.default(512 * 1024 * 1024),
    /** Least time between two fsyncs of the spool, ms (group commit): adds up to this to a QoS 1 ack. */
    SPOOL_COMMIT_MS: z.coerce.number().int().min(0).max(1000).default(20),
    /** Samples per store write, and the longest a sample waits for its batch, ms. */
    INGEST_BATCH_SIZE: positiveInt.default(5000),
    INGEST_FLUSH_MS: positiveInt.default(100),
    /** Accepted timestamp window: how far in the future (s) and in the past (days). */
    INGEST_MAX_FUTURE_SECONDS: positiveInt.default(300),
    INGEST_MAX_PAST_DAYS: positiveInt.default(400),
    /** An open alert not acknowledged within this many minutes is escalated (0 = never). */
    ALERT_ESCALATE_MINUTES: z.coerce
      .number()
      .min(0)
      .max(7 * 24 * 60)
      .default(30),
    /** Machine notifications (opened, raised, escalated) per device per hour; more are held back. */
    ALERT_NOTIFY_MAX_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(10),
    /** After a repair's hand-back, hours the repaired failure mode has to be healthy again. */
    REPAIR_VERIFY_HOURS: z.coerce
      .number()
      .positive()
      .max(24 * 365)
      .default(72),
    /** Health score (0–100) a repaired failure mode must reach to count as verified. */
    REPAIR_VERIFY_MIN_HEALTH: z.coerce.number().min(0).max(100).default(80),
    /**
     * SMTP for owners' case mail (cases/): a connection URL (`smtp://user:pass@host:587`,
     * `smtps://…:465`); unset = mail is recorded as not sent. SMTP_FROM is the sender.
     */
    SMTP_URL: z.preprocess(
      emptyToUndefined,
      z.url({ protocol: /^smtps?$/, error: 'an smtp:// or smtps:// URL' }).optional(),
    ),
    SMTP_FROM: z.preprocess(emptyToUndefined, z.email().default('sanbao@localhost')),
    /** Base URL of the pages as owners reach them, for the links in mail (default: the HTTP port). */
    PUBLIC_URL: optionalUrl,
    /** How often case deadlines are swept, seconds. */
    CASES_SWEEP_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    /** Serve the pages' source maps (`*.map`): development only. */
    WEB_SOURCE_MAPS: flag,
    /** Let webhooks point at loopback, private and link-local addresses: development only. */
    WEBHOOK_ALLOW_PRIVATE: flag,
    /**
     * Key of the owner verification codes' HMAC (≥ 32 characters); unset = a random key kept in
     * DATA_DIR/owner-code.key. Nodes sharing one database must share it.
     */
    OWNER_CODE_KEY: z.preprocess(
      emptyToUndefined,
      z.string().min(32, 'must be at least 32 characters').optional(),
    ),
    /**
     * The session cookie's `Secure` flag (accounts/): `auto` sets it on requests that came over
     * TLS; `true` always (behind a proxy that terminates HTTPS); `false` never (plain-HTTP tests).
     */
    SESSION_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  })
  .superRefine((c, ctx) => {
    if (c.MQTT_TLS_PORT !== undefined && (!c.MQTT_TLS_CERT || !c.MQTT_TLS_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['MQTT_TLS_CERT'],
        message: 'MQTT_TLS_PORT needs MQTT_TLS_CERT and MQTT_TLS_KEY',
      });
    }
    if (c.MQTT_OPEN_DENY_SUBSCRIBE.length > 0 && c.MQTT_AUTH !== 'none') {
      ctx.addIssue({
        code: 'custom',
        path: ['MQTT_OPEN_DENY_SUBSCRIBE'],
        message: 'a development setting of the open broker: needs MQTT_AUTH=none',
      });
    }
    // Part of the service: the other nodes of a cluster run the rest, through the Redis that
    // routes between them and on the PostgreSQL they share (PGlite is one node's own: an API
    // node would read none of what a broker node stores).
    const needs = [!c.REDIS_URL && 'REDIS_URL', !c.DATABASE_URL && 'DATABASE_URL'].filter(
      (n): n is string => n !== false,
    );
    if (c.SANBAO_ROLES.length < NODE_ROLES.length && needs.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['SANBAO_ROLES'],
        message: `${c.SANBAO_ROLES.join(',')} is part of the service: a node with some of the roles needs ${needs.join(' and ')} (a cluster whose other nodes run the rest, on one database); unset SANBAO_ROLES runs them all`,
      });
    }
    if (c.INFLUX_TOKEN && (!c.INFLUX_ORG || !c.INFLUX_BUCKET)) {
      ctx.addIssue({
        code: 'custom',
        path: ['INFLUX_ORG'],
        message: 'INFLUX_TOKEN (InfluxDB 2.x) needs INFLUX_ORG and INFLUX_BUCKET',
      });
    }
  });

export type Env = z.input<typeof ConfigSchema>;

export interface Config {
  /** What this node runs (SANBAO_ROLES), in the order of {@link NODE_ROLES}; all three by default. */
  readonly roles: ReadonlySet<NodeRole>;
  readonly http: { host: string; port: number };
  readonly mqtt: {
    host: string;
    port: number;
    wsPort?: number;
    tls?: { port: number; certFile: string; keyFile: string };
    /** HAProxy agent-check port (MQTT_AGENT_PORT): whether this node admits new connections. */
    agentPort?: number;
    auth: 'device' | 'none';
    maxPayloadBytes: number;
    maxTopicLength: number;
    maxTopicLevels: number;
    ratePerDevice: number;
    rateBurst: number;
    maxInflight: number;
    /** Open broker only: subscriptions within these filters are refused (SUBACK 0x80). */
    openDenySubscribe?: readonly string[];
  };
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly influx?:
    | {
        version: 1;
        url: string;
        database: string;
        username?: string;
        password?: string;
        retention?: string;
      }
    | { version: 2; url: string; token: string; org: string; bucket: string };
  readonly adminToken?: string;
  /** Cluster mode (REDIS_URL): unset = one node on its own. */
  readonly cluster?: { redisUrl: string };
  readonly ingest: {
    spoolMaxBytes: number;
    spoolCommitMs: number;
    batchSize: number;
    flushMs: number;
    maxFutureMs: number;
    maxPastMs: number;
  };
  readonly repairs: { verifyWindowMs: number; minHealth: number };
  readonly alerts: { escalateAfterMs: number; notifyMaxPerHour: number };
  readonly cases: {
    smtp?: { url: string; from: string };
    /** Unset: http://localhost:{HTTP_PORT}. */
    publicUrl?: string;
    sweepMs: number;
  };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly security: {
    webSourceMaps: boolean;
    webhookAllowPrivate: boolean;
    ownerCodeKey?: string;
    /** The session cookie's `Secure` flag: on TLS requests only, always, or never. */
    sessionCookieSecure: 'auto' | 'always' | 'never';
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment; throws ConfigError listing every problem at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const r = ConfigSchema.safeParse(env);
  if (!r.success) {
    throw new ConfigError(
      r.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`),
    );
  }
  const c = r.data;
  const config: Config = {
    roles: new Set(c.SANBAO_ROLES),
    http: { host: c.HTTP_HOST, port: c.HTTP_PORT },
    mqtt: {
      host: c.MQTT_HOST,
      port: c.MQTT_PORT,
      ...(c.MQTT_WS_PORT === undefined ? {} : { wsPort: c.MQTT_WS_PORT }),
      ...(c.MQTT_TLS_PORT !== undefined && c.MQTT_TLS_CERT && c.MQTT_TLS_KEY
        ? { tls: { port: c.MQTT_TLS_PORT, certFile: c.MQTT_TLS_CERT, keyFile: c.MQTT_TLS_KEY } }
        : {}),
      ...(c.MQTT_AGENT_PORT === undefined ? {} : { agentPort: c.MQTT_AGENT_PORT }),
      auth: c.MQTT_AUTH,
      maxPayloadBytes: c.MQTT_MAX_PAYLOAD_BYTES,
      maxTopicLength: c.MQTT_MAX_TOPIC_LENGTH,
      maxTopicLevels: c.MQTT_MAX_TOPIC_LEVELS,
      ratePerDevice: c.MQTT_RATE_PER_DEVICE,
      rateBurst: c.MQTT_RATE_BURST,
      maxInflight: c.MQTT_MAX_INFLIGHT,
      ...(c.MQTT_OPEN_DENY_SUBSCRIBE.length > 0
        ? { openDenySubscribe: c.MQTT_OPEN_DENY_SUBSCRIBE }
        : {}),
    },
    dataDir: path.resolve(c.DATA_DIR),
    ...(c.DATABASE_URL ? { databaseUrl: c.DATABASE_URL } : {}),
    ...(c.INFLUX_URL
      ? {
          influx: c.INFLUX_TOKEN
            ? {
                version: 2 as const,
                url: c.INFLUX_URL,
                token: c.INFLUX_TOKEN,
                org: c.INFLUX_ORG!,
                bucket: c.INFLUX_BUCKET!,
              }
            : {
                version: 1 as const,
                url: c.INFLUX_URL,
                database: c.INFLUX_DATABASE,
                ...(c.INFLUX_USERNAME ? { username: c.INFLUX_USERNAME } : {}),
                ...(c.INFLUX_PASSWORD ? { password: c.INFLUX_PASSWORD } : {}),
                ...(c.INFLUX_RETENTION ? { retention: c.INFLUX_RETENTION } : {}),
              },
        }
      : {}),
    ...(c.ADMIN_TOKEN ? { adminToken: c.ADMIN_TOKEN } : {}),
    ...(c.REDIS_URL ? { cluster: { redisUrl: c.REDIS_URL } } : {}),
    ingest: {
      spoolMaxBytes: c.SPOOL_MAX_BYTES,
      spoolCommitMs: c.SPOOL_COMMIT_MS,
      batchSize: c.INGEST_BATCH_SIZE,
      flushMs: c.INGEST_FLUSH_MS,
      maxFutureMs: c.INGEST_MAX_FUTURE_SECONDS * 1000,
      maxPastMs: c.INGEST_MAX_PAST_DAYS * 86_400_000,
    },
    alerts: {
      escalateAfterMs: c.ALERT_ESCALATE_MINUTES * 60_000,
      notifyMaxPerHour: c.ALERT_NOTIFY_MAX_PER_HOUR,
    },
    repairs: {
      verifyWindowMs: c.REPAIR_VERIFY_HOURS * 3_600_000,
      minHealth: c.REPAIR_VERIFY_MIN_HEALTH,
    },
    cases: {
      ...(c.SMTP_URL ? { smtp: { url: c.SMTP_URL, from: c.SMTP_FROM } } : {}),
      ...(c.PUBLIC_URL ? { publicUrl: c.PUBLIC_URL } : {}),
      sweepMs: c.CASES_SWEEP_SECONDS * 1000,
    },
    logLevel: c.LOG_LEVEL,
    security: {
      webSourceMaps: c.WEB_SOURCE_MAPS === 'true',
      webhookAllowPrivate: c.WEBHOOK_ALLOW_PRIVATE === 'true',
      ...(c.OWNER_CODE_KEY ? { ownerCodeKey: c.OWNER_CODE_KEY } : {}),
      sessionCookieSecure:
        c.SESSION_COOKIE_SECURE === 'true'
          ? 'always'
          : c.SESSION_COOKIE_SECURE === 'false'
            ? 'never'
            : 'auto',
    },
  };
  return Object.freeze(config);
}
