import { parseArgs } from 'node:util';
import { z } from 'zod';
import { zodIssues } from '../core/index.ts';
import { buildMakerPolicy, checkMakerPolicy, MakerPolicySchema } from './maker-policy.ts';
import { baselineFor, isMakerOnlyCategory } from './policies/index.ts';

/**
 * `sanbao warranty policy …`: a maker's own policy from a JSON file (the body of
 * `POST /api/v1/warranty/policies`). `check` works offline (the national baselines ship with the
 * code); `save`, `list` and `show` talk to a running service with a token, like `sanbao report`.
 */
export interface PolicyCliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readFile: (p: string) => Promise<string>;
  env: NodeJS.ProcessEnv;
}

export const POLICY_USAGE = `usage: sanbao warranty policy <command> [options]
  check FILE                     validate a maker's policy and check it against the national
                                 baseline in force from its effective date (offline); prints the
                                 policy units would be evaluated under
  save FILE                      save it as a new version (a manufacturer or admin token)
  list [--manufacturer M] [--category C] [--model X]
                                 saved versions (a confined manufacturer token: its own only)
  show MANUFACTURER CATEGORY MODEL [--date YYYY-MM-DD]
                                 one model's versions and the one in force on the date
  --api URL      the service (default http://127.0.0.1:8080, or SANBAO_API)
  --token TOKEN  a bearer token (default SANBAO_TOKEN)
exit codes: 0 done, 1 the service cannot be reached or failed, 2 bad usage, file or fields, or a
policy refused (weaker than the baseline, version conflict, another maker's)`;

const ServiceSchema = z.object({
  api: z.url().default('http://127.0.0.1:8080'),
  token: z.string().min(16, 'a bearer token (--token or SANBAO_TOKEN)'),
});

/** `sanbao warranty policy …`: returns the exit code. */
export async function policyCli(argv: string[], io: PolicyCliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        manufacturer: { type: 'string' },
        category: { type: 'string' },
        model: { type: 'string' },
        date: { type: 'string' },
        api: { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr(`sanbao warranty policy: ${(err as Error).message}\n\n${POLICY_USAGE}\n`);
    return 2;
  }
  const [cmd, ...pos] = parsed.positionals;
  const v = parsed.values;
  if (v.help || cmd === undefined) {
    io.stdout(`${POLICY_USAGE}\n`);
    return v.help ? 0 : 2;
  }
  const arity: Record<string, number> = { check: 1, save: 1, list: 0, show: 3 };
  if (arity[cmd] === undefined || pos.length !== arity[cmd]) {
    io.stderr(`sanbao warranty policy: bad usage of "${cmd}"\n\n${POLICY_USAGE}\n`);
    return 2;
  }
  if (cmd === 'check' || cmd === 'save') {
    const file = pos[0] as string;
    const doc = await readPolicy(file, io);
    if (doc === undefined) return 2;
    if (cmd === 'check') return check(file, doc, io);
  }
  const svc = ServiceSchema.safeParse({
    api: v.api ?? io.env.SANBAO_API ?? undefined,
    token: v.token ?? io.env.SANBAO_TOKEN ?? '',
  });
  if (!svc.success) {
    for (const i of zodIssues(svc.error.issues))
      io.stderr(`sanbao warranty policy: ${i.path}: ${i.message}\n`);
    return 2;
  }
  const base = `${svc.data.api.replace(/\/$/, '')}/api/v1/warranty/policies`;
  const q = (o: Record<string, string | undefined>) => {
    const s = new URLSearchParams(
      Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined),
    ).toString();
    return s ? `?${s}` : '';
  };
  if (cmd === 'save') {
    const body = await io.readFile(pos[0] as string);
    return call(io, svc.data.token, 'POST', base, body);
  }
  if (cmd === 'list')
    return call(
      io,
      svc.data.token,
      'GET',
      `${base}${q({ manufacturer: v.manufacturer, category: v.category, model: v.model })}`,
    );
  const path = pos.map((p) => encodeURIComponent(p)).join('/');
  return call(io, svc.data.token, 'GET', `${base}/${path}${q({ date: v.date })}`);
}

/** The file's document, or undefined after printing each problem (file, JSON, field). */
async function readPolicy(file: string, io: PolicyCliIo) {
  let raw: string;
  try {
    raw = await io.readFile(file);
  } catch (err) {
    io.stderr(`cannot read ${file}: ${(err as Error).message}\n`);
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    io.stderr(`${file} is not valid JSON: ${(err as Error).message}\n`);
    return undefined;
  }
  const r = MakerPolicySchema.safeParse(json);
  if (r.success) return r.data;
  for (const d of zodIssues(r.error.issues))
    io.stderr(`${file}: ${d.path || '(root)'}: ${d.message}\n`);
  return undefined;
}

function check(file: string, doc: z.infer<typeof MakerPolicySchema>, io: PolicyCliIo): number {
  try {
    checkMakerPolicy(doc);
  } catch (err) {
    const e = err as Error & { code?: string; details?: Array<{ path: string; message: string }> };
    if (typeof e.code !== 'string' || !e.code.startsWith('WARRANTY_ERR_')) throw err;
    io.stderr(`${file}: ${e.code}\n`);
    for (const d of e.details ?? [{ path: '(policy)', message: e.message }])
      io.stderr(`${file}: ${d.path}: ${d.message}\n`);
    return 2;
  }
  const base = isMakerOnlyCategory(doc.category)
    ? undefined
    : baselineFor(doc.category, doc.effectiveFrom);
  io.stdout(`${JSON.stringify(buildMakerPolicy(doc, base), null, 2)}\n`);
  io.stderr(
    base
      ? `${file}: no weaker than ${base.id}@${base.version} (${base.title})\n`
      : `${file}: ${doc.category} has no national rules: the maker's terms are the whole policy\n`,
  );
  return 0;
}

/** Calls the service and prints the answer; 2 when it refused the request, 1 when it failed. */
async function call(
  io: PolicyCliIo,
  token: string,
  method: 'GET' | 'POST',
  url: string,
  body?: string,
): Promise<number> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body }),
    });
  } catch (err) {
    io.stderr(
      `sanbao warranty policy: cannot reach ${new URL(url).origin}: ${(err as Error).message}\n`,
    );
    return 1;
  }
  const text = await res.text();
  if (res.ok) {
    io.stdout(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  }
  let e: { error?: string; message?: string; details?: Array<{ path?: string; message?: string }> };
  try {
    e = JSON.parse(text);
  } catch {
    e = { message: text };
  }
  io.stderr(
    `sanbao warranty policy: the service answered ${res.status}: ${e.error ?? ''} ${e.message ?? ''}\n`,
  );
  for (const d of Array.isArray(e.details) ? e.details : [])
    if (d.path) io.stderr(`  ${d.path}: ${d.message ?? ''}\n`);
  return res.status >= 500 ? 1 : 2;
}
