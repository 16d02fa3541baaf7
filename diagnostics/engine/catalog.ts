import type { Category } from '../../core/index.ts';
import type { FleetReference } from '../detectors/trend.ts';
import type { RulStream } from '../models/learner.ts';
import type { CategoryProfile } from '../profiles/schema.ts';
import type { ModelEvidence } from '../types.ts';

/**
 * What the engine runs for each product model: its failure-mode profile (built-in, or as the
 * diagnostics catalogue's documents make it: uploaded profiles, fault-code tables,
 * calibrations), the remaining-life models bound to its modes, and healthy references known
 * beforehand. The engine compiles a plan per (category, model) from it and, when the catalogue
 * changes (`engine.reconfigure`), recompiles only the plans whose `version` changed.
 */
export interface EngineCatalog {
  /** Effective profile of a product model; undefined when the category has none. */
  profile(category: Category, model: string): CategoryProfile | undefined;
  /** Remaining-life models bound to modes of this product model. */
  rulModels(category: Category, model: string): readonly RulModelSpec[];
  /** Healthy references of this product model known beforehand, by `referenceKey`. */
  references(category: Category, model: string): ReadonlyMap<string, Readonly<FleetReference>>;
  /** Identity of all the above for (category, model): equal strings compile to equal plans. */
  version(category: Category, model: string): string;
}

/** An uploaded remaining-life model bound to one failure mode (catalogue `rul-model`). */
export interface RulModelSpec {
  modeId: string;
  /** Category metric for each model sensor, in the model's sensor order. */
  metrics: readonly string[];
  /** Row length, ms (the model's rowInterval × timeUnitMs). */
  rowMs: number;
  /** Remaining life at or below which the model raises the mode (ms). */
  alertWithinMs: number;
  /** The model's RUL cap (its time unit): a prediction at the cap scores 100. */
  cap: number;
  /** Operating condition of the profile under which samples are aggregated ('always'). */
  condition: string;
  stream: RulStream;
  model: Omit<ModelEvidence, 'rul' | 'lower' | 'upper'>;
}

/** A catalogue of fixed profiles (no documents): what the engine runs without a catalogue. */
export function staticCatalog(
  profiles: readonly CategoryProfile[],
  references?: ReadonlyMap<string, Readonly<FleetReference>>,
): EngineCatalog {
  const byCategory = new Map(profiles.map((p) => [p.category, p]));
  const none = new Map<string, FleetReference>();
  return {
    profile: (category) => byCategory.get(category),
    rulModels: () => [],
    references: () => references ?? none,
    version: () => 'static',
  };
}
