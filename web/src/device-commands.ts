import type { CommandRecord } from './api-types.ts';
import { ApiError, formatWhen, getJson, h, postJson, t } from './common.ts';
import { auth, errorText } from './session.ts';

/**
 * Remote diagnosis on the device page: send `self_test` or `dump` (`POST …/commands`, which
 * waits for the device's reply) and show the reply; the audit log (`GET …/commands`, engineers
 * only) is fetched when opened and after each command, so a manufacturer's page never meets a
 * 403. The panel keeps its element and state across re-renders of the page.
 */
export class CommandsPanel {
  readonly el: HTMLElement = h('section', {
    class: 'card',
    id: 'commands',
    'aria-labelledby': 'commands-h',
  });
  private reply: CommandRecord | undefined;
  private failure: unknown;
  private log: CommandRecord[] = [];
  private logOpen = false;
  private sending = false;
  private choice = { name: 'self_test', count: '3' };

  constructor(private readonly deviceId: string) {
    this.render();
  }

  private get url(): string {
    return `/api/v1/devices/${encodeURIComponent(this.deviceId)}/commands`;
  }

  /** Rebuilds the panel's content (language change), keeping what it shows. */
  render(): void {
    const name = h(
      'select',
      { id: 'cmd-name' },
      h('option', { value: 'self_test' }, t('cmd_self_test')),
      h('option', { value: 'dump' }, t('cmd_dump')),
    );
    name.value = this.choice.name;
    const count = h('input', {
      id: 'cmd-count',
      type: 'number',
      min: '1',
      max: '10',
      value: this.choice.count,
      inputmode: 'numeric',
    });
    const send = h(
      'button',
      { type: 'submit', id: 'cmd-send', disabled: this.sending },
      this.sending ? t('waitingReply') : t('send'),
    );
    const form = h(
      'form',
      { class: 'form inline', id: 'cmd-form' },
      h('div', { class: 'field' }, h('label', { for: 'cmd-name' }, t('command')), name),
      h('div', { class: 'field' }, h('label', { for: 'cmd-count' }, t('dumpCount')), count),
      send,
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!form.reportValidity()) return;
      this.choice = { name: name.value, count: count.value };
      void this.send();
    });
    this.el.replaceChildren(
      h('h2', { id: 'commands-h' }, t('remoteDiagnosis')),
      form,
      h('div', { id: 'cmd-reply', 'aria-live': 'polite' }, ...this.replyView()),
      this.logView(),
    );
  }

  private async send(): Promise<void> {
    this.sending = true;
    this.render();
    const { name, count } = this.choice;
    try {
      this.reply = await postJson<CommandRecord>(
        this.url,
        { name, args: name === 'dump' ? { count: Number(count) } : {}, timeoutMs: 10_000 },
        auth(),
      );
      this.failure = undefined;
    } catch (err) {
      this.reply = undefined;
      this.failure = err;
    }
    this.sending = false;
    if (this.logOpen) await this.loadLog();
    this.render();
    this.el.querySelector<HTMLButtonElement>('#cmd-send')?.focus();
  }

  private replyView(): Node[] {
    if (this.failure !== undefined) {
      const err = this.failure;
      const text = err instanceof ApiError && err.status === 504 ? t('noReply') : errorText(err);
      return [h('p', { class: 'error', role: 'alert' }, text)];
    }
    const r = this.reply;
    if (!r) return [];
    return [
      h(
        'p',
        { id: 'cmd-status', 'data-status': r.status },
        h(
          'span',
          { class: `badge ${r.status === 'ok' ? 'ok' : 'warn'}` },
          t(`cmdStatus_${r.status}`),
        ),
        ` ${r.name} · ${r.completedAt ? formatWhen(r.completedAt) : ''}`,
      ),
      ...(r.error ? [h('p', { class: 'error' }, r.error)] : []),
      h(
        'pre',
        { class: 'reply', id: 'cmd-result', tabindex: '0', 'aria-label': t('reply') },
        JSON.stringify(r.result, null, 2),
      ),
    ];
  }

  private logView(): HTMLElement {
    const details = h(
      'details',
      { id: 'cmd-log', open: this.logOpen },
      h('summary', {}, t('commandLog')),
      this.log.length === 0
        ? h('p', { class: 'muted' }, this.logOpen ? t('noCommands') : '')
        : h(
            'ul',
            { class: 'items' },
            ...this.log.map((c) =>
              h(
                'li',
                {},
                `${formatWhen(c.requestedAt)} · ${c.name} · ${t(`cmdStatus_${c.status}`)} · ${c.requestedBy ?? ''}`,
              ),
            ),
          ),
    );
    details.addEventListener('toggle', () => {
      if (details.open === this.logOpen) return;
      this.logOpen = details.open;
      if (details.open) void this.loadLog().then(() => this.render());
    });
    return details;
  }

  private async loadLog(): Promise<void> {
    try {
      this.log = (
        await getJson<{ commands: CommandRecord[] }>(`${this.url}?limit=5`, auth())
      ).commands;
    } catch (err) {
      this.log = [];
      this.failure = err;
    }
  }
}
