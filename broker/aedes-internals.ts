import type { Aedes, Client, PublishPacket } from 'aedes';

/**
 * The aedes instance as the hooks see it, and the one place that reads aedes's internals
 * (aedes 1.2, which does not declare them in its typings):
 *   - `mq.current`, the messages its router (mqemitter) is delivering now: the only measure of
 *     its backlog, by which QoS 0 publishers are paced (broker/ingest-handoff.ts);
 *   - `clients`, the connected clients by id: whether a newer connection of the same id
 *     replaced one that ended (broker/connections.ts), and which connection a device has now
 *     (broker/device-reports.ts).
 * The hooks are given to aedes before it exists: `bind` completes this once it does.
 */
export class AedesHandle {
  /** aedes's router (mqemitter): `current` messages are being delivered. */
  routing: { current: number } = { current: 0 };
  private clients: Record<string, Client | undefined> = {};
  private aedes?: Aedes;

  bind(aedes: Aedes): void {
    const internals = aedes as unknown as {
      mq: { current: number };
      clients: Record<string, Client | undefined>;
    };
    this.aedes = aedes;
    this.routing = internals.mq;
    this.clients = internals.clients;
  }

  /** This broker's id (aedes's `id`), which names it in `$SYS/{id}/…` topics. */
  id(): string | undefined {
    return this.aedes?.id;
  }

  /** The client connected with this id now, if any. */
  client(id: string): Client | undefined {
    return this.clients[id];
  }

  /** Publishes as the broker itself: no client, so no hook refuses it. */
  publish(packet: PublishPacket): void {
    this.aedes!.publish(packet, () => undefined);
  }
}
