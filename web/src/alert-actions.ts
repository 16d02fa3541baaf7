import type { Alert, RepairOrder } from './api-types.ts';
import { ApiError, postJson, t } from './common.ts';
import { auth, errorText } from './session.ts';
import type { Key } from './i18n.ts';
import { alertMode } from './names.ts';

/**
 * What an engineer does with an alert: acknowledge (one click), and assign, resolve, dismiss
 * (with a reason) or open a repair order through one modal `<dialog>` (focus moves into it,
 * Escape closes it, focus returns to the button that opened it).
 */
export type DialogAction = 'assign' | 'resolve' | 'dismiss' | 'order';

const TITLES: Record<DialogAction, Key> = {
  assign: 'assignTitle',
  resolve: 'resolveTitle',
  dismiss: 'dismissTitle',
  order: 'orderTitle',
};

const el = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const alertUrl = (a: Alert, what: string) => `/api/v1/alerts/${encodeURIComponent(a.id)}/${what}`;

/** Acknowledges an open alert; returns the alert as it now is. */
export const acknowledge = (a: Alert): Promise<Alert> =>
  postJson<Alert>(alertUrl(a, 'ack'), {}, auth());

/** One line naming the alert, for dialogs and announcements. */
export const describeAlert = (a: Alert): string => `${alertMode(a)} · ${a.deviceId}`;

/** Local `datetime-local` value → ISO instant with the browser's offset. */
function isoFromLocal(v: string): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

async function submit(kind: DialogAction, a: Alert): Promise<Alert | RepairOrder> {
  const val = (id: string) => el<HTMLInputElement | HTMLTextAreaElement>(id).value.trim();
  switch (kind) {
    case 'assign':
      return postJson<Alert>(
        alertUrl(a, 'assign'),
        { assignee: val('d-assignee') || null },
        auth(),
      );
    case 'resolve': {
      const ref = val('d-repair-ref');
      return postJson<Alert>(alertUrl(a, 'resolve'), ref ? { repairRef: ref } : {}, auth());
    }
    case 'dismiss':
      return postJson<Alert>(alertUrl(a, 'dismiss'), { reason: val('d-reason') }, auth());
    case 'order': {
      const cert = val('d-cert');
      const dropped = isoFromLocal(val('d-dropped'));
      const note = val('d-note');
      return postJson<RepairOrder>(
        '/api/v1/repair-orders',
        {
          alertIds: [a.id],
          outletId: val('d-outlet'),
          ...(cert ? { technicianCertificate: cert } : {}),
          ...(dropped ? { droppedOffAt: dropped } : {}),
          ...(note ? { note } : {}),
        },
        auth(),
      );
    }
  }
}

/**
 * Opens the dialog for `kind` on alert `a`; resolves with the API's answer once it succeeds,
 * or undefined when cancelled. Errors stay in the dialog so the engineer can correct and retry.
 */
export function openActionDialog(
  kind: DialogAction,
  a: Alert,
): Promise<Alert | RepairOrder | undefined> {
  const dialog = el<HTMLDialogElement>('action-dialog');
  const form = el<HTMLFormElement>('action-form');
  const error = el<HTMLParagraphElement>('dialog-error');
  const ok = el<HTMLButtonElement>('dialog-ok');
  const opener = document.activeElement as HTMLElement | null;
  el('dialog-h').textContent = t(TITLES[kind]);
  el('dialog-about').textContent = describeAlert(a);
  for (const fs of form.querySelectorAll<HTMLFieldSetElement>('fieldset[data-for]')) {
    const mine = fs.dataset.for === kind;
    fs.hidden = !mine;
    fs.disabled = !mine; // fields of other actions are neither validated nor focused
  }
  form.reset();
  if (kind === 'assign') el<HTMLInputElement>('d-assignee').value = a.assignee ?? '';
  error.hidden = true;
  ok.textContent = t(kind === 'order' ? 'openOrder' : 'confirm');

  return new Promise((resolve) => {
    const done = (r: Alert | RepairOrder | undefined) => {
      form.removeEventListener('submit', onSubmit);
      el('dialog-cancel').removeEventListener('click', onCancel);
      dialog.removeEventListener('close', onClose);
      if (dialog.open) dialog.close();
      // A live update may have re-rendered the opener's row meanwhile: the same button then.
      const same = document.querySelector<HTMLElement>(
        `[data-alert="${CSS.escape(a.id)}"] [data-action="${kind}"]`,
      );
      (opener?.isConnected ? opener : same)?.focus();
      resolve(r);
    };
    const onSubmit = (ev: SubmitEvent) => {
      ev.preventDefault();
      if (!form.reportValidity()) return;
      ok.disabled = true;
      submit(kind, a)
        .then(done, (err: unknown) => {
          error.hidden = false;
          error.textContent =
            // No such route yet (APP_ERR_NOT_FOUND), as opposed to an unknown outlet or alert.
            kind === 'order' && err instanceof ApiError && err.code === 'APP_ERR_NOT_FOUND'
              ? t('ordersUnavailable')
              : errorText(err);
        })
        .finally(() => (ok.disabled = false));
    };
    const onCancel = () => done(undefined);
    const onClose = () => done(undefined);
    form.addEventListener('submit', onSubmit);
    el('dialog-cancel').addEventListener('click', onCancel);
    dialog.addEventListener('close', onClose);
    dialog.showModal();
  });
}
