import type { AedesOptions, Client, PublishPacket } from 'aedes';
import type { FastifyBaseLogger } from 'fastify';
import { hotCounter, type Config, type Metrics } from '../core/index.ts';
import { mayPublish } from './acl.ts';
import { asError, GroupAcks } from './callbacks.ts';
import { isStatusTopic, levels, ownKind, stateOf } from './client-state.ts';
import { divert, type ReportError } from './device-reports.ts';
import type { HandOff } from './ingest-handoff.ts';

export interface PublishDeps {
  config: Config['mqtt'];
  metrics: Metrics;
  log: FastifyBaseLogger;
  now: () => number;
}

/**
 * aedes's `authorizePublish` hook: the publish checks (topic limits, ACL, retained messages,
 * rate, payload size, the status topic), then a device's own telemetry and events handed to
 * ingest (`handOff`). Calls back exactly once, at once or when the message's group commit
 * settles.
 */
export function authorizePublishHook(
  d: PublishDeps,
  reportError: ReportError,
  handOff: HandOff,
): NonNullable<AedesOptions['authorizePublish']> {
  const { config, metrics, log, now } = d;
  // Per-message counters count in plain numbers, read by prom-client at scrape time.
  const messagesIn = {
    telemetry: hotCounter(metrics.messagesIn, { kind: 'telemetry' }),
    events: hotCounter(metrics.messagesIn, { kind: 'events' }),
    other: hotCounter(metrics.messagesIn, { kind: 'other' }),
  };

  /**
   * The publish checks: throws to refuse (the connection closes), returns nothing when the
   * message may go on now, or the promise of the spool group commit it must wait for (QoS 1/2).
   */
  const checkPublish = (client: Client | null, packet: PublishPacket): Promise<void> | void => {
    const st = stateOf(client);
    if (!client || !st) return; // the broker's own publishes (status, errors, wills it already checked)
    const topic = packet.topic;
    // A device's own telemetry or events, nearly every message: one comparison stands for the
    // topic limits and the ACL, which its topics passed when they were made (client-state.ts).
    const own = ownKind(st, topic);
    const kind =
      own ??
      (topic.endsWith('/telemetry') ? 'telemetry' : topic.endsWith('/events') ? 'events' : 'other');
    messagesIn[kind]();
    if (!own) {
      if (topic.length > config.maxTopicLength) {
        metrics.rejected.inc({ reason: 'topic_too_long' });
        throw new Error(`topic longer than ${config.maxTopicLength} characters`);
      }
      if (levels(topic) > config.maxTopicLevels) {
        metrics.rejected.inc({ reason: 'topic_too_deep' });
        throw new Error(`topic deeper than ${config.maxTopicLevels} levels`);
      }
      // Devices: their one allowed prefix, precomputed (same rule as acl.ts).
      const allowed = st.prefix ? topic.startsWith(st.prefix) : mayPublish(st.who, topic);
      if (!allowed) {
        // MQTT 3.1.1 has no negative PUBACK: the connection is closed [MQTT-3.3.5-2].
        metrics.rejected.inc({ reason: 'acl_publish' });
        log.warn(
          { client: client.id, topic },
          "publish outside the client's topics: disconnecting",
        );
        throw new Error(`not authorized to publish to ${topic}`);
      }
    }
    // Retained messages live in broker memory forever, and a device's only one is its status,
    // set by the broker: one device could otherwise fill the broker with retained topics (a
    // publish to its status topic is refused below).
    if (packet.retain && st.prefix && !isStatusTopic(st, topic)) {
      packet.retain = false;
      metrics.rejected.inc({ reason: 'retain_stripped' });
    }
    if (!st.bucket.take(now())) {
      metrics.rejected.inc({ reason: 'rate' });
      reportError(
        st,
        topic,
        'rate',
        `more than ${config.ratePerDevice} messages/s (burst ${config.rateBurst}): refused`,
      );
      // QoS 0 is dropped; QoS 1/2 is left unacknowledged (the client resends it after reconnecting).
      if (packet.qos > 0) throw new Error('message rate exceeded');
      return divert(packet);
    }
    if (packet.payload.length > config.maxPayloadBytes) {
      metrics.rejected.inc({ reason: 'payload_too_large' });
      reportError(
        st,
        topic,
        'payload_too_large',
        `payload of ${packet.payload.length} bytes exceeds ${config.maxPayloadBytes}`,
      );
      return divert(packet);
    }
    // Only a device's own telemetry and events are ingested (not deeper topics, not services').
    if (own) return handOff(st, packet, own);
    if (isStatusTopic(st, topic)) {
      // A device's status is the broker's word alone: `online` while its connection lasts,
      // `offline` (retained) once it ends. A retained publish replaces what future subscribers
      // get [MQTT-3.3.1-5], so a device retaining `offline` while connected would hide it; its
      // will would only repeat what the broker publishes anyway. Acknowledged and dropped, as
      // MQTT 3.1.1 lets a server do with a publish it does not authorize [MQTT-3.3.5-2].
      metrics.rejected.inc({ reason: 'status_reserved' });
      reportError(
        st,
        topic,
        'status_reserved',
        `${topic} is written by the broker alone (online on connect, offline when the connection ends): not forwarded`,
      );
      return divert(packet);
    }
  };

  const acks = new GroupAcks(log);
  // The typed adapter of this hook (docs/style.md §8): calls back exactly once, at once or when
  // the message's group commit settles.
  return (client, packet, done) => {
    let durable: Promise<void> | void;
    try {
      durable = checkPublish(client, packet);
    } catch (err) {
      return done(asError(err, log));
    }
    if (durable) acks.add(durable, stateOf(client)!, done);
    else done(null);
  };
}
