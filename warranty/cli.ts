import { parseArgs } from 'node:util';
import { z } from 'zod';
import { zodIssues } from '../core/index.ts';
import { evaluateCase } from './eligibility.ts';
import type { Evaluation } from './evaluation-schema.ts';
import { calendarWith } from './holiday-calendars.ts';
import { parseCalendarFile, type CalendarFormat } from './holiday-import.ts';
import type { YearCalendar } from './holidays.ts';
import { POLICY_USAGE, policyCli } from './policy-cli.ts';

/** I/O the CLI needs, injected so tests need no files or process streams. */
export interface WarrantyCliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readFile: (p: string) => Promise<string>;
  /** SANBAO_API / SANBAO_TOKEN for commands that call a running service (`holidays import`, `policy save`…). */
  env?: Record<string, string | undefined>;
}

const USAGE = `usage: sanbao warranty evaluate <case.json> [--text] [--holidays FILE]…
       sanbao warranty holidays import <FILE> [--year N] [--format json|csv|notice] [--dry-run]
                                      [--api URL] [--token TOKEN]
  evaluate: evaluates a 三包 case ({ category, policy? | makerPolicy?, facts }) and prints the decision as JSON;
    --text adds a readable summary (Chinese and English) after the JSON; --holidays adds the
    years of a calendar file to the built-in holiday calendar for this evaluation.
  holidays import: validates a holiday calendar (JSON, CSV "year,kind,name,from,to", or the State
    Council notice's text "一、元旦：1月1日至3日放假调休，共3天。…") and stores it in the service
    (an admin token; default SANBAO_API or http://127.0.0.1:8080, SANBAO_TOKEN); --dry-run only
    prints what would be stored.
exit codes: 0 done, 1 the service refused or failed, 2 bad usage, file, JSON or fields

${POLICY_USAGE}`;

const KIND: Record<string, string> = {
  return: '退货 return',
  exchange: '换货 exchange',
  assembly_swap: '总成更换 assembly swap',
  free_repair: '免费修理 free repair',
  paid_repair: '收费修理 paid repair',
};

/** A readable summary of a decision. */
export function formatEvaluation(e: Evaluation): string {
  const lines = [
    `三包 decision for ${e.category} on ${e.evaluationDate} (policy ${e.policy.id}@${e.policy.version}${e.policy.issuer === 'manufacturer' ? `, ${e.policy.manufacturer ?? 'maker'}'s, in force from ${e.policy.effectiveFrom}` : ''}, period from ${e.periodStart ?? 'unknown'})`,
    e.remedy === 'none'
      ? '→ NONE: 三包 owes nothing now / 三包不承担责任'
      : `→ ${e.remedy.toUpperCase()}${e.free ? ', free' : e.amountOwedCNY === null ? ', owner pays (amount unknown)' : `, owner pays ${e.amountOwedCNY} CNY`}`,
    'Remedies:',
    ...e.remedies.map(
      (r) =>
        `  - ${KIND[r.kind] ?? r.kind}${r.target ? ` (${r.target})` : ''} [${r.clause}]${r.free ? '' : ` owed ${r.amountOwedCNY ?? '?'} CNY`}: ${r.explanation.zh} / ${r.explanation.en}`,
    ),
    ...(e.offers.length
      ? [
          'Offers outside 三包 (not a 三包 remedy):',
          ...e.offers.map(
            (r) =>
              `  - ${KIND[r.kind] ?? r.kind} [${r.clause}]: ${r.explanation.zh} / ${r.explanation.en}`,
          ),
        ]
      : []),
    'Deadlines:',
    ...e.deadlines.map(
      (d) =>
        `  - ${d.key} ends ${d.end}${d.limitKm !== undefined ? ` or ${d.limitKm} km` : ''}${d.passed ? ' (passed)' : ''} [${d.clause}]${d.calendarCovered ? '' : ' (beyond holiday calendar)'}`,
    ),
    'Counters:',
    ...e.counters.map(
      (c) =>
        `  - ${c.explanation.zh} / ${c.explanation.en}${c.reached ? ' — REACHED' : ''} [${c.clause}]`,
    ),
  ];
  if (e.exclusions.length)
    lines.push(
      'Exclusions:',
      ...e.exclusions.map((x) => `  - ${x.explanation.zh} / ${x.explanation.en} [${x.clause}]`),
    );
  if (e.notes.length)
    lines.push(
      'Notes:',
      ...e.notes.map((n) => `  - ${n.explanation.zh} / ${n.explanation.en} [${n.clause}]`),
    );
  if (e.warnings.length) lines.push('Warnings:', ...e.warnings.map((w) => `  - ${w.zh} / ${w.en}`));
  return `${lines.join('\n')}\n`;
}

/** `sanbao warranty …`: returns the exit code. */
export async function warrantyCli(args: string[], io: WarrantyCliIo): Promise<number> {
  if (args[0] === 'policy') return policyCli(args.slice(1), { ...io, env: io.env ?? {} });
  if (args[0] === 'holidays') return holidaysCli(args.slice(1), io);
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { text: { type: 'boolean' }, holidays: { type: 'string', multiple: true } },
    });
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [cmd, file, ...extra] = parsed.positionals;
  if (cmd !== 'evaluate' || !file || extra.length) {
    io.stderr(`${USAGE}\n`);
    return cmd === undefined || cmd === 'help' || cmd === '--help' ? 0 : 2;
  }
  const calendarYears: YearCalendar[] = [];
  for (const h of parsed.values.holidays ?? []) {
    const years = await readCalendar(h, {}, io);
    if (!years) return 2;
    calendarYears.push(...years);
  }
  let raw: string;
  try {
    raw = await io.readFile(file);
  } catch (err) {
    io.stderr(`cannot read ${file}: ${(err as Error).message}\n`);
    return 2;
  }
  let input: unknown;
  try {
    input = JSON.parse(raw);
  } catch (err) {
    io.stderr(`${file} is not valid JSON: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const e = evaluateCase(
      input,
      calendarYears.length ? { calendar: calendarWith(calendarYears) } : {},
    );
    io.stdout(`${JSON.stringify(e, null, 2)}\n`);
    if (parsed.values.text) io.stdout(formatEvaluation(e));
    return 0;
  } catch (err) {
    if (err instanceof z.ZodError) {
      for (const d of zodIssues(err.issues))
        io.stderr(`${file}: ${d.path || '(root)'}: ${d.message}\n`);
      return 2;
    }
    const coded = err as Error & { code?: string; details?: unknown };
    if (typeof coded.code === 'string' && coded.code.startsWith('WARRANTY_ERR_')) {
      io.stderr(`${file}: ${coded.code}: ${coded.message}\n`);
      return 2;
    }
    throw err;
  }
}

/** Reads and validates a calendar file; prints each problem with its line or field. */
async function readCalendar(
  file: string,
  opts: { year?: number; format?: CalendarFormat },
  io: WarrantyCliIo,
): Promise<YearCalendar[] | undefined> {
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (err) {
    io.stderr(`cannot read ${file}: ${(err as Error).message}\n`);
    return undefined;
  }
  const r = parseCalendarFile(text, { ...opts, fileName: file });
  if (r.ok) return r.years;
  for (const p of r.errors)
    io.stderr(
      `${file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.message}\n`,
    );
  return undefined;
}

const HolidayArgs = z.object({
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  format: z.enum(['json', 'csv', 'notice']).optional(),
  api: z.url().default('http://127.0.0.1:8080'),
  token: z.string().optional(),
  'dry-run': z.boolean().optional(),
});

/** `sanbao warranty holidays import FILE`: validate locally, then store through the API. */
async function holidaysCli(args: string[], io: WarrantyCliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        year: { type: 'string' },
        format: { type: 'string' },
        api: { type: 'string' },
        token: { type: 'string' },
        'dry-run': { type: 'boolean' },
      },
    });
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [cmd, file, ...extra] = parsed.positionals;
  if (cmd !== 'import' || !file || extra.length) {
    io.stderr(`${USAGE}\n`);
    return 2;
  }
  const env = io.env ?? {};
  const a = HolidayArgs.safeParse({
    ...parsed.values,
    api: parsed.values.api ?? env.SANBAO_API,
    token: parsed.values.token ?? env.SANBAO_TOKEN,
  });
  if (!a.success) {
    for (const d of zodIssues(a.error.issues)) io.stderr(`--${d.path}: ${d.message}\n`);
    return 2;
  }
  const years = await readCalendar(
    file,
    {
      ...(a.data.year ? { year: a.data.year } : {}),
      ...(a.data.format ? { format: a.data.format } : {}),
    },
    io,
  );
  if (!years) return 2;
  if (a.data['dry-run']) {
    io.stdout(`${JSON.stringify(years, null, 2)}\n`);
    return 0;
  }
  if (!a.data.token) {
    io.stderr('an admin token is needed: --token or SANBAO_TOKEN\n');
    return 2;
  }
  let res: Response;
  try {
    res = await fetch(`${a.data.api.replace(/\/$/, '')}/api/v1/warranty/holidays?format=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.data.token}` },
      body: JSON.stringify(years),
    });
  } catch (err) {
    io.stderr(`cannot reach ${a.data.api}: ${(err as Error).message}\n`);
    return 1;
  }
  const body = (await res.json().catch(() => ({}))) as {
    imported?: Array<{ year: number; version: number }>;
    covers?: Array<{ from: string; to: string }>;
    error?: { code?: string; message?: string };
    message?: string;
  };
  if (res.status !== 201) {
    io.stderr(`the service refused the calendar (${res.status}): ${JSON.stringify(body)}\n`);
    return 1;
  }
  for (const i of body.imported ?? []) io.stdout(`stored ${i.year} as version ${i.version}\n`);
  io.stdout(
    `calendar now covers ${(body.covers ?? []).map((c) => `${c.from}…${c.to}`).join(', ')}\n`,
  );
  return 0;
}
