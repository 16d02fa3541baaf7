import { h, initPage, lang, onLangChange, setLang } from './common.ts';
import { relabelDevice, startDevice, stopDevice } from './engineer-device.ts';
import { relabelQueue, startQueue, stopQueue } from './engineer-queue.ts';
import { loadNames } from './names.ts';
import { errorText, hasToken, wireTokenForm } from './session.ts';
import { wireOrdersTexts } from './orders-i18n.ts';

/**
 * Engineer page: the alert queue (`engineer.html`), or one device (`engineer.html?device=…`).
 * Both need an engineer token (a manufacturer's token reads but cannot act).
 */
const params = new URLSearchParams(location.search);
const deviceId = params.get('device');
let started = false;

function showError(err: unknown): void {
  const box = document.getElementById('page-error')!;
  box.hidden = err === undefined;
  box.replaceChildren(err === undefined ? '' : h('span', {}, errorText(err)));
}

function start(): void {
  initPage();
  wireOrdersTexts();
  wireTokenForm(() => {
    showError(undefined);
    if (deviceId) stopDevice();
    else stopQueue();
    started = hasToken();
    if (!started) return;
    if (deviceId) void startDevice(deviceId, params.get('alert')).catch(showError);
    else startQueue();
  });
  onLangChange(() => {
    if (!started) return;
    if (deviceId) relabelDevice();
    else relabelQueue();
  });
  // Mode and component names in the page's language, once they are in: render again.
  void loadNames().then(() => setLang(lang()));
}

start();
