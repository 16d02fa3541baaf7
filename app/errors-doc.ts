import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorCatalogue } from '../core/index.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Files that declare error codes (each module's catalogue). */
const SOURCES = [
  'core/errors.ts',
  'broker/errors.ts',
  'devices/errors.ts',
  'ingest/stores/influx-schema.ts',
  'warranty/errors.ts',
  'diagnostics/errors.ts',
  'simulators/errors.ts',
  'quality/errors.ts',
  'cases/errors.ts',
  'accounts/errors.ts',
  'audit/errors.ts',
];

/** Imports every module catalogue so that `errorCatalogue()` is complete. */
export async function loadCatalogues(): Promise<void> {
  for (const f of SOURCES) {
    const file = path.join(ROOT, f);
    if (existsSync(file)) await import(pathToFileURL(file).href);
  }
}

/** CONNACK refusals: return code, `result` label, when. */
const MQTT_REFUSALS: Array<[string, string, string]> = [
  [
    '2 (identifier rejected)',
    'identifier_rejected',
    "client id ≠ username; a device's id from anyone else; zero-length id with CleanSession=0",
  ],
  [
    '3 (server unavailable)',
    'unavailable',
    'cluster mode: the node has lost Redis, where sessions live; connect again (another node, or once Redis is back)',
  ],
  ['4 (bad user name or password)', 'bad_credentials', 'wrong secret, unknown device, bad token'],
  ['5 (not authorized)', 'disabled', 'disabled device'],
];

/** docs/errors.md, generated from the catalogue (`npm run docs:errors`). */
export async function renderErrorsDoc(): Promise<string> {
  await loadCatalogues();
  const rows = [...errorCatalogue()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, e]) => `| \`${code}\` | ${e.statusCode} | ${e.message.replace(/\|/g, '\\|')} |`);
  return [
    '# Error codes',
    '',
    'Every HTTP error is `{"error": CODE, "message", "details"?}` with the status below; `%s` stands',
    'for the specifics in the message. Validation errors list `details: [{path, message}]`.',
    'Generated from the code by `npm run docs:errors`; a test keeps this page in sync.',
    '',
    '| code | HTTP status | message |',
    '|---|---|---|',
    ...rows,
    '',
    '## MQTT: refused connections',
    '',
    'A refused MQTT connection gets a CONNACK return code (MQTT 3.1.1) and is counted in',
    '`sanbao_mqtt_connects_total{result}` (broker/authenticate.ts, broker/cluster-admission.ts).',
    '',
    '| CONNACK return code | result | when |',
    '|---|---|---|',
    ...MQTT_REFUSALS.map(([code, result, when]) => `| ${code} | \`${result}\` | ${when} |`),
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await writeFile(path.join(ROOT, 'docs/errors.md'), await renderErrorsDoc());
}
