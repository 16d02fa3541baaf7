import type { Aedes } from 'aedes';
import type { AlertService } from '../alerts.ts';

/**
 * Publishes every alert notification on `alerts/{category}/{deviceId}` (docs/design.md "MQTT
 * contract"), JSON, QoS 1, not retained: service tools subscribe with `alerts/#` (engineer and
 * manufacturer ACLs allow it). Returns the function that stops publishing.
 */
export function publishAlertsOverMqtt(
  broker: Pick<Aedes, 'publish'>,
  alerts: AlertService,
  onError: (err: Error) => void = () => undefined,
): () => void {
  return alerts.subscribe((n) => {
    broker.publish(
      {
        cmd: 'publish',
        qos: 1,
        dup: false,
        retain: false,
        topic: `alerts/${n.alert.category}/${n.alert.deviceId}`,
        payload: Buffer.from(JSON.stringify(n)),
      },
      (err) => err && onError(err),
    );
  });
}
