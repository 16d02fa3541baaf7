import type { Cell, Column, Table } from '../quality/index.ts';
import type { Finding } from './findings.ts';
import type { CaseStore, ComplianceStore, PartyColumn, Span, Survey } from './store.ts';

/**
 * The campaign's two lists, built from the compliance findings (issue 23: lists of violations
 * found and of their rectification, not of product failures), the outlet scorecards and the
 * satisfaction index. Tables go out as JSON, CSV or XLSX through quality's export.
 *
 * - 问题清单 (`violations`): findings still open — what, where, which rule and clause, when.
 * - 整治提升情况清单 (`violation-rectifications`): findings rectified — what was done, by whom,
 *   when, in how many days. A recorded rectification moves a finding from the first to the second.
 */
export const RULE_NAMES: Record<string, { zh: string; en: string }> = {
  deadline_missed: { zh: '超期未答复/未履行', en: 'deadline missed' },
  remedy_below_owed: { zh: '未按规定给予三包（以修代换/退）', en: 'remedy below the one owed' },
  refusal_without_reasons: { zh: '拒绝三包未说明理由', en: 'refusal without reasons' },
  repeat_fault: { zh: '同一故障反复投诉', en: 'same owner back about the same fault' },
  outlet_authorized: { zh: '非授权网点维修', en: 'unauthorised outlet' },
  technician_certified: { zh: '技师无有效资质', en: 'technician without a valid certificate' },
  charges_inside_free_period: { zh: '三包期内违规收费', en: 'charges inside the free period' },
  genuine_parts: { zh: '使用非原厂配件', en: 'non-genuine parts' },
  genuine_part_registered: { zh: '配件编号未备案', en: 'part number not registered' },
  genuine_part_serial: { zh: '配件序列号未备案', en: 'part serial not issued' },
  parts_match_diagnosis: { zh: '小病大治', en: 'repairs beyond the diagnosis' },
  fees_on_price_list: { zh: '未按明码标价收费', en: 'fees off the price list' },
};
export const ruleName = (rule: string, lang: 'zh' | 'en') => RULE_NAMES[rule]?.[lang] ?? rule;

const PARTY_COLUMNS: Column[] = [
  { key: 'outletId', zh: '维修网点', en: 'outlet' },
  { key: 'seller', zh: '销售者', en: 'seller' },
  { key: 'manufacturer', zh: '生产者', en: 'maker' },
];

const PROBLEM_COLUMNS: Column[] = [
  { key: 'id', zh: '问题编号', en: 'finding' },
  { key: 'detectedAt', zh: '发现时间', en: 'found', type: 'date' },
  { key: 'source', zh: '来源', en: 'source' },
  { key: 'rule', zh: '问题类型', en: 'violation' },
  { key: 'severity', zh: '性质', en: 'severity' },
  { key: 'clause', zh: '依据条款', en: 'clause' },
  { key: 'description', zh: '问题描述', en: 'description', type: 'text' },
  ...PARTY_COLUMNS,
  { key: 'serial', zh: '产品序列号', en: 'serial' },
  { key: 'category', zh: '品类', en: 'category' },
  { key: 'caseId', zh: '案件编号', en: 'case' },
  { key: 'recordSeq', zh: '维修记录号', en: 'repair record', type: 'number' },
  { key: 'confirmed', zh: '监管确认', en: 'confirmed by regulator' },
];

const RECTIFICATION_COLUMNS: Column[] = [
  { key: 'id', zh: '问题编号', en: 'finding' },
  { key: 'rule', zh: '问题类型', en: 'violation' },
  { key: 'clause', zh: '依据条款', en: 'clause' },
  { key: 'description', zh: '问题描述', en: 'description', type: 'text' },
  ...PARTY_COLUMNS,
  { key: 'detectedAt', zh: '发现时间', en: 'found', type: 'date' },
  { key: 'action', zh: '整改措施', en: 'rectification', type: 'text' },
  { key: 'evidence', zh: '整改佐证', en: 'evidence', type: 'text' },
  { key: 'rectifiedBy', zh: '整改责任人', en: 'rectified by' },
  { key: 'rectifiedAt', zh: '完成时间', en: 'rectified', type: 'date' },
  { key: 'days', zh: '整改用时（天）', en: 'days to rectify', type: 'number' },
];

const SOURCE = {
  case: { zh: '投诉/三包案件', en: 'case' },
  repair_order: { zh: '维修单检查', en: 'repair order' },
};
const SEVERITY = {
  violation: { zh: '违规', en: 'violation' },
  warning: { zh: '提示', en: 'warning' },
};

function common(f: Finding, lang: 'zh' | 'en'): Record<string, Cell> {
  return {
    id: f.id,
    rule: ruleName(f.rule, lang),
    clause: f.clause,
    description: f.message[lang],
    outletId: f.outletId,
    seller: f.seller,
    manufacturer: f.manufacturer,
    detectedAt: f.detectedAt,
  };
}

export const violationsTable = (findings: readonly Finding[], lang: 'zh' | 'en'): Table => ({
  title: { zh: '问题清单', en: 'Violations found (问题清单)' },
  columns: PROBLEM_COLUMNS,
  rows: findings.map((f) => ({
    ...common(f, lang),
    source: SOURCE[f.source][lang],
    severity: SEVERITY[f.severity][lang],
    serial: f.serial,
    category: f.category,
    caseId: f.caseId,
    recordSeq: f.recordSeq,
    confirmed: f.confirmedAt !== null,
  })),
});

export const rectificationsTable = (findings: readonly Finding[], lang: 'zh' | 'en'): Table => ({
  title: { zh: '整治提升情况清单', en: 'Rectifications (整治提升情况清单)' },
  columns: RECTIFICATION_COLUMNS,
  rows: findings.map((f) => ({
    ...common(f, lang),
    action: f.rectification?.action ?? null,
    evidence: f.rectification?.evidence ?? null,
    rectifiedBy: f.rectification?.by ?? null,
    rectifiedAt: f.rectification?.at ?? null,
    days: f.rectification
      ? Math.round(
          ((Date.parse(f.rectification.at) - Date.parse(f.detectedAt)) / 86_400_000) * 10,
        ) / 10
      : null,
  })),
});

/** Every finding matching, page by page (the lists are whole, not a page). */
export async function allFindings(
  store: ComplianceStore,
  f: Omit<Parameters<ComplianceStore['list']>[0], 'limit' | 'offset'>,
): Promise<Finding[]> {
  const out: Finding[] = [];
  for (let offset = 0; ; offset += 1000) {
    const r = await store.list({ ...f, limit: 1000, offset });
    out.push(...r.findings);
    if (r.findings.length < 1000) return out;
  }
}

/** A party's figures for a period: cases and deadlines, findings, satisfaction, repairs. */
export interface Scorecard {
  party: string | null;
  cases: number;
  closed: number;
  deadlinesMet: number;
  deadlinesMissed: number;
  onTimeRate: number | null;
  findings: { open: number; rectified: number; dismissed: number };
  byRule: Record<string, number>;
  satisfaction: {
    answers: number;
    meanScore: number | null;
    index: number | null;
    resolvedRate: number | null;
  };
  repairs: { verified: number; failed: number; firstTimeFixRate: number | null } | null;
}

/** Verified and failed repairs per outlet in a span (telemetry verification, quality/). */
export type RepairOutcomes = (
  span: Span,
) => Promise<Map<string, { verified: number; failed: number }>>;

const round = (x: number, p = 4) => Math.round(x * 10 ** p) / 10 ** p;

/** Satisfaction figures of a set of answers: mean score, the index (mean × 20: 5 → 100). */
export function satisfactionOf(surveys: readonly Survey[]) {
  const n = surveys.length;
  const scores = surveys.map((s) => s.score ?? 0);
  const mean = n ? scores.reduce((a, b) => a + b, 0) / n : null;
  return {
    answers: n,
    meanScore: mean === null ? null : round(mean, 2),
    index: mean === null ? null : round(mean * 20, 1),
    resolvedRate: n ? round(surveys.filter((s) => s.resolved).length / n) : null,
  };
}

const surveyParty = (s: Survey, by: PartyColumn | 'category') =>
  by === 'outlet'
    ? s.outletId
    : by === 'maker'
      ? s.manufacturer
      : by === 'category'
        ? s.category
        : null;

export async function scorecards(
  cases: CaseStore,
  compliance: ComplianceStore,
  span: Span,
  by: PartyColumn,
  outcomes?: RepairOutcomes,
): Promise<Scorecard[]> {
  const [stats, counts, surveys, repairs] = await Promise.all([
    cases.caseStats(span, by),
    compliance.count(span, by),
    by === 'seller' ? Promise.resolve([] as Survey[]) : cases.surveys(span),
    by === 'outlet' && outcomes ? outcomes(span) : Promise.resolve(undefined),
  ]);
  const parties = new Set<string | null>([
    ...stats.map((s) => s.party),
    ...counts.map((c) => c.party),
    ...surveys.map((s) => surveyParty(s, by)),
    ...(repairs ? repairs.keys() : []),
  ]);
  return [...parties]
    .sort((a, b) => (a ?? '\uffff').localeCompare(b ?? '\uffff'))
    .map((party) => {
      const s = stats.find((x) => x.party === party);
      const cs = counts.filter((c) => c.party === party);
      const byRule: Record<string, number> = {};
      const findings = { open: 0, rectified: 0, dismissed: 0 };
      for (const c of cs) {
        findings[c.status] += c.n;
        if (c.status !== 'dismissed') byRule[c.rule] = (byRule[c.rule] ?? 0) + c.n;
      }
      const deadlines = (s?.deadlinesMet ?? 0) + (s?.deadlinesMissed ?? 0);
      const r = party !== null ? repairs?.get(party) : undefined;
      return {
        party,
        cases: s?.cases ?? 0,
        closed: s?.closed ?? 0,
        deadlinesMet: s?.deadlinesMet ?? 0,
        deadlinesMissed: s?.deadlinesMissed ?? 0,
        onTimeRate: deadlines ? round((s?.deadlinesMet ?? 0) / deadlines) : null,
        findings,
        byRule,
        satisfaction: satisfactionOf(surveys.filter((x) => surveyParty(x, by) === party)),
        repairs:
          by !== 'outlet'
            ? null
            : {
                verified: r?.verified ?? 0,
                failed: r?.failed ?? 0,
                firstTimeFixRate:
                  r && r.verified + r.failed ? round(r.verified / (r.verified + r.failed)) : null,
              },
      };
    });
}

/** The satisfaction index per outlet, maker or category, and per quarter (China time). */
export function satisfactionIndex(surveys: readonly Survey[], by: 'outlet' | 'maker' | 'category') {
  const groups = new Map<string, Survey[]>();
  for (const s of surveys) {
    const key = `${surveyParty(s, by) ?? ''}\u0000${quarterOf(s.answeredAt ?? s.createdAt)}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.entries()]
    .map(([key, ss]) => {
      const [party, quarter] = key.split('\u0000') as [string, string];
      return { key: party === '' ? null : party, quarter, ...satisfactionOf(ss) };
    })
    .sort((a, b) => a.quarter.localeCompare(b.quarter) || (a.key ?? '').localeCompare(b.key ?? ''));
}

/** `2026Q3` of an instant, in China time. */
export function quarterOf(at: string): string {
  const china = new Date(Date.parse(at) + 8 * 3_600_000);
  return `${china.getUTCFullYear()}Q${Math.floor(china.getUTCMonth() / 3) + 1}`;
}
