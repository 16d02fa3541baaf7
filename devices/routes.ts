import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type Auth,
  scopeOf,
  type TenantRule,
  ErrorEnvelope,
  Pagination,
  CategorySchema,
} from '../core/index.ts';
import type { Device, DeviceRegistry } from './registry.ts';
import { RegistryErrors } from './errors.ts';

export const DeviceSchema = z
  .object({
    id: z.string(),
    category: CategorySchema,
    model: z.string(),
    serial: z.string(),
    disabled: z.boolean(),
    online: z.boolean(),
    createdAt: z.string(),
    lastSeenAt: z.string().nullable(),
  })
  .meta({ id: 'Device' });

const ProvisionBody = z.object({
  category: CategorySchema,
  model: z.string().trim().min(1).max(64),
  serial: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : -'),
});

/** Most devices in one bulk request: ~1,000 scrypt hashes, a second or two of CPU. */
export const MAX_BULK_DEVICES = 1000;

const BulkProvisionBody = z.object({
  devices: z
    .array(ProvisionBody)
    .min(1)
    .max(MAX_BULK_DEVICES)
    .superRefine((list, ctx) => {
      const seen = new Map<string, number>();
      list.forEach((d, i) => {
        const key = JSON.stringify([d.category, d.model, d.serial]);
        const first = seen.get(key);
        if (first === undefined) seen.set(key, i);
        else
          ctx.addIssue({
            code: 'custom',
            path: [i, 'serial'],
            message: `same category, model and serial as devices[${first}]`,
          });
      });
    }),
});

const Credentials = DeviceSchema.extend({
  secret: z.string().describe('MQTT password; shown only in this response'),
}).meta({ id: 'DeviceCredentials' });

const IdParams = z.object({ id: z.string().min(1).max(64) });
const oneDevice: TenantRule = { params: { id: 'device' } };
const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };

/**
 * Provisioning: devices and their MQTT credentials (admin only), and reading them (engineers,
 * manufacturers). A manufacturer token with a subject sees only its own devices; the single
 * device routes are confined by `auth.require` (core/auth.ts, core/tenant.ts).
 */
export const deviceRoutes: FastifyPluginAsyncZod<{ devices: DeviceRegistry; auth: Auth }> = async (
  app,
  { devices, auth },
) => {
  const admin = auth.require('admin');
  const reader = auth.require('engineer', 'manufacturer');

  app.post(
    '/devices',
    {
      preHandler: admin,
      schema: {
        tags: ['devices'],
        summary: 'Provision a device',
        body: ProvisionBody,
        response: { 201: Credentials, 409: ErrorEnvelope, ...errors },
      },
    },
    async (req, reply) => {
      const { device, secret } = await devices.provision(req.body);
      return reply.status(201).send({ ...device, secret });
    },
  );

  app.post(
    '/devices/bulk',
    {
      preHandler: admin,
      schema: {
        tags: ['devices'],
        summary: `Provision up to ${MAX_BULK_DEVICES} devices at once`,
        description:
          'Devices whose category, model and serial already exist are listed in `existing`, ' +
          'untouched (rotate their secret to get one); the others are created with their secrets.',
        body: BulkProvisionBody,
        response: {
          200: z.object({ created: z.array(Credentials), existing: z.array(DeviceSchema) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { created, existing } = await devices.provisionMany(req.body.devices);
      return { created: created.map(({ device, secret }) => ({ ...device, secret })), existing };
    },
  );

  app.get(
    '/devices',
    {
      preHandler: reader,
      config: { tenant: { scoped: 'lists only the devices of its own units' } },
      schema: {
        tags: ['devices'],
        summary: 'List devices with online status and last seen',
        querystring: z.object({
          category: CategorySchema.optional(),
          model: z.string().optional(),
          serial: z.string().optional(),
          online: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
          ...Pagination,
        }),
        response: {
          200: z.object({ devices: z.array(DeviceSchema), total: z.number() }),
          ...errors,
        },
      },
    },
    async (req) => {
      // A token confined to one manufacturer lists only its devices (core/tenant.ts).
      const maker = scopeOf(req);
      return devices.list(maker === null ? req.query : { ...req.query, manufacturer: maker });
    },
  );

  app.get(
    '/devices/:id',
    {
      preHandler: reader,
      config: { tenant: oneDevice },
      schema: { tags: ['devices'], params: IdParams, response: { 200: DeviceSchema, ...errors } },
    },
    async (req) => mustGet(devices, req.params.id),
  );

  app.post(
    '/devices/:id/disable',
    {
      preHandler: admin,
      schema: {
        tags: ['devices'],
        summary: "Refuse the device's connections from now on",
        params: IdParams,
        response: { 200: DeviceSchema, ...errors },
      },
    },
    async (req) => devices.setDisabled(req.params.id, true),
  );

  app.post(
    '/devices/:id/enable',
    {
      preHandler: admin,
      schema: { tags: ['devices'], params: IdParams, response: { 200: DeviceSchema, ...errors } },
    },
    async (req) => devices.setDisabled(req.params.id, false),
  );

  app.post(
    '/devices/:id/secret',
    {
      preHandler: admin,
      schema: {
        tags: ['devices'],
        summary: 'Rotate the MQTT secret (the old one stops working)',
        params: IdParams,
        response: { 200: Credentials, ...errors },
      },
    },
    async (req) => {
      const { device, secret } = await devices.rotateSecret(req.params.id);
      return { ...device, secret };
    },
  );
};

async function mustGet(devices: DeviceRegistry, id: string): Promise<Device> {
  const d = await devices.get(id);
  if (!d) throw new RegistryErrors.UnknownDevice(id);
  return d;
}
