import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Category } from '../../core/index.ts';

export interface Provisioned {
  id: string;
  secret: string;
  serial: string;
}

/** A JSON HTTP call; returns status and parsed body. */
export async function api<T = unknown>(
  base: string,
  method: string,
  url: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

let serialCounter = 0;

/** Provisions a device through the public API, as a device installer would. */
export async function provision(
  base: string,
  token: string,
  category: Category = 'air_conditioner',
  model = 'KFR-35GW',
): Promise<Provisioned> {
  const serial = `SN${process.pid}-${Date.now()}-${++serialCounter}`;
  const r = await api<{ id: string; secret: string }>(base, 'POST', '/api/v1/devices', token, {
    category,
    model,
    serial,
  });
  if (r.status !== 201)
    throw new Error(`provisioning failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.id, secret: r.body.secret, serial };
}

/** Connects an MQTT.js client; rejects with the CONNACK error if refused. */
export function connect(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, {
      reconnectPeriod: 0,
      connectTimeout: 5000,
      protocolVersion: 4,
      ...opts,
    });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

export function connectDevice(
  url: string,
  d: Provisioned,
  opts: IClientOptions = {},
): Promise<MqttClient> {
  return connect(url, { clientId: d.id, username: d.id, password: d.secret, ...opts });
}

/** Resolves with the next message on `topic` (subscribing first), or rejects after `ms`. */
export function nextMessage(
  c: MqttClient,
  topic: string,
  ms = 5000,
): Promise<{ topic: string; payload: Buffer }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no message on ${topic} within ${ms} ms`)), ms);
    c.on('message', (tp, payload) => {
      if (tp === topic) {
        clearTimeout(t);
        resolve({ topic: tp, payload });
      }
    });
  });
}

export async function waitFor(
  cond: () => Promise<boolean> | boolean,
  ms = 10_000,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Provisions a device that reports fault code F0 (severity error) and waits for the alert the
 * service opens for it. `svc` is a running service (test/helpers/service.ts).
 */
export async function raiseFaultAlert<A extends { id: string }>(svc: {
  httpUrl: string;
  mqttUrl: string;
  adminToken: string;
}): Promise<A> {
  const dev = await provision(svc.httpUrl, svc.adminToken);
  const c = await connectDevice(svc.mqttUrl, dev);
  await c.publishAsync(
    `devices/${dev.id}/events`,
    JSON.stringify({ ts: Date.now(), code: 'F0', severity: 'error', detail: 'low refrigerant' }),
    { qos: 1 },
  );
  await c.endAsync();
  let alert: A | undefined;
  await waitFor(
    async () => {
      const l = await api<{ alerts: A[] }>(
        svc.httpUrl,
        'GET',
        `/api/v1/alerts?device=${dev.id}`,
        svc.adminToken,
      );
      alert = l.body.alerts[0];
      return alert !== undefined;
    },
    15_000,
    'an alert',
  );
  return alert!;
}
