import type { SourceTag } from './policy-schema.ts';

/** The shape of a vocabulary entry and the helpers the tables are written with (vocabulary.ts). */
export type PartRole = 'assembly' | 'system' | 'main_part' | 'part' | 'host' | 'accessory';

export interface VocabEntry {
  id: string;
  zh: string;
  en: string;
  role: PartRole;
  /** The assembly or system a part belongs to (cars), e.g. crankshaft → engine. */
  system?: string;
  synonyms: readonly string[];
  source: SourceTag;
}

export const e = (
  id: string,
  zh: string,
  en: string,
  role: PartRole,
  synonyms: readonly string[],
  opts: { system?: string; source?: SourceTag } = {},
): VocabEntry => ({
  id,
  zh,
  en,
  role,
  synonyms,
  source: opts.source ?? 'S',
  ...(opts.system ? { system: opts.system } : {}),
});

/** Main part `id` of system `sys` (a helper for the car table). */
export const mp = (sys: string, id: string, zh: string, en: string, synonyms: readonly string[]) =>
  e(id, zh, en, 'main_part', synonyms, { system: sys });
