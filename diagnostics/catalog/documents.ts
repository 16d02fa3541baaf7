import { z } from 'zod';
import { CategorySchema } from '../../core/index.ts';
import {
  CategoryProfileSchema,
  CodeSystemSchema,
  IndicatorSchema,
  SeveritySchema,
  TextSchema,
} from '../profiles/schema.ts';

/**
 * The diagnostics catalogue's documents: what a manufacturer or an administrator loads into
 * the running service without a rebuild (issue 19, parts 4 and 5). Each is data, validated
 * here; what it means for a product model's failure-mode profile is compose.ts.
 *
 * - `profile`: a category's whole failure-mode profile (replaces the built-in one).
 * - `fault-codes`: a code table (vendor codes, OBD-II DTCs, J1939 SPN-FMI) mapping codes to
 *   failure modes, with a severity and a text per code.
 * - `calibration`: new failure moves of a mode's indicators (`sanbao diagnose calibrate`,
 *   `POST /fleet/recalibrate`).
 * - `references`: healthy baselines of a product model's indicators (mean, spread, units).
 * - `rul-model`: a remaining-life model trained by `sanbao diagnose replay --save`, bound to a
 *   mode with its metric mapping and time unit.
 *
 * Every document applies to a category, or to one product model of it (`model`); `null`
 * means absent. Documents of one key form a version history (see store.ts).
 */

const snake = z.string().regex(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, 'snake_case');
/** A product model name as devices report it; null = the whole category. */
const ModelSchema = z
  .string()
  .min(1)
  .max(128)
  .nullish()
  .transform((m) => m ?? null);
const NoteSchema = z
  .string()
  .max(2000)
  .nullish()
  .transform((n) => n ?? null);

const common = { category: CategorySchema, model: ModelSchema, note: NoteSchema };

export const KINDS = ['profile', 'fault-codes', 'calibration', 'references', 'rul-model'] as const;
export const KindSchema = z.enum(KINDS);
export type Kind = z.infer<typeof KindSchema>;

/** A whole profile: the category profile's own fields at the top level. */
export const ProfileDocSchema = z.object({
  kind: z.literal('profile'),
  model: ModelSchema,
  note: NoteSchema,
  profile: CategoryProfileSchema,
});

/** SAE J2012 DTC: system letter, code type digit, three hex digits (P0217, U0100). */
const OBD2 = /^[PCBU][0-3][0-9A-F]{3}$/;
/** SAE J1939 diagnostic trouble code as SPN-FMI (SPN ≤ 524287, 19 bits; FMI ≤ 31). */
const J1939 = /^SPN(\d{1,6})-FMI(\d{1,2})$/;

export const FaultCodeRowSchema = z.object({
  code: z.string().trim().min(1).max(32),
  mode: snake,
  severity: SeveritySchema.nullish().transform((v) => v ?? undefined),
  description: TextSchema.nullish().transform((v) => v ?? undefined),
});

export const FaultCodeTableSchema = z
  .object({
    kind: z.literal('fault-codes'),
    ...common,
    /** Name of the table (several may apply to one category: the engine's, the body's). */
    table: snake.default('default'),
    system: CodeSystemSchema,
    codes: z.array(FaultCodeRowSchema).min(1).max(10_000),
  })
  .superRefine(
    (t, ctx) => {
      // Also when other fields failed (every problem in one answer): guard the shapes.
      if (!Array.isArray(t.codes)) return;
      const system = CodeSystemSchema.safeParse(t.system).data;
      const seen = new Map<string, number>();
      t.codes.forEach((row, i) => {
        if (typeof row?.code !== 'string') return;
        const code = row.code.trim().toUpperCase();
        const first = seen.get(code);
        if (first !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['codes', i, 'code'],
            message: `duplicate code ${row.code} (also codes[${first}])`,
          });
        else seen.set(code, i);
        const bad = system && badCode(system, code);
        if (bad) ctx.addIssue({ code: 'custom', path: ['codes', i, 'code'], message: bad });
      });
    },
    { when: () => true },
  );

function badCode(system: z.infer<typeof CodeSystemSchema>, code: string): string | undefined {
  if (system === 'obd2' && !OBD2.test(code))
    return `${code} is not an OBD-II DTC (SAE J2012: P/C/B/U, a digit 0–3, three hex digits)`;
  if (system === 'j1939') {
    const m = J1939.exec(code);
    if (!m || Number(m[1]) > 524_287 || Number(m[2]) > 31)
      return `${code} is not a J1939 SPN-FMI code (SPN0–524287, FMI0–31, e.g. SPN110-FMI16)`;
  }
  return undefined;
}

export const CalibrationDocSchema = z.object({
  kind: z.literal('calibration'),
  ...common,
  mode: snake,
  /** The mode's indicators with their calibrated failure moves, in the mode's order. */
  indicators: z.array(IndicatorSchema).min(1),
  /** Where the calibration came from (runs, confirmed repairs): shown in the history. */
  source: z.record(z.string(), z.unknown()).nullish(),
});

export const ReferenceRowSchema = z.object({
  mode: snake,
  metric: z.string().min(1),
  condition: z.string().min(1).default('always'),
  mean: z.number().refine(Number.isFinite, 'must be finite'),
  sd: z.number().nonnegative().refine(Number.isFinite, 'must be finite'),
  n: z.number().int().min(2),
});

export const ReferencesDocSchema = z.object({
  kind: z.literal('references'),
  category: CategorySchema,
  /** References are a product model's: units of other models run at other operating points. */
  model: z.string().min(1).max(128),
  note: NoteSchema,
  references: z.array(ReferenceRowSchema).min(1),
});

/** A duration: milliseconds, or a number with a unit (`1h`, `10 min`, `1d`, `30s`). */
export const DurationSchema = z.union([
  z.number().positive(),
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*(ms|s|min|h|d)$/, 'a duration such as 1h, 10min, 1d, 30s or 500ms')
    .transform((s) => {
      const m = /^(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)$/.exec(s)!;
      const unit = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[m[2]!]!;
      return Number(m[1]) * unit;
    }),
]);

export const RulModelDocSchema = z.object({
  kind: z.literal('rul-model'),
  ...common,
  mode: snake,
  /** Model sensor (a CSV column it was trained on) → the category metric that feeds it. */
  mapping: z.record(z.string().min(1), z.string().min(1)),
  /** How long one unit of the training file's time column is. */
  timeUnit: DurationSchema,
  /**
   * Operating condition of the category's profile under which samples are aggregated into
   * rows (the training export's, e.g. `working`); 'always' = every sample.
   */
  condition: z.string().min(1).default('always'),
  /** Remaining life (model time units) at or below which the model raises the mode. */
  alertWithin: z.number().positive().nullish(),
  /** The artefact as saved by `replay --save` (validated by the learner's parser). */
  artefact: z.unknown(),
});

export type ProfileDoc = z.infer<typeof ProfileDocSchema>;
export type FaultCodeTable = z.infer<typeof FaultCodeTableSchema>;
export type CalibrationDoc = z.infer<typeof CalibrationDocSchema>;
export type ReferencesDoc = z.infer<typeof ReferencesDocSchema>;
export type RulModelDoc = z.infer<typeof RulModelDocSchema>;
export type CatalogDocument =
  | (ProfileDoc & { category: ProfileDoc['profile']['category'] })
  | FaultCodeTable
  | CalibrationDoc
  | ReferencesDoc
  | RulModelDoc;

export const DOCUMENT_SCHEMAS = {
  profile: ProfileDocSchema,
  'fault-codes': FaultCodeTableSchema,
  calibration: CalibrationDocSchema,
  references: ReferencesDocSchema,
  'rul-model': RulModelDocSchema,
} as const;

/** The version-history key of a document: what a newer version of it replaces. */
export function documentKey(d: CatalogDocument): string {
  const scope = `${d.category}/${d.model ?? '*'}`;
  switch (d.kind) {
    case 'profile':
    case 'references':
      return scope;
    case 'fault-codes':
      return `${scope}/${d.table}`;
    case 'calibration':
    case 'rul-model':
      return `${scope}/${d.mode}`;
  }
}

/** The mode a document is about, if it is about one. */
export function documentMode(d: CatalogDocument): string | null {
  return d.kind === 'calibration' || d.kind === 'rul-model' ? d.mode : null;
}

/** The short description of a stored document shown in lists. */
export function summarise(doc: CatalogDocument): Record<string, unknown> {
  const b = doc as unknown as Record<string, unknown>;
  switch (doc.kind) {
    case 'fault-codes':
      return {
        table: b.table,
        system: b.system,
        codes: (b.codes as unknown[] | undefined)?.length ?? 0,
      };
    case 'profile': {
      const p = (b.profile ?? {}) as { modes?: unknown[] };
      return { modes: p.modes?.length ?? 0 };
    }
    case 'calibration':
      return {
        mode: b.mode,
        indicators: (b.indicators as unknown[] | undefined)?.length ?? 0,
        source: b.source ?? null,
      };
    case 'references':
      return { references: (b.references as unknown[] | undefined)?.length ?? 0 };
    case 'rul-model': {
      const a = (b.artefact ?? {}) as Record<string, unknown>;
      return {
        mode: b.mode,
        artefactId: a.id ?? null,
        sensors: a.sensors ?? null,
        mapping: b.mapping ?? null,
        timeUnitMs: b.timeUnit ?? null,
        rowInterval: a.rowInterval ?? null,
        training: a.training ?? null,
        cv: a.cv ?? null,
      };
    }
    default:
      return {};
  }
}
