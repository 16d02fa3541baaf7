import type { Warning } from './evaluation-schema.ts';
import {
  hasVocabulary,
  normalizeName,
  resolvePart,
  type PartRole,
  type Resolved,
} from './vocabulary.ts';

/**
 * Reads the component and parts of a repair record or fault through the vocabulary tables
 * (vocabulary.ts): ids, roles, the assembly a fault is on, and main-part membership from the
 * policy's list (catalogue row or the 三包凭证's own list). Every name no table knows, and every
 * name read by a word it contains, becomes a visible warning — never a silent "not a main part".
 */
export interface PartRef {
  /** The name as written. */
  raw: string;
  /** Vocabulary id, or the normalised name when unknown. */
  id: string;
  role?: PartRole;
  system?: string;
  known: boolean;
  /** Counts as a main part (policy list, or the record's own isMainPart). */
  main: boolean;
}

export interface ReadParts {
  component: string;
  parts: PartRef[];
  isMainPart: boolean;
  /** CAR21 assembly the record or fault is on (engine, transmission, power_battery, drive_motor). */
  assembly?: string;
  /** CAR21 system or assembly of the component (steering_system for 转向机 …). */
  system?: string;
  /** The component was read by a word it contains (发动机舱盖 ∋ 发动机): where it sits, not what it is. */
  componentReadAs?: boolean;
}

type Sink = { warnings: Warning[] };

function note(sink: Sink, code: string, zh: string, en: string): void {
  if (!sink.warnings.some((w) => w.code === code && w.en === en))
    sink.warnings.push({ code, zh, en });
}

/** The id a name has in a category's vocabulary, or its normalised form (policy lists, keys). */
export function resolveName(category: string, name: string): string {
  const r = resolvePart(category, name);
  // A name read only by a word it contains (曲轴位置传感器 ∋ 曲轴) keeps its own name: listing it
  // does not list the part it contains.
  return r && r.match !== 'contains' ? r.entry.id : normalizeName(name);
}

function read(
  category: string,
  raw: string,
  mainSet: readonly string[],
  sink: Sink,
): Resolved | undefined {
  const r = resolvePart(category, raw);
  if (r && r.match === 'contains' && !mainSet.includes(normalizeName(raw)))
    note(
      sink,
      'part_read_as',
      `“${raw}”含“${r.entry.zh}”一词：按${r.entry.zh}所在部位读取，但不计为主要零部件（可注明 isMainPart 或提供三包凭证清单）`,
      `"${raw}" contains the word for ${r.entry.en}: read as sitting there, not counted as a main part (give isMainPart or the certificate's list)`,
    );
  if (!r && hasVocabulary(category) && !mainSet.includes(normalizeName(raw)))
    note(
      sink,
      'unknown_part',
      `“${raw}”不在${category}的零部件词表中，也不在三包凭证主要零部件清单中：未计为主要零部件；请注明 isMainPart 或提供三包凭证清单（policy.mainParts）`,
      `"${raw}" is in neither the ${category} vocabulary table nor the 三包凭证's main-part list: not counted as a main part; give isMainPart or the certificate's list (policy.mainParts)`,
    );
  return r;
}

/**
 * A replaced part read by a word its name contains (发动机支架 ∋ 发动机, 曲轴位置传感器 ∋ 曲轴): it
 * sits in that assembly or system, and is neither the assembly (CAR21 Art. 24 ¶1(2)) nor that
 * main part (¶1(3)). Only the record's isMainPart or the 三包凭证's list, by its own name, makes
 * it a main part.
 */
function sittingIn(
  hit: Resolved,
  raw: string,
  isMainPart: boolean | undefined,
  mainSet: readonly string[],
): PartRef {
  const id = normalizeName(raw);
  const e = hit.entry;
  const system = e.system ?? (e.role === 'assembly' || e.role === 'system' ? e.id : undefined);
  return {
    raw,
    id,
    role: 'part',
    ...(system ? { system } : {}),
    known: true,
    main: isMainPart ?? mainSet.includes(id),
  };
}

/** Component, parts and main-part membership of one record or fault. */
export function partsOf(
  category: string,
  r: {
    component?: string | undefined;
    partsReplaced?: ReadonlyArray<string | { name: string }>;
    isMainPart?: boolean | undefined;
  },
  mainSet: readonly string[],
  sink: Sink,
): ReadParts {
  const parts: PartRef[] = (r.partsReplaced ?? []).map((p) => {
    const raw = typeof p === 'string' ? p : p.name;
    const hit = read(category, raw, mainSet, sink);
    if (hit?.match === 'contains') return sittingIn(hit, raw, r.isMainPart, mainSet);
    const id = hit?.entry.id ?? normalizeName(raw);
    const role = hit?.entry.role;
    return {
      raw,
      id,
      ...(role ? { role } : {}),
      ...(hit?.entry.system ? { system: hit.entry.system } : {}),
      known: hit !== undefined || mainSet.includes(id),
      // Assemblies are counted apart from their main parts (CAR21 Art. 24 ¶2).
      main:
        role === 'assembly' || role === 'system' ? false : (r.isMainPart ?? mainSet.includes(id)),
    };
  });
  const c = r.component ? read(category, r.component, mainSet, sink) : undefined;
  let component = c?.entry.id ?? r.component?.trim();
  const first = parts[0];
  if (!component && first) component = first.system ?? first.id;
  if (!component) {
    note(
      sink,
      'no_component',
      '记录未注明部件，也无更换零件可推断',
      'a record names no component and no replaced part to infer it from',
    );
    component = 'unspecified';
  }
  if (category === 'mobile_phone' && c === undefined && r.component && component !== 'host')
    component = 'host'; // anything that is not a listed accessory belongs to the host (PHONE 附录1)
  const compMain =
    c?.match !== 'contains' &&
    (mainSet.includes(component) || mainSet.includes(normalizeName(component)));
  const assemblyOf = (x: { role?: PartRole; id: string; system?: string } | undefined) =>
    x?.role === 'assembly'
      ? x.id
      : x?.system && ASSEMBLIES.includes(x.system)
        ? x.system
        : undefined;
  const cRef = c
    ? { role: c.entry.role, id: c.entry.id, ...(c.entry.system ? { system: c.entry.system } : {}) }
    : undefined;
  const assembly = assemblyOf(cRef) ?? parts.map(assemblyOf).find((x) => x !== undefined);
  const system =
    c?.entry.system ??
    (c && (c.entry.role === 'system' || c.entry.role === 'assembly') ? c.entry.id : undefined);
  return {
    component,
    ...(c?.match === 'contains' ? { componentReadAs: true } : {}),
    parts,
    isMainPart: r.isMainPart ?? (parts.some((p) => p.main) || compMain),
    ...(assembly ? { assembly } : {}),
    ...(system ? { system } : {}),
  };
}

/**
 * CAR21 Arts. 20 and 22: a repair's replaced parts say the assembly or one of its 主要零部件 needs
 * replacement. A part of the assembly no main-part list holds (阀体, 电磁阀) does not.
 */
export function replacesAssemblyOrMainPart(r: ReadParts): boolean {
  return r.parts.some(
    (p) => p.role === 'assembly' || (p.main && (p.system ?? r.assembly) === r.assembly),
  );
}

/**
 * CAR21 Arts. 20 and 22 for a fault said to need replacement: what must be replaced is the
 * assembly or one of its 主要零部件. A named part no main-part list holds (火花塞, a wear part), or
 * a component read only by a word it contains (发动机舱盖), does not qualify, and a warning says so.
 * No part named: the assembly itself.
 */
export function replacementQualifies(
  wanted: boolean | undefined,
  component: string | undefined,
  r: ReadParts,
  sink: Sink,
): boolean {
  if (!wanted) return false;
  const named = r.parts[0];
  if (named ? named.role === 'assembly' || r.isMainPart : !r.componentReadAs) return true;
  const what = named?.raw ?? component ?? '';
  if (r.assembly)
    note(
      sink,
      'replaced_part_not_main',
      `需更换的“${what}”不是发动机、变速器、动力蓄电池、行驶驱动电机或其主要零部件：不适用汽车三包第二十条、第二十二条`,
      `"${what}" to be replaced is neither the engine, transmission, power battery, drive motor nor one of their main parts: CAR21 Arts. 20 and 22 do not apply`,
    );
  return false;
}

/** CAR21 Art. 20, 22, 24 ¶1(2): the four assemblies. */
export const ASSEMBLIES: readonly string[] = [
  'engine',
  'transmission',
  'power_battery',
  'drive_motor',
];
