import { formatCNY, getJson, h, postJson, t } from './common.ts';
import type { Key } from './i18n.ts';
import type { Order } from './orders.ts';
import { to, type OKey } from './orders-i18n.ts';
import { auth } from './session.ts';

/**
 * The form that closes a repair order (`POST /api/v1/repair-orders/{id}/close`): what was done,
 * the parts used (each genuine or not), the itemised charges with what the owner pays, and —
 * from the unit's 三包 status today (`GET /api/v1/units/{serial}/warranty`) — whether this repair
 * is free for the owner. Keyboard: every control is a labelled form control; "Add a part" moves
 * the focus to the new part's name, removing one moves it to the add button.
 */
export interface Finding {
  check: string;
  severity: 'violation' | 'warning' | 'unchecked';
  rule: string;
  message: { zh: string; en: string };
}
export interface Closed {
  order: Order;
  record: { seq: number };
  checks: Finding[];
  /** What the owner paid (the sum of the charges sent). */
  total: number;
}
interface Deadline {
  key: string;
  clause: string;
  end: string;
  passed: boolean;
}
interface Remedy {
  kind: string;
  clause: string;
  free?: boolean;
  explanation: { zh: string; en: string };
}

const CAUSES = [
  'quality',
  'consumer_misuse',
  'consumer_no_maintenance',
  'consumer_modification',
  'unauthorized_disassembly',
  'force_majeure',
  'disclosed_defect',
] as const;

/** A label whose text follows the language switch (orders-i18n.ts fills `data-to`). */
const label = (forId: string, key: OKey) => h('label', { for: forId, 'data-to': key }, to(key));

function field(id: string, key: OKey, control: HTMLElement): HTMLElement {
  return h('div', { class: 'field' }, label(id, key), control);
}

const money = (id: string) =>
  h('input', { id, type: 'number', min: '0', step: 'any', inputmode: 'decimal', value: '0' });

/** Local `datetime-local` value → ISO instant with the browser's offset. */
function isoFromLocal(v: string): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function closeForm(
  o: Order,
  done: (r: Closed) => void,
  why: (err: unknown) => string,
): HTMLElement & { relabel?: () => void } {
  const parts = h('div', { id: 'c-parts', class: 'parts' });
  const noParts = h('p', { class: 'muted', 'data-to': 'noParts' }, to('noParts'));
  const addPart = h('button', { type: 'button', class: 'secondary', id: 'c-add-part' }, '');
  let partSeq = 0;

  /** Numbers the parts' legends and remove buttons 1…n in the current language. */
  const renumber = () => {
    const rows = [...parts.querySelectorAll<HTMLFieldSetElement>('fieldset.part')];
    noParts.hidden = rows.length > 0;
    rows.forEach((fs, i) => {
      fs.querySelector('legend')!.textContent = to('partN', { n: i + 1 });
      fs.querySelector<HTMLButtonElement>('button.remove')!.textContent = to('removePart', {
        n: i + 1,
      });
    });
    addPart.textContent = to('addPart');
  };

  function addPartRow(): HTMLInputElement {
    const k = ++partSeq;
    const id = (f: string) => `c-part-${k}-${f}`;
    const nameIn = h('input', { id: id('name'), required: true, maxlength: '200' });
    const numIn = h('input', {
      id: id('number'),
      required: true,
      maxlength: '100',
      spellcheck: 'false',
    });
    const serialIn = h('input', { id: id('serial'), maxlength: '100', spellcheck: 'false' });
    const genuine = h('input', { id: id('genuine'), type: 'checkbox', checked: true });
    const remove = h('button', { type: 'button', class: 'secondary remove' }, '');
    const fs = h(
      'fieldset',
      { class: 'plain part', 'data-part': String(k) },
      h('legend', {}, ''),
      field(id('name'), 'partName', nameIn),
      field(id('number'), 'partNumber', numIn),
      field(id('serial'), 'partSerial', serialIn),
      h(
        'div',
        { class: 'choice' },
        h('label', {}, genuine, h('span', { 'data-to': 'partGenuine' }, to('partGenuine'))),
      ),
      h('div', { class: 'buttons' }, remove),
    );
    remove.addEventListener('click', () => {
      fs.remove();
      renumber();
      addPart.focus();
    });
    parts.append(fs);
    renumber();
    return nameIn;
  }
  addPart.addEventListener('click', () => addPartRow().focus());

  const hours = money('c-hours');
  const rate = money('c-rate');
  const materials = money('c-materials');
  const towing = money('c-towing');
  const totalLine = h('p', { id: 'c-total', class: 'cost', 'aria-live': 'polite' }, '');
  const freeLine = h('p', { id: 'c-free', 'data-free': '' }, '');
  let status: { remedies: Remedy[]; deadlines: Deadline[] } | undefined;
  const num = (i: HTMLInputElement) => {
    const v = Number(i.value);
    return Number.isFinite(v) && v > 0 ? v : 0;
  };
  const total = () => num(hours) * num(rate) + num(materials) + num(towing);
  /** Whether 三包 makes this repair free today: a free remedy, or a free-repair period running. */
  const freeNow = (): { free: 'true' | 'parts' | 'false' | ''; text: string } => {
    if (!status) return { free: '', text: to('freeUnknown') };
    const r = status.remedies.find((x) => x.kind === 'free_repair' || x.kind === 'assembly_swap');
    if (r)
      return {
        free: 'true',
        text: to('freeNow', { kind: t(`kind_${r.kind}` as Key), clause: r.clause }),
      };
    const running = (key: string) => status!.deadlines.find((d) => d.key === key && !d.passed);
    const whole = running('whole_unit_period');
    if (whole)
      return { free: 'true', text: to('freeUntil', { end: whole.end, clause: whole.clause }) };
    const main = running('main_part_period');
    if (main)
      return { free: 'parts', text: to('mainFreeUntil', { end: main.end, clause: main.clause }) };
    return status.deadlines.length
      ? { free: 'false', text: to('notFreeNow') }
      : { free: '', text: to('freeUnknown') };
  };
  const showCharges = () => {
    totalLine.textContent = to('ownerPays', { total: formatCNY(total()) });
    const f = freeNow();
    freeLine.dataset.free = f.free;
    freeLine.className = f.free === 'true' && total() > 0 ? 'error' : '';
    freeLine.textContent = f.text;
  };
  for (const i of [hours, rate, materials, towing]) i.addEventListener('input', showCharges);
  // The unit's 三包 status today: is a repair free for the owner?
  getJson<{ remedies: Remedy[]; deadlines: Deadline[] }>(
    `/api/v1/units/${encodeURIComponent(o.serial)}/warranty`,
    auth(),
  )
    .then((w) => (status = w))
    .catch(() => (status = undefined))
    .finally(showCharges);

  const cause = h(
    'select',
    { id: 'c-cause' },
    ...CAUSES.map((c) => h('option', { value: c, 'data-to': `cause_${c}` }, to(`cause_${c}`))),
  );
  const remedy = h(
    'select',
    { id: 'c-remedy' },
    ...(['repair', 'exchange', 'return'] as const).map((r) =>
      h('option', { value: r, 'data-to': `remedy_${r}` }, to(`remedy_${r}`)),
    ),
  );
  const handedBack = h('input', { id: 'c-handed-back', type: 'datetime-local' });
  const inspection = h('textarea', { id: 'c-inspection', maxlength: '2000', rows: '2' });
  const work = h('textarea', { id: 'c-work', maxlength: '4000', rows: '3' });
  const repairer = h('input', {
    id: 'c-repairer',
    required: true,
    maxlength: '100',
    autocomplete: 'name',
  });
  const consumer = h('input', { id: 'c-consumer', maxlength: '100', autocomplete: 'off' });
  const error = h('p', { class: 'error', role: 'alert', hidden: true, id: 'c-error' });
  const submit = h(
    'button',
    { type: 'submit', id: 'c-submit', 'data-to': 'closeOrder' },
    to('closeOrder'),
  );

  const form = h(
    'form',
    { class: 'form', id: 'close-form', novalidate: true },
    h('p', { 'data-to': 'closeLead' }, to('closeLead')),
    field('c-handed-back', 'handedBackAt', handedBack),
    field('c-inspection', 'inspectionResult', inspection),
    field('c-work', 'workItems', work),
    field('c-cause', 'cause', cause),
    h(
      'fieldset',
      { class: 'plain', 'aria-describedby': 'c-parts-hint' },
      h('legend', { 'data-to': 'partsUsed' }, to('partsUsed')),
      h(
        'small',
        { id: 'c-parts-hint', class: 'muted', 'data-to': 'partsUsedHint' },
        to('partsUsedHint'),
      ),
      noParts,
      parts,
      h('div', { class: 'buttons' }, addPart),
    ),
    h(
      'fieldset',
      { class: 'plain', id: 'c-charges' },
      h('legend', { 'data-to': 'charges' }, to('charges')),
      field('c-hours', 'labourHours', hours),
      field('c-rate', 'labourRate', rate),
      field('c-materials', 'materials', materials),
      field('c-towing', 'towing', towing),
      totalLine,
      freeLine,
    ),
    field('c-remedy', 'remedyGranted', remedy),
    field('c-repairer', 'repairer', repairer),
    field('c-consumer', 'consumer', consumer),
    error,
    h('div', { class: 'buttons' }, submit),
  );

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    const partRows = [...parts.querySelectorAll<HTMLFieldSetElement>('fieldset.part')].map((fs) => {
      const v = (f: string) => fs.querySelector<HTMLInputElement>(`[id$="-${f}"]`)!.value.trim();
      const serial = v('serial');
      return {
        name: v('name'),
        number: v('number'),
        ...(serial ? { serial } : {}),
        genuine: fs.querySelector<HTMLInputElement>('[id$="-genuine"]')!.checked,
      };
    });
    const lines = work.value
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
    const back = isoFromLocal(handedBack.value);
    const sum = total();
    submit.disabled = true;
    submit.textContent = to('closing');
    error.hidden = true;
    postJson<Omit<Closed, 'total'>>(
      `/api/v1/repair-orders/${encodeURIComponent(o.id)}/close`,
      {
        ...(back ? { handedBackAt: back } : {}),
        ...(inspection.value.trim() ? { inspectionResult: inspection.value.trim() } : {}),
        diagnosis: { cause: cause.value },
        workItems: lines,
        parts: partRows,
        charges: {
          labourHours: num(hours),
          labourRateCNY: num(rate),
          materialsCNY: num(materials),
          towingCNY: num(towing),
        },
        remedyGranted: remedy.value,
        signatures: {
          repairer: repairer.value.trim(),
          ...(consumer.value.trim() ? { consumer: consumer.value.trim() } : {}),
        },
      },
      auth(),
    )
      .then((r) => done({ ...r, total: sum }))
      .catch((err: unknown) => {
        error.hidden = false;
        error.textContent = why(err);
      })
      .finally(() => {
        submit.disabled = false;
        submit.textContent = to('closeOrder');
      });
  });

  renumber();
  showCharges();
  const section = h(
    'section',
    { class: 'card', id: 'close', 'aria-labelledby': 'close-h' },
    h('h2', { id: 'close-h', 'data-to': 'closeTitle' }, to('closeTitle')),
    form,
  ) as HTMLElement & { relabel?: () => void };
  section.relabel = () => {
    renumber();
    showCharges();
  };
  return section;
}
