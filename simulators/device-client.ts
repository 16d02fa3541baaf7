import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { z } from 'zod';
import type { Reading, SimDevice } from './device.ts';
import type { SimEvent } from './faults.ts';
import type { Credentials } from './provision.ts';
import { answerCommand } from './commands.ts';

/** Counters shared by all clients of a runner (read by the progress line). */
export interface ClientStats {
  connected: number;
  messages: number;
  samples: number;
  events: number;
  dropped: number;
  reconnects: number;
  commands: number;
}

/** Tuning of a device connection. */
export interface ClientOptions {
  mqttUrl: string;
  /** Readings per message when uploading a backlog (the ingest limit is 5,000). */
  batchSize: number;
  /** Readings kept while disconnected; the oldest are dropped past it (and counted). */
  maxBacklog: number;
  /** First reconnect delay; doubles per failed attempt up to `maxReconnectMs`, ±50 % jitter. */
  reconnectPeriodMs: number;
  maxReconnectMs?: number;
  /** Shared by a fleet: bounds the connection attempts in progress at once. */
  gate?: ConnectGate;
  /** Gets fresh credentials when the broker refuses the cached ones. */
  rekey?: () => Promise<Credentials>;
}

/**
 * Bounds the connection attempts in progress across a fleet. A broker authenticates perhaps a
 * hundred CONNECTs a second; ten thousand devices dialling at once (at start, or after a broker
 * restart) would mostly time out waiting for CONNACK and dial again, so the broker's work on
 * them is wasted and the fleet never settles. Attempts wait here for a slot instead.
 */
export class ConnectGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private head = 0;

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new Error('ConnectGate needs max >= 1');
  }

  /** Resolves with a release function once a slot is free. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active--;
          const next = this.waiting[this.head];
          if (next) {
            this.waiting[this.head++] = noop;
            if (this.head > 1024 && this.head * 2 > this.waiting.length) {
              this.waiting.splice(0, this.head);
              this.head = 0;
            }
            next();
          }
        });
      };
      if (this.active < this.max) grant();
      else this.waiting.push(grant);
    });
  }
}

const noop = (): void => undefined;

const RECENT = 10;
const CONNECT_TIMEOUT_MS = 30_000;
const CommandRequest = z.object({ requestId: z.string().max(128), args: z.unknown().optional() });

/**
 * One simulated device on MQTT, behaving like a real one (docs/design.md, MQTT contract): client id
 * = username = device id, a retained `offline` will, retained `online` on connect, telemetry
 * and events at QoS 1, commands answered on `…/commands/{name}/reply`. Readings queue up
 * while disconnected and go out in batches once connected; a batch leaves the queue when it is
 * handed to the client, whose QoS 1 store resends it after a reconnect until acknowledged.
 */
export class DeviceClient {
  private client: MqttClient | undefined;
  private queue: Reading[] = [];
  private eventQueue: SimEvent[] = [];
  private inflight = 0;
  /** connect() was called once; later attempts are reconnects. */
  private opened = false;
  private dialling = false;
  private stopping = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Last readings, for the `dump` command. */
  readonly recent: Reading[] = [];
  connected = false;

  constructor(
    readonly sim: SimDevice,
    private creds: Credentials,
    private readonly stats: ClientStats,
    private readonly opts: ClientOptions,
  ) {}

  get id(): string {
    return this.creds.id;
  }

  get backlog(): number {
    return this.queue.length;
  }

  /**
   * Opens the connection (returns at once). Reconnects after a loss with jittered exponential
   * backoff, each attempt through the fleet's gate; the QoS 1 store survives reconnects, so
   * unacknowledged messages are resent.
   */
  start(): void {
    const id = this.creds.id;
    const options: IClientOptions = {
      protocolVersion: 4,
      clientId: id,
      username: id,
      password: this.creds.secret,
      clean: true,
      keepalive: 60,
      reconnectPeriod: 0, // reconnects are ours: backoff, jitter and the gate
      manualConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      // No will and no status publishes: devices/{id}/status is the broker's to write (online
      // on connect, offline when the connection ends), and a device's publish there is refused.
    };
    const client = mqtt.connect(this.opts.mqttUrl, options);
    this.client = client;
    client.on('connect', () => {
      this.connected = true;
      this.failures = 0;
      this.stats.connected++;
      client.subscribe(`devices/${id}/commands/#`, { qos: 1 });
      this.flush();
    });
    client.on('close', () => {
      if (this.connected) this.stats.connected--;
      this.connected = false;
      this.scheduleReconnect();
    });
    client.on('error', (err: Error & { code?: number | string }) => {
      // CONNACK 4 (bad user name or password) / 5 (not authorized): the cached secret is stale.
      if ((err.code === 4 || err.code === 5) && this.opts.rekey) void this.rekey(client);
    });
    client.on('message', (topic, payload) => this.onCommand(topic, payload));
    void this.dial(client);
  }

  private async dial(client: MqttClient): Promise<void> {
    this.dialling = true;
    const release = this.opts.gate ? await this.opts.gate.acquire() : noop;
    if (this.stopping) {
      this.dialling = false;
      return release();
    }
    // The slot goes back at CONNACK or close, and in any case once the attempt must have timed
    // out, so a missed event can never shrink the fleet's gate for good.
    const guard = setTimeout(() => done(), CONNECT_TIMEOUT_MS + 5000);
    const done = () => {
      clearTimeout(guard);
      client.off('connect', done);
      client.off('close', done);
      release();
    };
    client.on('connect', done);
    client.on('close', done);
    if (this.opened) {
      this.stats.reconnects++;
      // Passing the stores keeps the unacknowledged QoS 1 messages (a bare reconnect() drops them).
      client.reconnect({
        incomingStore: client.incomingStore,
        outgoingStore: client.outgoingStore,
      });
    } else {
      this.opened = true;
      client.connect();
    }
    this.dialling = false;
  }

  private scheduleReconnect(): void {
    const client = this.client;
    if (!client || this.stopping || this.dialling || this.timer) return;
    this.failures++;
    const base = this.opts.reconnectPeriodMs * 2 ** Math.min(this.failures - 1, 16);
    const delay = Math.min(this.opts.maxReconnectMs ?? 15_000, base) * (0.5 + Math.random());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.dial(client);
    }, delay);
  }

  private async rekey(client: MqttClient): Promise<void> {
    const rekey = this.opts.rekey;
    if (!rekey) return;
    try {
      this.creds = await rekey();
      client.options.password = this.creds.secret;
    } catch {
      // The API is unreachable: keep retrying with what we have; the next refusal retries.
    }
  }

  /** Queues a reading and its events; they go out at the next flush. */
  push(reading: Reading, events: readonly SimEvent[]): void {
    this.queue.push(reading);
    if (this.queue.length > this.opts.maxBacklog) {
      this.queue.shift();
      this.stats.dropped++;
    }
    for (const e of events) this.eventQueue.push(e);
    this.recent.push(reading);
    if (this.recent.length > RECENT) this.recent.shift();
  }

  /** Publishes what is queued: one message per flush while live, batches for a backlog. */
  flush(): void {
    const client = this.client;
    if (!client || !this.connected) return;
    const id = this.creds.id;
    while (this.eventQueue.length > 0) {
      const events = this.eventQueue.splice(0, 1000);
      this.inflight++;
      client.publish(
        `devices/${id}/events`,
        JSON.stringify(events.length === 1 ? events[0] : events),
        { qos: 1 },
        (err) => {
          this.inflight--;
          if (err) this.eventQueue.unshift(...events);
          else this.stats.events += events.length;
        },
      );
    }
    // At most 4 batches in flight per device keeps the client's resend store small.
    while (this.queue.length > 0 && this.inflight < 4) {
      const batch = this.queue.splice(0, this.opts.batchSize);
      this.inflight++;
      this.stats.messages++;
      const payload = JSON.stringify(batch.length === 1 ? batch[0] : batch);
      client.publish(`devices/${id}/telemetry`, payload, { qos: 1 }, (err) => {
        this.inflight--;
        if (err) this.queue.unshift(...batch);
        else this.stats.samples += batch.length;
      });
    }
  }

  private onCommand(topic: string, payload: Buffer): void {
    const prefix = `devices/${this.creds.id}/commands/`;
    const name = topic.startsWith(prefix) ? topic.slice(prefix.length) : '';
    if (name === '' || name.includes('/')) return; // our own replies come back on commands/#
    this.stats.commands++;
    let requestId = '';
    let body: unknown;
    try {
      const req = CommandRequest.parse(JSON.parse(payload.toString('utf8')));
      requestId = req.requestId;
      body = { requestId, ...answerCommand(name, req.args, this) };
    } catch (err) {
      body = {
        requestId,
        ok: false,
        error: `bad request: ${(err as Error).message.slice(0, 200)}`,
      };
    }
    this.client?.publish(`${prefix}${name}/reply`, JSON.stringify(body), { qos: 1 });
  }

  /** Disconnects cleanly (the broker then publishes `offline` on the device's status topic). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    if (!client || !this.opened) return;
    if (this.connected) {
      // A clean end waits for outstanding acknowledgements; a dying connection gets 5 s.
      const ended = client.endAsync().then(() => true);
      const t = new Promise<false>((r) => setTimeout(() => r(false), 5000).unref());
      if (await Promise.race([ended, t])) return;
    }
    await client.endAsync(true);
  }

  /** Waits until every queued reading is acknowledged (or the timeout passes). */
  async drain(timeoutMs: number, sleep: (ms: number) => Promise<void>): Promise<boolean> {
    const until = performance.now() + timeoutMs;
    while (performance.now() < until) {
      this.flush();
      if (this.queue.length === 0 && this.eventQueue.length === 0 && this.inflight === 0)
        return true;
      await sleep(20);
    }
    return false;
  }
}
