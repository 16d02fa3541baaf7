import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { PROFILES } from '../profiles/index.ts';
import { composeCatalog, type ModelLoader } from './compose.ts';
import { documentKey, KindSchema } from './documents.ts';
import { describeIssues, formatPath, parseCatalogText, type DocumentIssue } from './parse.ts';
import { createRulStream, parseRulModel } from '../models/learner.ts';

/**
 * `sanbao diagnostics …`: the diagnostics catalogue from the command line. `check` validates a
 * data file offline against the built-in profiles; `upload`, `upload-model` and `rollback`
 * talk to a running service's API (which checks again against everything in force).
 */
export interface DiagnosticsCliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

export const DIAGNOSTICS_USAGE = `usage: sanbao diagnostics <command> [options]
  check FILE                 validate a data file (YAML or JSON) against the built-in profiles
  upload FILE [--note TEXT]  upload a data file: profile, fault-codes, calibration, references
  upload-model --artefact MODEL.json --category C --mode M --map SENSOR=METRIC[,…]
               --time-unit 1h [--model M] [--condition NAME] [--alert-within N] [--note TEXT]
                             bind a model saved by \`sanbao diagnose replay --save\` to a mode
  rollback --kind KIND --key KEY --reason TEXT [--to N|none]
                             put an earlier version (default: the one before) back in force
  --api URL    the service (default http://127.0.0.1:8080, or SANBAO_API)
  --token T    an admin or manufacturer token (default SANBAO_TOKEN, then ADMIN_TOKEN)
exit codes: 0 done, 1 the service refused or failed, 2 bad usage or an invalid file (each
problem as FILE:LINE: field: reason)`;

const Common = z.object({
  api: z.url().default('http://127.0.0.1:8080'),
  token: z.string().min(16, 'a bearer token (--token, SANBAO_TOKEN or ADMIN_TOKEN)'),
});

/** Entry point of `sanbao diagnostics …` (dispatched by app/cli.ts). */
export async function diagnosticsCli(argv: string[], io: DiagnosticsCliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        api: { type: 'string' },
        token: { type: 'string' },
        note: { type: 'string' },
        artefact: { type: 'string' },
        category: { type: 'string' },
        model: { type: 'string' },
        mode: { type: 'string' },
        map: { type: 'string' },
        'time-unit': { type: 'string' },
        condition: { type: 'string' },
        'alert-within': { type: 'string' },
        kind: { type: 'string' },
        key: { type: 'string' },
        to: { type: 'string' },
        reason: { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    io.stderr(`sanbao diagnostics: ${(err as Error).message}\n\n${DIAGNOSTICS_USAGE}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  if (v.help || cmd === 'help' || cmd === '--help') {
    io.stdout(DIAGNOSTICS_USAGE);
    return 0;
  }
  const usage = (msg: string) => {
    io.stderr(`sanbao diagnostics ${cmd ?? ''}: ${msg}\n\n${DIAGNOSTICS_USAGE}`);
    return 2;
  };
  const readText = async (file: string | undefined, what: string) => {
    if (!file) throw new UsageError(`missing ${what}`);
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(
        `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  };
  const connection = () => {
    const c = Common.safeParse({
      api: v.api ?? io.env.SANBAO_API,
      token: v.token ?? io.env.SANBAO_TOKEN ?? io.env.ADMIN_TOKEN ?? '',
    });
    if (!c.success)
      throw new UsageError(
        c.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '),
      );
    return c.data;
  };
  try {
    switch (cmd) {
      case 'check': {
        const file = positionals[0];
        const issues = checkOffline(await readText(file, 'FILE'));
        if (issues.length) {
          io.stderr(describeIssues(issues, file));
          return 2;
        }
        io.stdout(`${file}: valid`);
        return 0;
      }
      case 'upload': {
        const file = positionals[0];
        const text = await readText(file, 'FILE');
        const c = connection();
        return report(
          io,
          file!,
          await call(c, 'POST', '/api/v1/diagnostics/data', text, 'application/yaml'),
          (b) =>
            `${b.kind} ${b.key}: version ${b.version} in force (before: ${b.replaced ?? 'none'})`,
        );
      }
      case 'upload-model': {
        const text = await readText(v.artefact, '--artefact MODEL.json');
        let artefact: unknown;
        try {
          artefact = JSON.parse(text);
        } catch (err) {
          return usage(`--artefact ${v.artefact}: not JSON (${(err as Error).message})`);
        }
        if (!v.category || !v.mode || !v.map || !v['time-unit'])
          return usage('needs --category, --mode, --map and --time-unit');
        const mapping: Record<string, string> = {};
        for (const pair of v.map.split(',')) {
          const [sensor, metric] = pair.split('=').map((s) => s.trim());
          if (!sensor || !metric) return usage(`--map: "${pair}" is not SENSOR=METRIC`);
          mapping[sensor] = metric;
        }
        const alertWithin = v['alert-within'] === undefined ? undefined : Number(v['alert-within']);
        if (alertWithin !== undefined && !(alertWithin > 0))
          return usage('--alert-within: a positive number');
        const c = connection();
        const body = {
          category: v.category,
          mode: v.mode,
          mapping,
          timeUnit: /^\d+(\.\d+)?$/.test(v['time-unit']) ? Number(v['time-unit']) : v['time-unit'],
          artefact,
          ...(v.model ? { model: v.model } : {}),
          ...(v.condition ? { condition: v.condition } : {}),
          ...(alertWithin !== undefined ? { alertWithin } : {}),
          ...(v.note ? { note: v.note } : {}),
        };
        return report(
          io,
          v.artefact!,
          await call(
            c,
            'POST',
            '/api/v1/diagnostics/models',
            JSON.stringify(body),
            'application/json',
          ),
          (b) =>
            `model ${(b.summary as { artefactId?: string }).artefactId} for ${b.key}: version ${b.version} in force`,
        );
      }
      case 'rollback': {
        const kind = KindSchema.safeParse(v.kind);
        if (!kind.success) return usage(`--kind: one of ${KindSchema.options.join(', ')}`);
        if (!v.key) return usage('missing --key');
        if (!v.reason) return usage('missing --reason (the audit log keeps it)');
        const to = v.to === undefined ? undefined : v.to === 'none' ? null : Number(v.to);
        if (to !== undefined && to !== null && !(Number.isInteger(to) && to > 0))
          return usage('--to: a version number or none');
        const c = connection();
        const body = JSON.stringify({
          kind: kind.data,
          key: v.key,
          reason: v.reason,
          ...(to !== undefined ? { toVersion: to } : {}),
        });
        return report(
          io,
          `${kind.data} ${v.key}`,
          await call(c, 'POST', '/api/v1/diagnostics/data/rollback', body, 'application/json'),
          (b) => `${b.kind} ${b.key}: version ${b.from ?? 'none'} → ${b.to ?? 'none (built-in)'}`,
        );
      }
      default:
        return usage(cmd === undefined ? 'missing command' : `unknown command "${cmd}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message);
    io.stderr(`sanbao diagnostics ${cmd}: ${(err as Error).message}`);
    return 1;
  }
}

class UsageError extends Error {}

/** Parses and composes a data file with the built-in profiles: what can be known offline. */
export function checkOffline(text: string): DocumentIssue[] {
  const parsed = parseCatalogText(text);
  if (!parsed.ok) return parsed.issues;
  const doc = parsed.doc;
  const key = documentKey(doc);
  const models: ModelLoader = {
    load: (a) => {
      const artefact = parseRulModel(a.doc.artefact);
      return { artefact, stream: createRulStream(artefact) };
    },
  };
  const trial = composeCatalog(PROFILES, [{ kind: doc.kind, key, version: 1, doc }], models);
  return trial.problems(doc.category, doc.model ?? '*').map((p) => {
    const line = parsed.locate?.(p.path);
    return {
      path: formatPath(p.path),
      message: p.message,
      ...(line !== undefined ? { line } : {}),
    };
  });
}

type Body = Record<string, unknown>;

async function call(
  c: z.infer<typeof Common>,
  method: string,
  path: string,
  body: string,
  type: string,
): Promise<{ status: number; body: Body }> {
  const res = await fetch(new URL(path, c.api), {
    method,
    headers: { authorization: `Bearer ${c.token}`, 'content-type': type },
    body,
  });
  const text = await res.text();
  let parsed: Body = {};
  try {
    parsed = text ? (JSON.parse(text) as Body) : {};
  } catch {
    parsed = { message: text };
  }
  return { status: res.status, body: parsed };
}

function report(
  io: DiagnosticsCliIo,
  file: string,
  r: { status: number; body: Body },
  ok: (b: Body) => string,
): number {
  if (r.status < 300) {
    io.stdout(ok(r.body));
    return 0;
  }
  const details = r.body.details;
  if (r.status === 400 && Array.isArray(details)) {
    io.stderr(describeIssues(details as DocumentIssue[], file));
    return 2;
  }
  io.stderr(`${file}: ${String(r.body.error ?? r.status)}: ${String(r.body.message ?? '')}`);
  return 1;
}
