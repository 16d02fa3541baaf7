import { CasesErrors } from './errors.ts';
import type { NewFinding } from './findings.ts';
import { REMEDY_RANK, type Case, type CaseEvent, type Deadline, type Remedy } from './model.ts';
import { detect, repeatedCase } from './rules/index.ts';

/**
 * The case lifecycle as pure steps (no I/O, no clock): each takes the case and the moment and
 * returns the case after the step, the timeline events, the findings the 推诿扯皮 rules made of
 * it, and whom to tell. The store writes all of it in one transaction; the notifier delivers
 * afterwards. Every action first sweeps the deadlines at its own moment, so an answer given
 * after its deadline is first a missed deadline, then an answer.
 *
 *   open ──answer──► answered ──close──► closed (survey opens)
 *     └──────────────close──────────────►┘
 */
export type NewEvent = Omit<CaseEvent, 'seq'>;

/** Someone to tell: the owner (email, and the maker's gateway when they opted in) or the maker. */
export interface Intent {
  event:
    | 'case.opened'
    | 'case.answered'
    | 'case.closed'
    | 'case.deadline_missed'
    | 'case.escalated'
    | 'case.flagged';
  audience: 'owner' | 'maker';
  data: Record<string, unknown>;
}

export interface Step {
  next: Case;
  events: NewEvent[];
  findings: NewFinding[];
  intents: Intent[];
  /** The case closed: its survey opens. */
  openSurvey?: boolean;
}

const DAY_MS = 86_400_000;
const nothing = (c: Case): Step => ({ next: c, events: [], findings: [], intents: [] });

/** Runs `f` on the case `s` left, concatenating what both did. */
export function andThen(s: Step, f: (c: Case) => Step): Step {
  const u = f(s.next);
  return {
    next: u.next,
    events: [...s.events, ...u.events],
    findings: [...s.findings, ...u.findings],
    intents: [...s.intents, ...u.intents],
    ...(s.openSurvey || u.openSurvey ? { openSurvey: true } : {}),
  };
}

/** The rules' findings for a step, each with its `flagged` event and a word to the maker. */
function judged(
  s: Step,
  step: 'open' | 'answer' | 'close' | 'sweep',
  now: string,
  missed: readonly Deadline[] = [],
  earlier: readonly Case[] = [],
): Step {
  const findings = detect({ case: s.next, step, now, missed, earlier });
  return {
    ...s,
    findings: [...s.findings, ...findings],
    events: [
      ...s.events,
      ...findings.map((f) => ({
        at: now,
        actor: 'system',
        type: 'flagged' as const,
        data: { rule: f.rule, clause: f.clause, message: f.message },
      })),
    ],
    intents: [
      ...s.intents,
      ...findings.map((f) => ({
        event: 'case.flagged' as const,
        audience: 'maker' as const,
        data: { rule: f.rule, clause: f.clause, message: f.message },
      })),
    ],
  };
}

/** A new case (built and dated by the caller) as it enters the queue. */
export function openCase(draft: Case, now: string, earlier: readonly Case[]): Step {
  const repeat = repeatedCase(draft, earlier, now);
  const c: Case = { ...draft, repeatOf: repeat?.id ?? null };
  const s: Step = {
    next: c,
    events: [
      {
        at: now,
        actor: c.openedBy,
        type: 'opened',
        data: { kind: c.kind, channel: c.channel, ...(repeat ? { repeatOf: repeat.id } : {}) },
      },
    ],
    findings: [],
    intents: [
      { event: 'case.opened', audience: 'owner', data: {} },
      { event: 'case.opened', audience: 'maker', data: {} },
    ],
  };
  return judged(s, 'open', now, [], earlier);
}

/**
 * The deadlines at `now`: one past its end is missed (flagged, escalated to the maker, the owner
 * told); one on its last day is escalated to a supervisor.
 */
export function sweepCase(c: Case, now: string): Step {
  if (c.status === 'closed') return nothing(c);
  const t = Date.parse(now);
  const missed: Deadline[] = [];
  let warn = false;
  const deadlines = c.deadlines.map((d): Deadline => {
    if (d.status !== 'pending') return d;
    const due = Date.parse(d.dueAt);
    if (t >= due) {
      const m = { ...d, status: 'missed' as const, warned: true, settledAt: now };
      missed.push(m);
      return m;
    }
    if (!d.warned && t >= due - DAY_MS) {
      warn = true;
      return { ...d, warned: true };
    }
    return d;
  });
  if (!missed.length && !warn) return nothing(c);
  const events: NewEvent[] = [];
  const intents: Intent[] = [];
  let escalation = c.escalation;
  for (const d of missed) {
    events.push({ at: now, actor: 'system', type: 'deadline_missed', data: deadlineData(d) });
    intents.push({ event: 'case.deadline_missed', audience: 'owner', data: deadlineData(d) });
  }
  const level = missed.length ? 'maker' : 'supervisor';
  if (RANK[level] > RANK[escalation]) {
    escalation = level;
    events.push({ at: now, actor: 'system', type: 'escalated', data: { to: level } });
    intents.push({ event: 'case.escalated', audience: 'maker', data: { to: level } });
  }
  const s: Step = { next: { ...c, deadlines, escalation }, events, findings: [], intents };
  return missed.length ? judged(s, 'sweep', now, missed) : s;
}
const RANK = { none: 0, supervisor: 1, maker: 2 } as const;

const deadlineData = (d: Deadline) => ({
  deadline: d.key,
  due: d.due,
  dueAt: d.dueAt,
  clause: d.clause,
  explanation: d.explanation,
});

function settle(d: Deadline, keys: readonly Deadline['key'][], to: 'met' | 'moot', now: string) {
  return d.status === 'pending' && keys.includes(d.key) ? { ...d, status: to, settledAt: now } : d;
}

function assertStatus(c: Case, allowed: readonly Case['status'][], action: string): void {
  if (!allowed.includes(c.status)) throw new CasesErrors.IllegalTransition(c.id, c.status, action);
}

export interface AnswerInput {
  decision: 'accept' | 'refuse' | 'inform';
  text: string;
  reasons?: string | undefined;
}

/** The seller's (desk's) answer: meets the answer deadline if it is still running. */
export function answerCase(c: Case, a: AnswerInput, by: string, now: string): Step {
  assertStatus(c, ['open'], 'answered');
  const next: Case = {
    ...c,
    status: 'answered',
    answer: {
      decision: a.decision,
      text: a.text,
      ...(a.reasons?.trim() ? { reasons: a.reasons } : {}),
      at: now,
      by,
    },
    deadlines: c.deadlines.map((d) => settle(d, ['answer'], 'met', now)),
  };
  const s: Step = {
    next,
    events: [{ at: now, actor: by, type: 'answered', data: { decision: a.decision } }],
    findings: [],
    intents: [{ event: 'case.answered', audience: 'owner', data: { decision: a.decision } }],
  };
  return judged(s, 'answer', now);
}

/** Who handles the case: an outlet (the one findings count against), a person at the desk. */
export function assignCase(
  c: Case,
  a: { outletId?: string | undefined; assignee?: string | undefined },
  by: string,
  now: string,
): Step {
  assertStatus(c, ['open', 'answered'], 'assigned');
  return {
    next: {
      ...c,
      outletId: a.outletId ?? c.outletId,
      assignee: a.assignee ?? c.assignee,
    },
    events: [{ at: now, actor: by, type: 'assigned', data: { ...a } }],
    findings: [],
    intents: [],
  };
}

/** A note on the timeline; `internal` notes are not shown to the owner. */
export function noteCase(
  c: Case,
  n: { text: string; internal: boolean },
  by: string,
  now: string,
): Step {
  return { ...nothing(c), events: [{ at: now, actor: by, type: 'note', data: { ...n } }] };
}

export interface CloseInput {
  remedyGranted: Remedy;
  text: string;
  reasons?: string | undefined;
  outletId?: string | undefined;
  repairRef?: string | undefined;
}

/**
 * The case closed with what was granted. A close straight from `open` is the answer as well.
 * The fulfilment deadlines are met when what was owed was granted, else moot (the remedy rule
 * says what went wrong). The survey opens.
 */
export function closeCase(c: Case, r: CloseInput, by: string, now: string): Step {
  assertStatus(c, ['open', 'answered'], 'closed');
  const owed = c.decision?.owed.remedy ?? 'none';
  const fulfilled = r.remedyGranted !== 'none' && REMEDY_RANK[r.remedyGranted] >= REMEDY_RANK[owed];
  const next: Case = {
    ...c,
    status: 'closed',
    closedAt: now,
    outletId: r.outletId ?? c.outletId,
    resolution: {
      remedyGranted: r.remedyGranted,
      text: r.text,
      ...(r.reasons?.trim() ? { reasons: r.reasons } : {}),
      ...(r.outletId ? { outletId: r.outletId } : c.outletId ? { outletId: c.outletId } : {}),
      ...(r.repairRef ? { repairRef: r.repairRef } : {}),
      at: now,
      by,
    },
    deadlines: c.deadlines.map((d) =>
      settle(
        settle(d, ['answer'], 'met', now),
        ['fulfil', 'delay'],
        fulfilled ? 'met' : 'moot',
        now,
      ),
    ),
  };
  const s: Step = {
    next,
    events: [
      {
        at: now,
        actor: by,
        type: 'closed',
        data: {
          remedyGranted: r.remedyGranted,
          ...(r.repairRef ? { repairRef: r.repairRef } : {}),
        },
      },
    ],
    findings: [],
    intents: [
      { event: 'case.closed', audience: 'owner', data: { remedyGranted: r.remedyGranted } },
    ],
    openSurvey: true,
  };
  return judged(s, 'close', now);
}
