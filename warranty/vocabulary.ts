import { CAR } from './vocabulary-car.ts';
import type { PartRole, VocabEntry } from './vocabulary-entry.ts';
import {
  AIR_CONDITIONER,
  MICROCOMPUTER,
  MOBILE_PHONE,
  RANGE_HOOD,
  REFRIGERATOR,
  TV,
  WASHING_MACHINE,
  WATER_HEATER_GAS,
} from './vocabulary-goods.ts';

/**
 * The words repair records use for parts, as data (issue 20, class 3). A 维修工单 names parts in
 * Chinese (发动机总成, 变速箱, 压缩机, 主板, 显示屏 …) or in the engine's snake_case ids; each
 * table maps every synonym to one id with its role:
 *
 * - `assembly`: CAR21 engine, transmission, power battery, drive motor (Art. 20, 22, 24 ¶1(2));
 *   a replaced assembly is the whole assembly (发动机总成), counted apart from its main parts
 *   (Art. 24 ¶2);
 * - `system`: the CAR21 Art. 24 ¶1(3) systems (转向系统, 制动系统 …);
 * - `main_part`: a main part of its `system` (cars: GB/T 29632 via the 三包凭证, CAR21 Art. 41 and
 *   Art. 9(6); goods: the catalogue row). Whether it counts as a main part is still decided by the
 *   policy's list (a maker's 三包凭证 may list more), the table only names it;
 * - `part`: a known part that no catalogue lists as a main part (a TV's 主板, a phone's 屏幕 as
 *   part of the host …);
 * - `host` / `accessory`: PHONE host and 附录1 accessories.
 *
 * A name no table knows is never silently "not a main part": the engine warns (case-context.ts).
 * Sources: docs/sanbao-rules.md §1.7 (car lists [S]), §2.2 (catalogue rows), §3 (phone), §4 (PC).
 */
export type { PartRole, VocabEntry } from './vocabulary-entry.ts';

/** The tables per category. Categories under 消法 Art. 24 have no main-part rule: no table. */
export const VOCABULARY: Readonly<Record<string, readonly VocabEntry[]>> = {
  household_car: CAR,
  tv: TV,
  air_conditioner: AIR_CONDITIONER,
  refrigerator: REFRIGERATOR,
  washing_machine: WASHING_MACHINE,
  water_heater_gas: WATER_HEATER_GAS,
  range_hood: RANGE_HOOD,
  mobile_phone: MOBILE_PHONE,
  microcomputer: MICROCOMPUTER,
};

/** Lower case, no spaces, hyphens or brackets: "Engine Assembly" ≡ "engine_assembly" ≡ "engineassembly". */
export function normalizeName(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-()（）【】[\]"'“”]/g, '');
}

interface Index {
  exact: Map<string, VocabEntry>;
  /** [normalized synonym, entry], longest first, for names that contain a known word. */
  words: Array<[string, VocabEntry]>;
}
const indexes = new Map<string, Index>();

function indexFor(category: string): Index | undefined {
  const table = VOCABULARY[category];
  if (!table) return undefined;
  let ix = indexes.get(category);
  if (!ix) {
    const exact = new Map<string, VocabEntry>();
    const words: Array<[string, VocabEntry]> = [];
    for (const v of table)
      for (const s of [v.id, v.zh, v.en, ...v.synonyms]) {
        const n = normalizeName(s);
        if (!exact.has(n)) exact.set(n, v);
        if ([...n].length >= 2) words.push([n, v]);
      }
    words.sort((a, b) => b[0].length - a[0].length);
    ix = { exact, words };
    indexes.set(category, ix);
  }
  return ix;
}

/** How a name was recognised: exactly, after dropping 更换/总成-style affixes, or by a word it contains. */
export interface Resolved {
  entry: VocabEntry;
  match: 'exact' | 'affix' | 'contains';
}

const SPECIFIC: Record<PartRole, number> = {
  main_part: 0,
  part: 1,
  accessory: 1,
  host: 2,
  assembly: 3,
  system: 4,
};

/**
 * The table entry for a part or component name of `category`, or undefined when no table knows
 * it. A name that only contains a known word ("左前减震器") resolves to the most specific word it
 * contains, and says so (`match: 'contains'`), so the caller can show how it was read.
 */
export function resolvePart(category: string, name: string): Resolved | undefined {
  const ix = indexFor(category);
  if (!ix) return undefined;
  const n = normalizeName(name);
  const hit = ix.exact.get(n);
  if (hit) return { entry: hit, match: 'exact' };
  // Position words and 更换/总成-style affixes do not change the part: 左前减震器 is a 减震器.
  const bare = n.replace(AFFIX_START, '').replace(AFFIX_END, '');
  const affix = ix.exact.get(bare);
  if (affix && bare !== n) return { entry: affix, match: 'affix' };
  // A Chinese name containing a known word (车门把手 ∋ 车门) says where the part sits, not that it
  // is that part: the caller shows the reading and does not count it as a main part.
  if (!/[\u4e00-\u9fff]/.test(n)) return undefined;
  const found = ix.words
    .filter(([w]) => /[\u4e00-\u9fff]/.test(w) && n.includes(w))
    .map(([, v]) => v);
  if (found.length === 0) return undefined;
  found.sort((a, b) => SPECIFIC[a.role] - SPECIFIC[b.role]);
  return { entry: found[0] as VocabEntry, match: 'contains' };
}

const AFFIX_START = /^(更换|换新|换|新|(左|右)?(前|后)?(左|右)?(上|下)?(内|外)?(侧)?)+/;
const AFFIX_END = /(总成|组件|部件|assembly|assy)$/;

/** Whether the category has a vocabulary table (消法 Art. 24 categories have none). */
export const hasVocabulary = (category: string): boolean => VOCABULARY[category] !== undefined;

/** Display names of an id in a category (the id itself when unknown). */
export function partName(category: string, id: string): { zh: string; en: string } {
  const v = VOCABULARY[category]?.find((x) => x.id === id);
  return v ? { zh: v.zh, en: v.en } : { zh: id, en: id };
}
