import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppErrors, withDetails } from './errors.ts';

/**
 * Text at the HTTP boundary (issue 24, finding 7). Every string a request carries — path
 * parameters, query values, body fields and body keys, at any depth — is checked before the
 * route's schema sees it, so no route can forget it and no such value reaches a store:
 * - refused (400 APP_ERR_VALIDATION naming the field and the character, never stripped): NUL
 *   and the other C0 control characters except tab, line feed and carriage return; DEL and the
 *   C1 controls (U+007F–U+009F); the noncharacters U+FFFE and U+FFFF; lone UTF-16 surrogates
 *   (JSON can spell them as `\ud800`: they are not text and no database stores them);
 * - refused: a single string longer than {@link MAX_STRING_LENGTH} characters (routes whose
 *   body is one document, such as a CSV import, raise it with `config.maxStringLength`);
 * - a JSON body that is not valid UTF-8 is refused (400), not decoded with U+FFFD in place of
 *   the bad bytes.
 */
export const MAX_STRING_LENGTH = 65_536;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Longest single string this route accepts (default MAX_STRING_LENGTH). */
    maxStringLength?: number;
  }
}

// Matching control characters is the point of this expression.
// eslint-disable-next-line no-control-regex
const REFUSED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const NAMES: Record<number, string> = {
  0: 'NUL',
  0x7f: 'DEL',
  0xfffe: 'a noncharacter',
  0xffff: 'a noncharacter',
};

const hex = (c: number) => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why a string is refused, or undefined when it is acceptable text. */
export function textProblem(s: string, max = MAX_STRING_LENGTH): string | undefined {
  if (s.length > max) return `longer than ${max} characters (${s.length})`;
  const m = REFUSED.exec(s);
  if (m) {
    const c = m[0].charCodeAt(0);
    const name = NAMES[c] ?? 'a control character';
    return `contains ${hex(c)} (${name}) at character ${m.index}: control characters other than tab, line feed and carriage return are refused, not stripped`;
  }
  const lone = LONE_SURROGATE.exec(s);
  if (lone)
    return `contains a lone UTF-16 surrogate (${hex(lone[0].charCodeAt(0))}) at character ${lone.index}: not valid Unicode text`;
  return undefined;
}

/** Every refused string in `value` (keys too), as `{ path, message }`, the first few. */
export function findBadText(
  value: unknown,
  path: string,
  max = MAX_STRING_LENGTH,
  out: Array<{ path: string; message: string }> = [],
): Array<{ path: string; message: string }> {
  if (out.length >= 10) return out;
  if (typeof value === 'string') {
    const p = textProblem(value, max);
    if (p) out.push({ path, message: p });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => findBadText(v, `${path}[${i}]`, max, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const keyProblem = textProblem(k, 1024);
      if (keyProblem)
        out.push({ path: `${path} key ${JSON.stringify(k.slice(0, 40))}`, message: keyProblem });
      else findBadText(v, `${path}.${k}`, max, out);
    }
  }
  return out;
}

function refuse(problems: Array<{ path: string; message: string }>): Error {
  return withDetails(
    new AppErrors.Validation(problems.map((p) => `${p.path}: ${p.message}`).join('; ')),
    problems,
  );
}

/** Decodes UTF-8 strictly: a request body with invalid bytes is refused, not repaired. */
export function strictUtf8(buf: Buffer, what = 'body'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw refuse([{ path: what, message: 'not valid UTF-8' }]);
  }
}

/**
 * Query values whose percent-encoding is not UTF-8 (`%ED%A0%80`, `%FF`): the query parser keeps
 * them undecoded, as if the client had meant the literal text; they are refused instead.
 */
function badQueryEncoding(url: string): Array<{ path: string; message: string }> {
  const q = url.indexOf('?');
  if (q < 0) return [];
  const out: Array<{ path: string; message: string }> = [];
  for (const pair of url.slice(q + 1).split('&')) {
    const [name = '', value = ''] = pair.split('=', 2);
    for (const part of [name, value]) {
      try {
        decodeURIComponent(part.replace(/\+/g, ' '));
      } catch {
        out.push({
          path: `querystring.${name}`,
          message: 'not valid UTF-8 percent-encoding',
        });
        break;
      }
    }
  }
  return out;
}

function checkRequest(req: FastifyRequest): void {
  const max = req.routeOptions.config?.maxStringLength ?? MAX_STRING_LENGTH;
  const problems = [
    ...badQueryEncoding(req.url),
    ...findBadText(req.params, 'params', max),
    ...findBadText(req.query, 'querystring', max),
    ...findBadText(req.body, 'body', max),
  ];
  if (problems.length) throw refuse(problems);
}

/**
 * Installs the text checks on `app` (and every plugin registered after): a strict UTF-8 JSON
 * parser, and a preValidation hook over params, query and body.
 */
export function installInputGuards(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = strictUtf8(body as Buffer);
    } catch (err) {
      return done(err as Error, undefined);
    }
    json(req, text, done);
  });
  app.addHook('preValidation', async (req) => checkRequest(req));
}
