import type { Intent } from '../lifecycle.ts';
import type { Case, Deadline } from '../model.ts';
import { REMEDY_ZH } from '../rules/index.ts';

/**
 * What owners and makers are told, in Chinese and English. Mail goes out as text/plain only:
 * the owner's own words and the desk's answers are quoted as text, so nothing in them can be
 * markup in a mail reader. Webhook payloads are JSON with the same facts.
 */
const KIND = {
  consultation: { zh: '咨询', en: 'consultation' },
  claim: { zh: '三包申请', en: '三包 claim' },
  complaint: { zh: '投诉', en: 'complaint' },
} as const;
const DEADLINE = {
  answer: { zh: '答复', en: 'answer' },
  fulfil: { zh: '履行', en: 'fulfilment' },
  delay: { zh: '拖延认定', en: 'deliberate-delay' },
} as const;
const DECISION = {
  accept: { zh: '同意', en: 'accepted' },
  refuse: { zh: '拒绝', en: 'refused' },
  inform: { zh: '答复说明', en: 'answered' },
} as const;

export interface Mail {
  subject: string;
  text: string;
}

/** The owner page's link to a case (its survey when closed). */
export const caseLink = (publicUrl: string, c: Case): string =>
  `${publicUrl.replace(/\/$/, '')}/owner.html?serial=${encodeURIComponent(c.serial)}&case=${encodeURIComponent(c.id)}`;

const deadlineLines = (ds: readonly Deadline[]) =>
  ds.map(
    (d) =>
      `  - ${DEADLINE[d.key].zh} / ${DEADLINE[d.key].en}: ${d.due} (${d.clause})${d.uncertain ? ' *' : ''}`,
  );

/** The mail to the owner about `intent`, or undefined when owners are not told of it. */
export function ownerMail(c: Case, intent: Intent, link: string): Mail | undefined {
  const k = KIND[c.kind];
  const head = `${k.zh} ${c.id} · ${c.serial}`;
  const lines: string[] = [];
  let subject: string;
  switch (intent.event) {
    case 'case.opened':
      subject = `【三包】已受理您的${k.zh}（${c.id}）/ Your ${k.en} ${c.id} was received`;
      lines.push(
        `您的${k.zh}已受理。期限：`,
        `Your ${k.en} was received. Deadlines:`,
        ...deadlineLines(c.deadlines),
        '',
        '您的描述 / Your words:',
        quote(c.request.description),
      );
      break;
    case 'case.answered': {
      const d = DECISION[(intent.data.decision as keyof typeof DECISION) ?? 'inform'];
      subject = `【三包】${c.id} 已答复：${d.zh} / Case ${c.id} ${d.en}`;
      lines.push(`答复 / Answer: ${d.zh} / ${d.en}`, quote(c.answer?.text ?? ''));
      if (c.answer?.reasons) lines.push('理由 / Reasons:', quote(c.answer.reasons));
      break;
    }
    case 'case.deadline_missed': {
      const key = intent.data.deadline as Deadline['key'];
      subject = `【三包】${c.id} 已超过${DEADLINE[key].zh}期限 / Case ${c.id} missed its ${DEADLINE[key].en} deadline`;
      const ex = intent.data.explanation as { zh: string; en: string } | undefined;
      lines.push(
        `${DEADLINE[key].zh}期限 ${String(intent.data.due)} 已过（${String(intent.data.clause)}）。`,
        `The ${DEADLINE[key].en} deadline ${String(intent.data.due)} has passed (${String(intent.data.clause)}).`,
        ...(ex ? [ex.zh, ex.en] : []),
        '案件已升级至生产者；您也可以向市场监督管理部门投诉（12315）或申请调解（CAR21 第三十四条）。',
        'The case was escalated to the maker; you may also complain to market regulation (12315) or ask for mediation (CAR21 Art. 34).',
      );
      break;
    }
    case 'case.closed': {
      const r = c.resolution;
      const g = r?.remedyGranted ?? 'none';
      subject = `【三包】${c.id} 已结案：${REMEDY_ZH[g]} / Case ${c.id} closed: ${g}`;
      lines.push(`结果 / Outcome: ${REMEDY_ZH[g]} / ${g}`, quote(r?.text ?? ''));
      if (r?.reasons) lines.push('理由 / Reasons:', quote(r.reasons));
      lines.push('', '请评价本次服务 / Please rate how your case was handled:');
      break;
    }
    default:
      return undefined;
  }
  lines.push('', `${head}`, link);
  return { subject, text: lines.join('\n') };
}

/** Quoted text: each line prefixed, as mail quoting does; the text itself untouched. */
const quote = (s: string) =>
  s
    .split(/\r?\n/)
    .map((l) => `> ${l}`)
    .join('\n');

/** The JSON a webhook receives (the maker's app or SMS gateway). */
export function webhookPayload(
  c: Case,
  intent: Intent,
  link: string,
  at: string,
): Record<string, unknown> {
  const toOwner = intent.audience === 'owner';
  return {
    event: intent.event,
    audience: intent.audience,
    at,
    case: {
      id: c.id,
      kind: c.kind,
      status: c.status,
      serial: c.serial,
      category: c.category,
      model: c.model,
      manufacturer: c.manufacturer,
      outletId: c.outletId,
      escalation: c.escalation,
      deadlines: c.deadlines.map((d) => ({
        key: d.key,
        due: d.due,
        status: d.status,
        clause: d.clause,
      })),
    },
    data: intent.data,
    link,
    // The owner's contact only when they asked to be told through the maker's channel.
    ...(toOwner && c.request.notify.webhook
      ? {
          owner: {
            notify: true,
            phone: c.request.contact.phone ?? null,
            name: c.request.contact.name ?? null,
          },
        }
      : {}),
  };
}
