import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import type { FastifyBaseLogger } from 'fastify';
import type { Auth, Config, Metrics } from '../core/index.ts';
import { isDeviceIdForm } from '../devices/index.ts';
import type { Identity } from './acl.ts';
import { once } from './callbacks.ts';
import { track } from './client-state.ts';
import type { DeviceDirectory, IngestPort } from './ports.ts';

/** Username that marks a service client authenticating with an API token as password. */
export const SERVICE_USERNAME = 'token';

const enum ReturnCode {
  IdentifierRejected = 2,
  BadUsernameOrPassword = 4,
  NotAuthorized = 5,
}

function authError(message: string, returnCode: ReturnCode): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as unknown as AuthenticateError;
}

export interface AuthenticationDeps {
  config: Config['mqtt'];
  devices: DeviceDirectory;
  auth: Auth;
  ingest: Pick<IngestPort, 'prepareDevice'>;
  metrics: Metrics;
  log: FastifyBaseLogger;
  now: () => number;
}

/**
 * aedes's `preConnect` and `authenticate` hooks: who a client is (a device by its secret, a
 * service by its API token, or anyone on the open broker) and its state from then on.
 */
export function authenticationHooks(
  d: AuthenticationDeps,
): Required<Pick<AedesOptions, 'preConnect' | 'authenticate'>> {
  const { config, metrics } = d;
  const open = config.auth === 'none';
  /** Clients that sent a zero-length client id (aedes gave them one): see authenticate. */
  const assignedIds = new WeakSet<Client>();

  const authenticate = once(
    async (client: Client, username?: string, password?: Buffer): Promise<boolean> => {
      const fail = (result: string, err: AuthenticateError) => {
        metrics.connects.inc({ result });
        throw err;
      };
      const idRejected = (why: string) =>
        fail('identifier_rejected', authError(why, ReturnCode.IdentifierRejected));
      // A zero-length client id is given one by the server only for a clean session; a
      // session kept for it could never be found again [MQTT-3.1.3-6], [MQTT-3.1.3-7], [MQTT-3.1.3-8].
      if (assignedIds.has(client) && !client.clean)
        return idRejected('a zero-length client id needs CleanSession=1');
      // Device ids are reserved for their devices: a service or an anonymous client with a
      // device's id would take its session over (the broker closes the older connection with
      // the same id [MQTT-3.1.4-2]) and the device would show offline.
      const reserved = () => {
        if (isDeviceIdForm(client.id))
          idRejected('client ids of the device-id form are reserved for devices');
      };
      if (open && !username) {
        reserved();
        track(client, { kind: 'anonymous' }, config, d.now());
        metrics.connects.inc({ result: 'accepted' });
        return true;
      }
      if (!username || !password)
        return fail(
          'bad_credentials',
          authError('username and password required', ReturnCode.BadUsernameOrPassword),
        );
      const secret = password.toString('utf8');
      let who: Identity;
      if (username === SERVICE_USERNAME) {
        const p = await d.auth.verify(secret);
        if (!p)
          return fail('bad_credentials', authError('bad token', ReturnCode.BadUsernameOrPassword));
        reserved();
        who = { kind: 'service', role: p.role, tokenId: p.tokenId, subject: p.subject };
      } else {
        const r = await d.devices.authenticate(username, secret);
        if (!r.ok) {
          return r.reason === 'disabled'
            ? fail('disabled', authError('device disabled', ReturnCode.NotAuthorized))
            : fail(
                'bad_credentials',
                authError('bad username or password', ReturnCode.BadUsernameOrPassword),
              );
        }
        // Client id = device id (docs/design.md), so one device cannot take over another's session.
        if (client.id !== username) return idRejected('client id must equal the device id');
        who = {
          kind: 'device',
          deviceId: r.device.id,
          category: r.device.category,
          model: r.device.model,
        };
        // Made now, so every device's context has the same layout (ingest/device-memo.ts).
        d.ingest.prepareDevice(who);
      }
      track(client, who, config, d.now());
      metrics.connects.inc({ result: 'accepted' });
      return true;
    },
    d.log,
  );

  return {
    preConnect: (client, packet, done) => {
      if (packet.clientId === '') assignedIds.add(client);
      done(null, true);
    },
    authenticate: (client, username, password, done) =>
      authenticate(
        (err, ok) => done(err as AuthenticateError | null, ok ?? null),
        client,
        username ?? undefined,
        password ?? undefined,
      ),
  };
}
