import { METRICS, type Category } from '../../core/index.ts';
import type { FleetReference } from '../detectors/trend.ts';
import type { EngineCatalog, RulModelSpec } from '../engine/catalog.ts';
import { compilePlan, referenceKey } from '../engine/plan.ts';
import { RulModelError, type RulModelArtefact, type RulStream } from '../models/learner.ts';
import { BUILTIN_MODES } from '../profiles/builtin.ts';
import {
  CategoryProfileSchema,
  type CategoryProfile,
  type Indicator,
  type ModeProfile,
} from '../profiles/schema.ts';
import type {
  CalibrationDoc,
  CatalogDocument,
  FaultCodeTable,
  ReferencesDoc,
  RulModelDoc,
} from './documents.ts';
import type { Path } from './parse.ts';

/**
 * What the catalogue's active documents make of each product model (issue 19): the built-in
 * profile, or an uploaded one (the model's own before the category's); the calibrations of
 * its modes (category-wide, then the model's own); its fault-code tables (the same order,
 * a later table's row wins for a code); its references; one remaining-life model per mode
 * (the model's own before the category's). Pure: the service validates an upload by
 * composing every product model it touches before anything is stored.
 */
export interface ActiveDocument {
  kind: CatalogDocument['kind'];
  key: string;
  version: number;
  doc: CatalogDocument;
}

/** A problem of one document as composed with the others (path relative to that document). */
export interface CompositionProblem {
  kind: CatalogDocument['kind'];
  key: string;
  path: Path;
  message: string;
}

/** The learner's parser and stream factory, and a cache of what they made per version. */
export interface ModelLoader {
  load(doc: ActiveDocument & { doc: RulModelDoc }): {
    artefact: RulModelArtefact;
    stream: RulStream;
  };
}

interface Composed {
  profile: CategoryProfile | undefined;
  rulModels: RulModelSpec[];
  references: Map<string, FleetReference>;
  version: string;
  problems: CompositionProblem[];
}

const DAY = 86_400_000;

/** The catalogue as the engine reads it, composed lazily per (category, model) and cached. */
export function composeCatalog(
  builtin: readonly CategoryProfile[],
  active: readonly ActiveDocument[],
  models: ModelLoader,
): EngineCatalog & { problems(category: Category, model: string): CompositionProblem[] } {
  const cache = new Map<string, Composed>();
  const withModelDocs = new Set(
    active.filter((a) => a.doc.model !== null).map((a) => `${a.doc.category}\u0000${a.doc.model}`),
  );
  const get = (category: Category, model: string): Composed => {
    // A model without documents of its own is the category's ('*'): one composition for all.
    const m = withModelDocs.has(`${category}\u0000${model}`) ? model : '*';
    const key = `${category}\u0000${m}`;
    let c = cache.get(key);
    if (!c) cache.set(key, (c = compose(builtin, active, models, category, m)));
    return c;
  };
  return {
    profile: (category, model) => get(category, model).profile,
    rulModels: (category, model) => get(category, model).rulModels,
    references: (category, model) => get(category, model).references,
    version: (category, model) => get(category, model).version,
    problems: (category, model) => get(category, model).problems,
  };
}

function compose(
  builtin: readonly CategoryProfile[],
  active: readonly ActiveDocument[],
  models: ModelLoader,
  category: Category,
  model: string,
): Composed {
  const problems: CompositionProblem[] = [];
  const problem = (a: ActiveDocument, path: Path, message: string) =>
    problems.push({ kind: a.kind, key: a.key, path, message });
  // Category-wide documents first, then the model's own; by key within each, so the result
  // does not depend on upload order.
  const docs = active
    .filter((a) => a.doc.category === category && (a.doc.model === null || a.doc.model === model))
    .sort(
      (a, b) =>
        Number(a.doc.model !== null) - Number(b.doc.model !== null) || a.key.localeCompare(b.key),
    );
  const of = <K extends CatalogDocument['kind']>(kind: K) =>
    docs.filter(
      (a): a is ActiveDocument & { doc: Extract<CatalogDocument, { kind: K }> } => a.kind === kind,
    );
  const version = docs.map((a) => `${a.kind}:${a.key}@${a.version}`).join(';') || 'builtin';
  const none: Composed = {
    profile: undefined,
    rulModels: [],
    references: new Map(),
    version,
    problems,
  };

  const profileDocs = of('profile');
  const profileDoc = profileDocs[profileDocs.length - 1];
  let profile = profileDoc?.doc.profile ?? builtin.find((p) => p.category === category);
  if (!profile) return none;
  if (profileDoc) checkMetrics(profileDoc, profile, problem);
  const modes = profile.modes.map((m) => ({ ...m, faultCodes: [...m.faultCodes] }));
  const codeInfo = { ...profile.codeInfo };

  for (const a of of('calibration')) calibrate(a, modes, problem);
  for (const a of of('fault-codes')) mapCodes(a, modes, codeInfo, problem);

  const parsed = CategoryProfileSchema.safeParse({ ...profile, modes, codeInfo });
  if (!parsed.success) {
    // Only documents can make a valid built-in profile invalid; name the last one applied.
    // (An upload is refused for this; documents already in force that no longer compose —
    // a new release's profiles — leave the model on its base profile rather than on none.)
    const by = docs[docs.length - 1]!;
    for (const i of parsed.error.issues) problem(by, i.path, `the composed profile: ${i.message}`);
    return { ...none, profile };
  }
  profile = parsed.data;

  const references = new Map<string, FleetReference>();
  for (const a of of('references')) addReferences(a, profile, references, problem);
  const rulModels: RulModelSpec[] = [];
  const byMode = new Map<string, ActiveDocument & { doc: RulModelDoc }>();
  for (const a of of('rul-model')) byMode.set(a.doc.mode, a); // the model's own comes last
  for (const a of byMode.values()) {
    const spec = bindModel(a, profile, models, problem);
    if (spec) rulModels.push(spec);
  }
  if (problems.length === 0) {
    try {
      compilePlan(profile, { model, rulModels });
    } catch (err) {
      problem(docs[docs.length - 1]!, [], (err as Error).message);
    }
  }
  return { profile, rulModels, references, version, problems };
}

type Problem = (a: ActiveDocument, path: Path, message: string) => void;

/** Every metric an uploaded profile names must be one the category's devices report. */
function checkMetrics(a: ActiveDocument, p: CategoryProfile, problem: Problem): void {
  const known = METRICS[p.category];
  const check = (metric: string | undefined, path: Path) => {
    if (metric !== undefined && !(metric in known))
      problem(
        a,
        ['profile', ...path],
        `unknown metric ${metric} for ${p.category} (known: ${Object.keys(known).join(', ')})`,
      );
  };
  p.watch.forEach((m, i) => check(m, ['watch', i]));
  for (const [name, alternatives] of Object.entries(p.conditions))
    alternatives.forEach((all, i) =>
      all.forEach((t, j) => check(t.metric, ['conditions', name, i, j, 'metric'])),
    );
  p.modes.forEach((m, i) => {
    m.indicators.forEach((ind, j) => {
      check(ind.metric, ['modes', i, 'indicators', j, 'metric']);
      check(ind.minus, ['modes', i, 'indicators', j, 'minus']);
      check(ind.per, ['modes', i, 'indicators', j, 'per']);
    });
    m.limits.forEach((l, j) => check(l.metric, ['modes', i, 'limits', j, 'metric']));
  });
}

/** A calibration changes failure moves (and weights) only: the indicators must read the same. */
function calibrate(
  a: ActiveDocument & { doc: CalibrationDoc },
  modes: ModeProfile[],
  problem: Problem,
): void {
  const k = modes.findIndex((m) => m.id === a.doc.mode);
  const mode = modes[k];
  if (!mode) {
    problem(
      a,
      ['mode'],
      `no failure mode ${a.doc.mode} in the ${a.doc.category} profile (${modes.map((m) => m.id).join(', ')})`,
    );
    return;
  }
  const given = a.doc.indicators;
  if (given.length !== mode.indicators.length) {
    problem(
      a,
      ['indicators'],
      `${mode.id} has ${mode.indicators.length} indicators, the calibration ${given.length}`,
    );
    return;
  }
  const fields = ['metric', 'direction', 'when', 'minus', 'minusFactor', 'per'] as const;
  let ok = true;
  given.forEach((ind, i) => {
    const base = mode.indicators[i]!;
    for (const f of fields) {
      if (ind[f] !== base[f]) {
        problem(
          a,
          ['indicators', i, f],
          `is ${String(ind[f])}, the mode's indicator ${i} has ${String(base[f])}: a calibration only changes failure moves and weights`,
        );
        ok = false;
      }
    }
  });
  if (ok) modes[k] = { ...mode, indicators: given.map((g): Indicator => ({ ...g })) };
}

/** A code table moves each of its codes to its mode (from wherever it was). */
function mapCodes(
  a: ActiveDocument & { doc: FaultCodeTable },
  modes: ModeProfile[],
  codeInfo: CategoryProfile['codeInfo'],
  problem: Problem,
): void {
  a.doc.codes.forEach((row, i) => {
    const target = modes.find((m) => m.id === row.mode);
    if (!target && !BUILTIN_MODES.has(row.mode)) {
      problem(
        a,
        ['codes', i, 'mode'],
        `no failure mode ${row.mode} in the ${a.doc.category} profile (${modes.map((m) => m.id).join(', ')})`,
      );
      return;
    }
    const code = row.code.toUpperCase();
    for (const m of modes) m.faultCodes = m.faultCodes.filter((c) => c.toUpperCase() !== code);
    for (const key of Object.keys(codeInfo)) if (key.toUpperCase() === code) delete codeInfo[key];
    if (target) target.faultCodes.push(row.code);
    codeInfo[row.code] = {
      system: a.doc.system,
      ...(row.severity ? { severity: row.severity } : {}),
      ...(row.description ? { description: row.description } : {}),
    };
  });
}

function addReferences(
  a: ActiveDocument & { doc: ReferencesDoc },
  profile: CategoryProfile,
  out: Map<string, FleetReference>,
  problem: Problem,
): void {
  a.doc.references.forEach((r, i) => {
    const mode = profile.modes.find((m) => m.id === r.mode && m.kind === 'degradation');
    if (!mode) {
      problem(
        a,
        ['references', i, 'mode'],
        `no degradation mode ${r.mode} in the ${a.doc.category} profile`,
      );
      return;
    }
    if (!mode.indicators.some((ind) => ind.metric === r.metric && ind.when === r.condition)) {
      const watched = mode.indicators.map(
        (ind) => `${ind.metric}${ind.when === 'always' ? '' : `@${ind.when}`}`,
      );
      problem(
        a,
        ['references', i, 'metric'],
        `${r.mode} has no indicator ${r.metric}${r.condition === 'always' ? '' : ` while ${r.condition}`} (it watches ${watched.join(', ')})`,
      );
      return;
    }
    out.set(referenceKey(a.doc.category, a.doc.model, r.mode, r.metric, r.condition), {
      n: r.n,
      mean: r.mean,
      m2: r.sd * r.sd * (r.n - 1),
    });
  });
}

/** Binds an uploaded model to its mode: mapping, condition and artefact checked here. */
function bindModel(
  a: ActiveDocument & { doc: RulModelDoc },
  profile: CategoryProfile,
  models: ModelLoader,
  problem: Problem,
): RulModelSpec | undefined {
  const d = a.doc;
  const mode = profile.modes.find((m) => m.id === d.mode);
  let ok = true;
  if (!mode || mode.kind !== 'degradation') {
    problem(
      a,
      ['mode'],
      mode
        ? `${d.mode} is a sudden mode: remaining life is for degradation modes`
        : `no failure mode ${d.mode} in the ${d.category} profile (${profile.modes
            .filter((m) => m.kind === 'degradation')
            .map((m) => m.id)
            .join(', ')})`,
    );
    ok = false;
  }
  if (d.condition !== 'always' && !(d.condition in profile.conditions)) {
    problem(
      a,
      ['condition'],
      `the ${d.category} profile has no condition ${d.condition} (${['always', ...Object.keys(profile.conditions)].join(', ')})`,
    );
    ok = false;
  }
  let loaded: ReturnType<ModelLoader['load']>;
  try {
    loaded = models.load(a);
  } catch (err) {
    // The learner names each bad field of the artefact by its dotted path.
    if (err instanceof RulModelError) {
      for (const i of err.issues) {
        const path = i.path.split('.').filter(Boolean);
        problem(a, ['artefact', ...path.map((p) => (/^\d+$/.test(p) ? Number(p) : p))], i.message);
      }
    } else problem(a, ['artefact'], (err as Error).message);
    return undefined;
  }
  const { artefact, stream } = loaded;
  const known = METRICS[d.category];
  for (const sensor of artefact.sensors) {
    const metric = d.mapping[sensor];
    if (metric === undefined) {
      problem(
        a,
        ['mapping', sensor],
        `model sensor ${sensor} is not mapped to a metric of ${d.category}`,
      );
      ok = false;
    } else if (!(metric in known)) {
      problem(
        a,
        ['mapping', sensor],
        `unknown metric ${metric} for ${d.category} (known: ${Object.keys(known).join(', ')})`,
      );
      ok = false;
    }
  }
  // Columns of the training file the learner left out may stay in the mapping (a mapping
  // written for the file): they must still be the category's metrics.
  for (const [sensor, metric] of Object.entries(d.mapping)) {
    if (!artefact.sensors.includes(sensor) && !(metric in known)) {
      problem(
        a,
        ['mapping', sensor],
        `unknown metric ${metric} for ${d.category} (known: ${Object.keys(known).join(', ')})`,
      );
      ok = false;
    }
  }
  if (!ok || !mode) return undefined;
  const unit = d.timeUnit;
  return {
    modeId: d.mode,
    metrics: artefact.sensors.map((s) => d.mapping[s]!),
    rowMs: artefact.rowInterval * unit,
    alertWithinMs:
      d.alertWithin != null ? d.alertWithin * unit : mode.severity.majorWithinDays * DAY,
    cap: artefact.cap,
    condition: d.condition,
    stream,
    model: {
      id: artefact.id,
      version: a.version,
      createdAt: artefact.createdAt,
      training: artefact.training,
      cv: artefact.cv,
      timeUnitMs: unit,
    },
  };
}
