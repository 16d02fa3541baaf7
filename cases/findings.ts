import { z } from 'zod';
import { TextPairSchema, type TextPair } from './text.ts';

/**
 * A compliance finding: one violation found by a case rule (推诿扯皮) or by the checks on a
 * repair order, with what it broke (rule, clause), its evidence, the parties it counts against
 * (outlet, seller, maker), and what became of it: open → rectified (who, when, what was done)
 * or dismissed (a regulator's reason). A regulator may confirm it (信息公开).
 */
export interface NewFinding {
  /** Makes recording idempotent: the same cause seen twice is one finding. */
  dedupeKey: string;
  source: 'case' | 'repair_order';
  rule: string;
  severity: 'violation' | 'warning';
  clause: string;
  message: TextPair;
  evidence: Record<string, unknown>;
  caseId?: string | undefined;
  serial?: string | undefined;
  recordSeq?: number | undefined;
  category?: string | undefined;
  outletId?: string | null | undefined;
  seller?: string | null | undefined;
  manufacturer?: string | null | undefined;
  detectedAt: string;
}

export const RectificationSchema = z.object({
  by: z.string(),
  at: z.string(),
  action: z.string(),
  evidence: z.string().optional(),
});

export const FindingSchema = z
  .object({
    id: z.string(),
    source: z.enum(['case', 'repair_order']),
    rule: z.string(),
    severity: z.enum(['violation', 'warning']),
    clause: z.string(),
    message: TextPairSchema,
    evidence: z.record(z.string(), z.unknown()),
    caseId: z.string().nullable(),
    serial: z.string().nullable(),
    recordSeq: z.number().int().nullable(),
    category: z.string().nullable(),
    outletId: z.string().nullable(),
    seller: z.string().nullable(),
    manufacturer: z.string().nullable(),
    detectedAt: z.string(),
    status: z.enum(['open', 'rectified', 'dismissed']),
    confirmedAt: z.string().nullable(),
    confirmedBy: z.string().nullable(),
    rectification: RectificationSchema.nullable(),
    dismissal: z.object({ by: z.string(), at: z.string(), reason: z.string() }).nullable(),
  })
  .meta({ id: 'ComplianceFinding' });
export type Finding = z.infer<typeof FindingSchema>;

export interface FindingFilter {
  status?: Finding['status'] | undefined;
  rule?: string | undefined;
  source?: Finding['source'] | undefined;
  outletId?: string | undefined;
  manufacturer?: string | undefined;
  caseId?: string | undefined;
  /** detected in [from, to) (ISO instants) */
  detectedFrom?: string | undefined;
  detectedTo?: string | undefined;
  /** rectified in [from, to) */
  rectifiedFrom?: string | undefined;
  rectifiedTo?: string | undefined;
  limit: number;
  offset: number;
}

/** Who a finding counts against. */
export const partiesOf = (c: {
  outletId: string | null;
  seller: string | null;
  manufacturer: string | null;
}) => ({ outletId: c.outletId, seller: c.seller, manufacturer: c.manufacturer });
