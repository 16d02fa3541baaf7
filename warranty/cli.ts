import { z } from 'zod';
import { zodIssues } from '../app/errors.ts';
import { evaluateCase } from './eligibility.ts';
import type { Evaluation } from './evaluation-schema.ts';
import { POLICY_USAGE, policyCli } from './policy-cli.ts';

/** I/O the CLI needs, injected so tests need no files or process streams. */
export interface WarrantyCliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readFile: (p: string) => Promise<string>;
  /** For commands that call a running service (SANBAO_API, SANBAO_TOKEN). */
  env?: NodeJS.ProcessEnv;
}

const USAGE = `usage: sanbao warranty evaluate <case.json> [--text]
  Evaluates a 三包 case ({ category, policy? | makerPolicy?, facts }) and prints the decision as
  JSON; --text adds a readable summary (Chinese and English) on stdout after the JSON.
exit codes: 0 decided, 2 bad usage, file, JSON or fields

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
    `三包 decision for ${e.category} on ${e.evaluationDate} (policy ${e.policy.id}@${e.policy.version}${e.policy.issuer === 'manufacturer' ? `, ${e.policy.manufacturer ?? 'maker'}'s, in force from ${e.policy.effectiveFrom}` : ''}, period from ${e.periodStart})`,
    `→ ${e.remedy.toUpperCase()}${e.free ? ', free' : e.amountOwedCNY === null ? ', owner pays (amount unknown)' : `, owner pays ${e.amountOwedCNY} CNY`}`,
    'Remedies:',
    ...e.remedies.map(
      (r) =>
        `  - ${KIND[r.kind] ?? r.kind}${r.target ? ` (${r.target})` : ''} [${r.clause}]${r.free ? '' : ` owed ${r.amountOwedCNY ?? '?'} CNY`}: ${r.explanation.zh} / ${r.explanation.en}`,
    ),
    'Deadlines:',
    ...e.deadlines.map(
      (d) =>
        `  - ${d.key} ends ${d.end}${d.limitKm !== undefined ? ` or ${d.limitKm} km` : ''}${d.passed ? ' (passed)' : ''} [${d.clause}]${d.calendarCovered ? '' : ' (beyond holiday calendar)'}`,
    ),
    'Counters:',
    ...e.counters.map(
      (c) => `  - ${c.explanation.en}${c.reached ? ' — REACHED' : ''} [${c.clause}]`,
    ),
  ];
  if (e.exclusions.length)
    lines.push('Exclusions:', ...e.exclusions.map((x) => `  - ${x.explanation.en} [${x.clause}]`));
  if (e.notes.length)
    lines.push('Notes:', ...e.notes.map((n) => `  - ${n.explanation.en} [${n.clause}]`));
  if (e.warnings.length) lines.push('Warnings:', ...e.warnings.map((w) => `  - ${w}`));
  return `${lines.join('\n')}\n`;
}

/** `sanbao warranty …`: returns the exit code. */
export async function warrantyCli(args: string[], io: WarrantyCliIo): Promise<number> {
  if (args[0] === 'policy') return policyCli(args.slice(1), { ...io, env: io.env ?? {} });
  const text = args.includes('--text');
  const [cmd, file, ...extra] = args.filter((a) => a !== '--text');
  if (cmd !== 'evaluate' || !file || extra.length) {
    io.stderr(`${USAGE}\n`);
    return cmd === undefined || cmd === 'help' || cmd === '--help' ? 0 : 2;
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
    const e = evaluateCase(input);
    io.stdout(`${JSON.stringify(e, null, 2)}\n`);
    if (text) io.stdout(formatEvaluation(e));
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
