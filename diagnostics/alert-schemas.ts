import { z } from 'zod';

/**
 * Alerts as stored, served over HTTP and delivered (MQTT, SSE, webhooks): one zod definition
 * (docs/style.md §9). Times are ISO-8601 strings; numbers that can be non-finite in the engine
 * (NaN for a missing reading, Infinity for an unbounded band) are null here, since JSON has
 * neither.
 */

export const SeveritySchema = z
  .enum(['info', 'minor', 'major', 'critical'])
  .meta({ id: 'Severity' });
export const AlertStatusSchema = z
  .enum(['open', 'acknowledged', 'resolved', 'dismissed'])
  .meta({ id: 'AlertStatus' });

const num = z.number().nullable();

/** The uploaded remaining-life model behind an alert's prediction (types.ts ModelEvidence). */
export const ModelEvidenceSchema = z
  .object({
    id: z.string().describe('artefact id (content hash)'),
    version: z.number().int().describe('catalogue version of the rul-model document'),
    createdAt: z.string(),
    training: z.object({
      units: z.number(),
      rows: z.number(),
      seconds: z.number(),
      seed: z.number(),
      method: z.string(),
    }),
    cv: z
      .object({
        protocol: z.string(),
        folds: z.number(),
        cutsPerUnit: z.number(),
        horizon: z.number(),
        rmse: z.number(),
        phm08Per100: z.number(),
        bias: z.number(),
        coverage: z.number(),
        level: z.number(),
        lifeRmse: z.number(),
        lifePhm08Per100: z.number(),
      })
      .describe('cross-validated scores, as `sanbao diagnose replay` reports them'),
    timeUnitMs: z.number(),
    rul: num.describe('latest prediction, model time units'),
    lower: num,
    upper: num,
  })
  .meta({ id: 'ModelEvidence' });

export const AlertEvidenceSchema = z
  .object({
    detector: z.string(),
    metrics: z.array(z.string()),
    windowStart: z.string(),
    windowEnd: z.string(),
    findings: z.array(z.object({ metric: z.string(), value: num, expected: num, score: num })),
    contributions: z.array(
      z.object({ metric: z.string(), points: num, value: num, baseline: num }),
    ),
    message: z.string(),
    model: ModelEvidenceSchema.optional(),
  })
  .meta({ id: 'AlertEvidence' });

export const PredictedFailureSchema = z
  .object({
    at: z.string(),
    earliest: z.string(),
    /** null when the upper bound is unbounded (slope not significantly positive). */
    latest: z.string().nullable(),
    confidence: z.number(),
  })
  .meta({ id: 'PredictedFailure' });

const Text = z.object({ zh: z.string(), en: z.string() });
export const AlertNamesSchema = z
  .object({ mode: Text, component: Text, parts: z.array(Text) })
  .meta({ id: 'AlertNames' });

export const AlertSchema = z
  .object({
    id: z.string(),
    deviceId: z.string(),
    category: z.string(),
    model: z.string(),
    modeId: z.string(),
    modeName: z.string(),
    component: z.string(),
    severity: SeveritySchema,
    status: AlertStatusSchema,
    revision: z.number().int(),
    detectedAt: z.string(),
    openedAt: z.string(),
    updatedAt: z.string(),
    predictedFailure: PredictedFailureSchema.nullable(),
    evidence: z.array(AlertEvidenceSchema),
    action: z.object({ zh: z.string(), en: z.string() }),
    parts: z.array(z.string()),
    names: AlertNamesSchema.nullable().describe(
      'mode, component and parts in both languages (null for alerts stored before they were kept)',
    ),
    assignee: z.string().nullable(),
    acknowledgedBy: z.string().nullable(),
    acknowledgedAt: z.string().nullable(),
    closedBy: z.string().nullable(),
    closedAt: z.string().nullable(),
    repairRef: z.string().nullable(),
    dismissReason: z.string().nullable(),
    escalations: z.number().int(),
    escalatedAt: z.string().nullable(),
  })
  .meta({ id: 'Alert' });

export const AlertHistoryEntrySchema = z
  .object({
    at: z.string(),
    actor: z.string().nullable(),
    action: z.enum([
      'opened',
      'raised',
      'escalated',
      'acknowledged',
      'resolved',
      'dismissed',
      'assigned',
    ]),
    fromStatus: AlertStatusSchema.nullable(),
    toStatus: AlertStatusSchema,
    severity: SeveritySchema,
    detail: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AlertHistoryEntry' });

export const AlertCommentSchema = z
  .object({ at: z.string(), author: z.string(), text: z.string() })
  .meta({ id: 'AlertComment' });

export type AlertSeverity = z.infer<typeof SeveritySchema>;
export type AlertStatus = z.infer<typeof AlertStatusSchema>;
export type Alert = z.infer<typeof AlertSchema>;
export type AlertEvidence = z.infer<typeof AlertEvidenceSchema>;
export type AlertHistoryEntry = z.infer<typeof AlertHistoryEntrySchema>;
export type AlertComment = z.infer<typeof AlertCommentSchema>;
