import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { zodIssues } from '../core/index.ts';
import { REPORT_KINDS } from './reports.ts';

/**
 * `sanbao report …`: downloads a report from a running service's API (so it works the same on
 * PGlite, whose data folder only the service may open, and on PostgreSQL) and writes it to a
 * file, atomically: a failed download leaves no half-written ledger behind.
 */
export interface ReportCliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

export const REPORT_USAGE = `usage: sanbao report <kind> --out FILE [options]
  kind: outlets | problems | rectifications | ledgers (the three, XLSX only) | quarterly
  --out FILE          where to write (the format follows the extension unless --format is given)
  --quarter 2026Q3    the period (default: the current quarter), or --from DATE --to DATE
  --format csv|xlsx|json
  --lang zh|en        column headers (default zh)
  --category ID       one product category
  --manufacturer NAME one manufacturer (a manufacturer token always sees only its own)
  --api URL           the service (default http://127.0.0.1:8080, or SANBAO_API)
  --token TOKEN       a manufacturer or admin token (default SANBAO_TOKEN)
exit codes: 0 written, 1 the service refused or failed, 2 bad usage`;

const ArgsSchema = z
  .object({
    kind: z.enum([...REPORT_KINDS, 'ledgers']),
    out: z.string().min(1),
    quarter: z
      .string()
      .regex(/^\d{4}Q[1-4]$/, 'a quarter like 2026Q3')
      .optional(),
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
    format: z.enum(['csv', 'xlsx', 'json']).optional(),
    lang: z.enum(['zh', 'en']).default('zh'),
    category: z.string().min(1).optional(),
    manufacturer: z.string().min(1).optional(),
    api: z.url().default('http://127.0.0.1:8080'),
    token: z.string().min(16, 'a bearer token (--token or SANBAO_TOKEN)'),
  })
  .transform((a, ctx) => {
    const ext = /\.(csv|xlsx|json)$/i.exec(a.out)?.[1]?.toLowerCase() as
      'csv' | 'xlsx' | 'json' | undefined;
    const format = a.format ?? ext;
    if (!format) {
      ctx.addIssue({
        code: 'custom',
        path: ['format'],
        message: 'give --format, or an --out file ending in .csv, .xlsx or .json',
      });
      return z.NEVER;
    }
    return { ...a, format };
  });

export async function reportCli(argv: string[], io: ReportCliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        quarter: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        format: { type: 'string' },
        lang: { type: 'string' },
        category: { type: 'string' },
        manufacturer: { type: 'string' },
        api: { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr(`sanbao report: ${(err as Error).message}\n\n${REPORT_USAGE}`);
    return 2;
  }
  if (parsed.values.help || parsed.positionals.length === 0) {
    io.stdout(REPORT_USAGE);
    return parsed.values.help ? 0 : 2;
  }
  const { help: _help, ...values } = parsed.values;
  const args = ArgsSchema.safeParse({
    ...values,
    kind: parsed.positionals[0],
    api: values.api ?? io.env.SANBAO_API ?? undefined,
    token: values.token ?? io.env.SANBAO_TOKEN ?? '',
  });
  if (!args.success || parsed.positionals.length > 1) {
    const problems = args.success
      ? [`unexpected argument "${parsed.positionals[1]}"`]
      : zodIssues(args.error.issues).map((i) => `${i.path || 'kind'}: ${i.message}`);
    io.stderr(`sanbao report: ${problems.join('; ')}\n\n${REPORT_USAGE}`);
    return 2;
  }
  const a = args.data;
  const q = new URLSearchParams({ format: a.format, lang: a.lang });
  for (const k of ['quarter', 'from', 'to', 'category', 'manufacturer'] as const)
    if (a[k]) q.set(k, a[k]);
  const url = `${a.api.replace(/\/$/, '')}/api/v1/reports/${a.kind}?${q}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${a.token}` } });
  } catch (err) {
    io.stderr(`sanbao report: cannot reach ${a.api}: ${(err as Error).message}`);
    return 1;
  }
  if (!res.ok || !res.body) {
    const body = await res.text();
    let message = body;
    try {
      const e = JSON.parse(body) as { error?: string; message?: string };
      message = `${e.error ?? ''} ${e.message ?? ''}`.trim();
    } catch {
      // not JSON: print as is
    }
    io.stderr(`sanbao report: the service answered ${res.status}: ${message}`);
    return 1;
  }
  const tmp = `${a.out}.part-${process.pid}`;
  try {
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(tmp));
    await rename(tmp, a.out);
  } catch (err) {
    await rm(tmp, { force: true });
    io.stderr(`sanbao report: writing ${a.out} failed: ${(err as Error).message}`);
    return 1;
  }
  io.stdout(`wrote ${a.out} (${a.kind}, ${a.format})`);
  return 0;
}
