import { z } from 'zod';

/**
 * Device payload schemas (docs/design.md "MQTT contract"). The same schemas document the contract in
 * the OpenAPI document and validate MQTT payloads.
 */
export const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export const MetricNameSchema = z
  .string()
  .regex(METRIC_NAME, 'metric names are 1–64 characters: a letter, then letters, digits, _ . -');

export const TimestampSchema = z.union([
  z.number().refine(Number.isFinite, 'must be a finite number of epoch milliseconds'),
  z.iso.datetime({
    offset: true,
    message: 'must be ISO-8601 with a time zone, e.g. 2026-11-23T08:00:00+08:00',
  }),
]);

export const TelemetryEntrySchema = z.object({
  ts: TimestampSchema,
  metrics: z
    .record(MetricNameSchema, z.number({ error: 'must be a number' }))
    .refine((m) => Object.keys(m).length > 0, 'must hold at least one metric')
    .refine((m) => Object.keys(m).length <= 256, 'at most 256 metrics per sample'),
});

/** One reading set, or an array of them (a backlog uploaded after a disconnection). */
export const TelemetryPayloadSchema = z.union([
  TelemetryEntrySchema,
  z
    .array(TelemetryEntrySchema)
    .min(1, 'an empty array carries nothing')
    .max(5000, 'at most 5000 samples per message'),
]);

export const SeveritySchema = z.enum(['info', 'warning', 'error', 'critical']);

export const EventEntrySchema = z.object({
  ts: TimestampSchema,
  code: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'codes are letters, digits and _ . : -'),
  severity: SeveritySchema.default('error'),
  detail: z.string().max(500).optional(),
});

export const EventPayloadSchema = z.union([
  EventEntrySchema,
  z.array(EventEntrySchema).min(1).max(1000),
]);

export type TelemetryEntry = z.infer<typeof TelemetryEntrySchema>;
export type EventEntry = z.infer<typeof EventEntrySchema>;
