import { isUtf8 } from 'node:buffer';

/**
 * Text a device may send: what every store can hold as it came. Refused, not stripped: a
 * payload altered on the way in is no longer what the device said (evidence for a 三包 claim),
 * and the device learns why on devices/{id}/errors, so its maker can fix the firmware.
 *
 * - The payload must be UTF-8, as JSON exchanged between systems must be (RFC 8259 §8.1).
 *   Decoding it anyway would turn each bad byte into U+FFFD silently.
 * - No string (value or key) may hold U+0000: PostgreSQL's text cannot (SQLSTATE 22021), and a
 *   store that refuses it refuses the whole write it came in.
 * - No lone surrogate (`"\ud800"`): not a Unicode scalar value, it has no UTF-8 form, and the
 *   database drivers replace it with U+FFFD, silently again.
 */

/** Where a payload's text is invalid, and why; undefined when all of it is valid. */
export interface TextProblem {
  path: string;
  message: string;
}

/** U+0000, or a surrogate that is not half of a pair (the regex works on UTF-16 code units). */
// eslint-disable-next-line no-control-regex -- finding U+0000 is the point
const INVALID = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A problem with the raw bytes: not UTF-8. */
export function checkUtf8(payload: Uint8Array): TextProblem | undefined {
  if (isUtf8(payload)) return undefined;
  return {
    path: '',
    message: 'payload is not valid UTF-8 (JSON must be UTF-8, RFC 8259 §8.1)',
  };
}

/**
 * The first string or key of parsed JSON holding U+0000 or a lone surrogate. `text` is the JSON
 * the value was parsed from: both can only be written as `\u` escapes in valid UTF-8 JSON, so a
 * text without one is valid and is not walked (the common case costs one indexOf).
 */
export function findInvalidText(text: string, value: unknown): TextProblem | undefined {
  if (!text.includes('\\u')) return undefined;
  return walk(value, '');
}

function walk(v: unknown, path: string): TextProblem | undefined {
  if (typeof v === 'string') return INVALID.test(v) ? problem(path, v) : undefined;
  if (typeof v !== 'object' || v === null) return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = walk(v[i], `${path}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  for (const [k, x] of Object.entries(v)) {
    const at = path ? `${path}.${printable(k)}` : printable(k);
    if (INVALID.test(k)) return problem(at, k, 'key');
    const p = walk(x, at);
    if (p) return p;
  }
  return undefined;
}

function problem(path: string, s: string, what = 'text'): TextProblem {
  const m = INVALID.exec(s)!;
  const unit = m[0].charCodeAt(0);
  const why =
    unit === 0
      ? 'holds U+0000 (NUL), which text cannot hold'
      : `holds a lone surrogate \\u${unit.toString(16).padStart(4, '0')}, which is not a character`;
  return { path, message: `${what} ${why}` };
}

/** A key as a device can read it in a path: invalid code units written as `\uXXXX`. */
function printable(k: string): string {
  return k.replace(
    new RegExp(INVALID.source, 'g'),
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
