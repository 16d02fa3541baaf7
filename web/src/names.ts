import type { Alert } from './api-types.ts';
import { getJson, pick } from './common.ts';

/**
 * Failure modes, components and parts in the page's language (issue 19). Alerts carry their
 * names in both languages (`names`; null for alerts stored before, which then show what they
 * have); identifiers in health reports, repair records and fleet tables are named from
 * `GET /api/v1/diagnostics/names`, fetched once per page (public: the owner page has no token).
 */
type Text = { zh: string; en: string };
interface Names {
  components: Record<string, Text>;
  modes: Record<string, Record<string, Text>>;
  parts: Record<string, Text>;
}

let names: Names = { components: {}, modes: {}, parts: {} };
let loading: Promise<void> | undefined;

/** Fetches the names once; pages render again when it resolves. Failures leave identifiers. */
export function loadNames(): Promise<void> {
  loading ??= getJson<Names>('/api/v1/diagnostics/names').then(
    (n) => {
      names = n;
    },
    () => undefined,
  );
  return loading;
}

/** A mode of a category by id, in the page's language (the id until the names are in). */
export function modeLabel(category: string, modeId: string): string {
  const n = names.modes[category]?.[modeId];
  return n ? pick(n) : modeId;
}

/** A component by id, in the page's language. */
export function componentLabel(id: string): string {
  const n = names.components[id];
  return n ? pick(n) : id;
}

/** A part by the (English) identifier repair orders carry, in the page's language. */
export function partLabel(id: string): string {
  const n = names.parts[id];
  return n ? pick(n) : id;
}

/** The alert's failure mode in the page's language. */
export const alertMode = (a: Alert): string =>
  a.names
    ? pick(a.names.mode)
    : modeLabel(a.category, a.modeId) === a.modeId
      ? a.modeName
      : modeLabel(a.category, a.modeId);

/** The alert's component in the page's language. */
export const alertComponent = (a: Alert): string =>
  a.names ? pick(a.names.component) : componentLabel(a.component);

/** The parts to bring, in the page's language. */
export const alertParts = (a: Alert): string[] => (a.names ? a.names.parts.map(pick) : a.parts);
