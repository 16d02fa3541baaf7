import { inside, t, type CaseContext, type NormRepair } from './case-context.ts';
import type { Counter, Deadline } from './evaluation-schema.ts';
import { counter } from './outcome.ts';
import { partName } from './vocabulary.ts';
import type { Term } from './policy-schema.ts';

/**
 * The CAR21 Art. 24 counters, over quality repairs of the current car inside the 三包有效期
 * (docs/sanbao-rules.md §7.4): same-problem repairs, counted repair days (Art. 40, minus Art. 24 ¶3
 * exclusions), serious-safety repairs, assembly replacements and replacements per main part —
 * assemblies and their main parts counted apart (Art. 24 ¶2).
 */
export interface CarCounts {
  sameProblem: { key: string | undefined; count: number };
  maxSameProblem: { key: string | undefined; count: number };
  countedDays: number;
  serious: number;
  assemblyReplacements: number;
  mainPart: {
    part: string | undefined;
    count: number;
    label?: { zh: string; en: string } | undefined;
  };
  counters: Counter[];
}

function need(term: Term | undefined, name: string): Term {
  if (!term) throw new Error(`CAR21 policy lacks ${name}`);
  return term;
}

/** Quality repairs of the current car that started inside the 三包有效期 (date and mileage). */
export function repairsInSanbao(ctx: CaseContext, sanbao: Deadline): NormRepair[] {
  return ctx.repairs.filter((r) => r.quality && inside(sanbao, r.start.date, r.km));
}

export function carCounts(ctx: CaseContext, sanbao: Deadline): CarCounts {
  const terms = ctx.policy.terms;
  const assemblies = ctx.policy.assemblies?.names ?? [];
  const systems = ctx.policy.mainPartSystems?.names ?? [];
  const inSanbao = repairsInSanbao(ctx, sanbao);
  const byKey = new Map<string, number>();
  for (const r of inSanbao) byKey.set(r.faultKey, (byKey.get(r.faultKey) ?? 0) + 1);
  const mostRepaired = [...byKey.entries()].sort((a, b) => b[1] - a[1])[0];
  const fault = ctx.fault;
  const sameKey = fault?.faultKey ?? mostRepaired?.[0];
  const sameProblem = {
    key: sameKey,
    count: sameKey === undefined ? 0 : (byKey.get(sameKey) ?? 0),
  };
  const countedDays = inSanbao.reduce((s, r) => s + r.countedDays, 0);
  // Items (1)–(3) need repairs that are done ("…仍未排除 / 仍不能正常使用"): a repair still open
  // that stands for the current fault is not yet one of them.
  const done = inSanbao.filter((r) => r.index !== fault?.fromRepair);
  const serious = done.filter((r) => r.seriousSafety).length;
  const assemblyReplacements = done.reduce(
    (s, r) => s + r.parts.filter((p) => p.role === 'assembly' || assemblies.includes(p.id)).length,
    0,
  );
  // Art. 24 ¶1(3): the same main part of a listed system; assemblies themselves excluded (¶2).
  const perPart = new Map<string, number>();
  for (const r of done)
    for (const p of r.parts) {
      if (!p.main || assemblies.includes(p.id)) continue;
      const system = p.system ?? r.component;
      if (p.system && !systems.includes(system)) continue;
      const key = `${system}/${p.id}`;
      perPart.set(key, (perPart.get(key) ?? 0) + 1);
    }
  const faultSystems = fault
    ? [fault.component, fault.assembly, fault.system].filter((x): x is string => !!x)
    : [];
  const faultPart = fault
    ? [...perPart.entries()].filter(([k]) =>
        fault.mainPart !== undefined
          ? k.endsWith(`/${fault.mainPart}`)
          : k.endsWith(`/${fault.component}`) || faultSystems.some((s) => k.startsWith(`${s}/`)),
      )
    : [];
  const pool = fault ? faultPart : [...perPart.entries()];
  const top = pool.sort((a, b) => b[1] - a[1])[0];
  const partId = top?.[0].split('/').at(-1);
  const label = partId ? partName('household_car', partId) : undefined;
  const mainPart = { part: top?.[0], count: top?.[1] ?? 0, label };

  const sameLimit = need(terms.sameProblemRepairLimit, 'sameProblemRepairLimit');
  const daysLimit = need(terms.cumulativeRepairDaysLimit, 'cumulativeRepairDaysLimit');
  const seriousLimit = need(terms.seriousSafetyRepairLimit, 'seriousSafetyRepairLimit');
  const assemblyLimit = need(terms.assemblyReplacementLimit, 'assemblyReplacementLimit');
  const mainPartLimit = need(terms.mainPartReplacementLimit, 'mainPartReplacementLimit');
  const problemKey = sameProblem.key ?? '—';
  const counters = [
    counter(
      'same_problem_repairs',
      sameLimit,
      sameProblem.count,
      'more_than',
      t(
        `同一质量问题（${problemKey}）已修理${sameProblem.count}次，共${sameLimit.value}次；超过${sameLimit.value}次可换货或退货`,
        `same problem (${problemKey}) repaired ${sameProblem.count} of ${sameLimit.value} times; exchange or return once more than ${sameLimit.value}`,
      ),
    ),
    counter(
      'cumulative_repair_days',
      daysLimit,
      countedDays,
      'more_than',
      t(
        `累计修理时间${countedDays}日，共${daysLimit.value}日；超过${daysLimit.value}日可换货或退货（按小时计，不足24小时按1日）`,
        `cumulative repair time ${countedDays} of ${daysLimit.value} days; exchange or return once more than ${daysLimit.value} (hours, each started 24 h = 1 day)`,
      ),
    ),
    counter(
      'serious_safety_repairs',
      seriousLimit,
      serious,
      'at_least',
      t(
        `严重安全性能故障已修理${serious}次，共${seriousLimit.value}次`,
        `serious safety failures repaired ${serious} of ${seriousLimit.value} times`,
      ),
    ),
    counter(
      'assembly_replacements',
      assemblyLimit,
      assemblyReplacements,
      'at_least',
      t(
        `发动机、变速器、动力蓄电池、行驶驱动电机累计更换${assemblyReplacements}次，共${assemblyLimit.value}次`,
        `engine/transmission/battery/motor replaced ${assemblyReplacements} of ${assemblyLimit.value} times`,
      ),
    ),
    counter(
      'same_main_part_replacements',
      mainPartLimit,
      mainPart.count,
      'at_least',
      t(
        `同一主要零部件${label ? `（${label.zh}）` : ''}已更换${mainPart.count}次，共${mainPartLimit.value}次`,
        `same main part${label ? ` (${label.en})` : ''} replaced ${mainPart.count} of ${mainPartLimit.value} times`,
      ),
    ),
  ];
  const maxSameProblem = { key: mostRepaired?.[0], count: mostRepaired?.[1] ?? 0 };
  return {
    sameProblem,
    maxSameProblem,
    countedDays,
    serious,
    assemblyReplacements,
    mainPart,
    counters,
  };
}
