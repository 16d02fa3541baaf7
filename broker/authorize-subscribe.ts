import type { AedesOptions } from 'aedes';
import type { FastifyBaseLogger } from 'fastify';
import type { Config, Metrics } from '../core/index.ts';
import { filterWithin, maySubscribe } from './acl.ts';
import { stateOf } from './client-state.ts';

/**
 * aedes's `authorizeSubscribe` hook: a filter within the topic limits and the client's rules
 * (acl.ts), and outside MQTT_OPEN_DENY_SUBSCRIBE on the open broker. A refused filter gets
 * SUBACK 0x80; the connection stays.
 */
export function authorizeSubscribeHook(d: {
  config: Config['mqtt'];
  metrics: Metrics;
  log: FastifyBaseLogger;
}): NonNullable<AedesOptions['authorizeSubscribe']> {
  const { config, metrics, log } = d;
  const deny = config.openDenySubscribe ?? [];
  return (client, sub, cb) => {
    // aedes checked the filter's syntax and depth (maxTopicLevels) before this hook.
    if (sub.topic.length > config.maxTopicLength) {
      metrics.rejected.inc({ reason: 'topic_too_long' });
      return cb(new Error(`topic filter longer than ${config.maxTopicLength} characters`));
    }
    const st = stateOf(client);
    // MQTT_OPEN_DENY_SUBSCRIBE (open broker only): filters inside a denied one are refused.
    const denied = deny.length > 0 && deny.some((f) => filterWithin(sub.topic, f));
    if (st && !denied && maySubscribe(st.who, sub.topic)) return cb(null, sub);
    metrics.rejected.inc({ reason: denied ? 'denied_subscribe' : 'acl_subscribe' });
    log.warn({ client: client.id, filter: sub.topic }, 'subscription refused');
    cb(null, null); // SUBACK 0x80 for this filter; the connection stays [MQTT-3.9.3]
  };
}
