import { createHash } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { UNIT_CATEGORIES } from '../warranty/index.ts';
import path from 'node:path';
import { generateSecret, type Config } from '../core/index.ts';
import { call, runServiceDesk } from './demo-desk.ts';
import { startService } from './service.ts';

interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
}

/**
 * `npm run demo`: the service plus a simulated fleet of a few hundred mixed devices with
 * faults, talking to it over HTTP and MQTT exactly as real devices would.
 */
export async function runDemo(
  config: Config,
  io: Io,
  env: Record<string, string | undefined>,
): Promise<number> {
  const service = await startService(config);
  const token = generateSecret(24);
  await service.auth.issue({ role: 'admin', id: 'admin-demo', token, label: 'npm run demo' });
  const api = `http://127.0.0.1:${service.ports.http}`;
  const mqtt = `mqtt://127.0.0.1:${service.ports.tcp}`;
  const staff = await demoStaff(service, api, token);
  const deskToken = (await service.auth.issue({ role: 'desk', subject: 'demo-desk' })).token;
  const users = await demoUsers(service);
  const codesFile = path.join(config.dataDir, 'demo-verification-codes.jsonl');
  io.stdout(
    [
      '',
      `Sanbao demo: service on ${api} (MQTT ${mqtt}), 300 simulated devices, 10 % with injected faults.`,
      'The fleet replays the last 4 days at ten simulated minutes per second (about 10 minutes), then',
      'runs in real time. Within seconds every device is connected and reporting, and units already',
      'wearing out raise alerts with their fault codes; injected failures fall due from the second minute.',
      'A scripted service desk (the engineer token below) takes major and critical alerts: it opens a',
      'repair order, has the unit repaired 30 s later (a command to the simulated device) and closes',
      'the order, which writes the 三包 repair record; lines starting "desk:" say what it did.',
      '',
      `Admin token for this demo: ${token}`,
      `Engineer token: ${staff.engineer}    manufacturer token ("Demo"): ${staff.maker}`,
      `Service-desk token: ${deskToken}`,
      '',
      `Or sign in at ${api}/signin.html (new passwords on every start of the demo):`,
      ...users.map((u) => `  ${u.role.padEnd(12)} ${u.username.padEnd(16)} ${u.password}`),
      '',
      'Look at:',
      `  ${api}/fleet.html           # manufacturer overview (paste the manufacturer token)`,
      `  ${api}/engineer.html        # alert queue and devices (engineer token)`,
      `  ${api}/orders.html          # repair orders: close with parts and charges, or cancel`,
      `  ${api}/owner.html?serial=DEMO-SIM7-CAR-00001   # an owner's 三包 status and cases (its code is printed below once registered)`,
      `  ${api}/desk.html           # owners' claims and complaints with their legal clocks (desk token)`,
      `  curl -s "${api}/api/v1/devices?limit=5" -H "authorization: Bearer ${token}"`,
      `  curl -s "${api}/api/v1/devices/<id>/latest" -H "authorization: Bearer ${token}"`,
      `  curl -s "${api}/api/v1/devices/<id>/events" -H "authorization: Bearer ${token}"   # fault codes`,
      `  ${api}/docs            # the API explorer`,
      `  curl -s ${api}/metrics   # messages, refusals, spool, store latency`,
      `Ground truth of the injected faults: ${path.join(config.dataDir, 'demo-ground-truth.jsonl')}`,
      `Each unit's own verification code (as printed on its 三包凭证): ${codesFile}`,
      'Ctrl-C stops the fleet and the service.',
      '',
    ].join('\n'),
  );
  const { simulateCli } = await import('../simulators/index.ts');
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const fleet = simulateCli(
    [
      '--api',
      api,
      '--mqtt',
      mqtt,
      '--token',
      token,
      '--devices',
      '300',
      '--faults',
      '0.1',
      '--speed',
      // What PGlite stores with room to spare (~3,000 readings/s from 300 devices). At 3600 the
      // fleet offered 18,000/s, five times what was stored: the spool grew 2.5 MB/s towards
      // its bound, alerts (diagnostics reads stored samples) fell behind, pages took seconds.
      '600',
      '--seed',
      '7', // serials SIM7-…, so the owner page above exists
      // No --duration: 10 minutes' worth of replay (4 days at 600×), then real time until Ctrl-C;
      // faults fail within that window, so the first ones come in the second minute.
      '--credentials',
      path.join(config.dataDir, 'demo-credentials.json'),
      '--ground-truth',
      path.join(config.dataDir, 'demo-ground-truth.jsonl'),
    ],
    // The fleet's once-a-second progress line would scroll the list above out of sight: one
    // every 15 s; everything else it says (provisioning, connecting, errors) as it comes.
    { ...io, stderr: throttleProgress(io.stderr, 15_000), env },
  );
  // Every simulated device of a 三包 category gets its warranty unit (sold in the last two
  // years, one of six production batches), so alerts can become repair orders and the fleet
  // pages have failure rates to show.
  const units = registerUnitsAsDevicesAppear(
    api,
    token,
    stop.signal,
    (err) => io.stderr(`demo: registering warranty units failed: ${(err as Error).message}`),
    async (serial, code) => {
      await appendFile(codesFile, `${JSON.stringify({ serial, verificationCode: code })}\n`);
      if (serial === 'DEMO-SIM7-CAR-00001')
        io.stdout(
          `demo: owner page ${api}/owner.html?serial=${serial} — verification code ${code}`,
        );
    },
  );
  const desk = runServiceDesk({
    api,
    token: staff.engineer,
    outletId: 'DEMO-OUTLET',
    signal: stop.signal,
    say: io.stdout,
    onError: (err) => io.stderr(`demo: service desk: ${(err as Error).message}`),
  });
  const code = await Promise.race([
    fleet,
    new Promise<number>((r) => stop.signal.addEventListener('abort', () => r(0))),
  ]);
  stop.abort();
  await Promise.all([units, desk]);
  await service.close();
  return code;
}

/** Passes lines through, except the runner's progress lines (they start with the simulated time). */
function throttleProgress(out: (s: string) => void, everyMs: number): (s: string) => void {
  let last = -Infinity;
  return (s) => {
    if (!/^\d{4}-\d\d-\d\dT/.test(s)) return out(s);
    const now = performance.now();
    if (now - last < everyMs) return;
    last = now;
    out(s);
  };
}

/**
 * One user per staff role, with a password drawn now (printed at the demo's start; an earlier
 * run's users get the new one): the engineer and the maker act under the same subjects as the
 * demo's tokens, so the pages show the same work either way.
 */
async function demoUsers(
  service: Awaited<ReturnType<typeof startService>>,
): Promise<Array<{ role: string; username: string; password: string }>> {
  const people = [
    { username: 'demo-admin', role: 'admin', subject: null },
    { username: 'demo-engineer', role: 'engineer', subject: 'demo-engineer' },
    { username: 'demo-maker', role: 'manufacturer', subject: 'Demo' },
    { username: 'demo-desk', role: 'desk', subject: 'demo-desk' },
    { username: 'demo-regulator', role: 'regulator', subject: 'demo-regulator' },
  ] as const;
  const out = [];
  for (const p of people) {
    const password = generateSecret(9);
    await service.accounts.ensureUser({ ...p, password });
    out.push({ role: p.role, username: p.username, password });
  }
  return out;
}

/** An engineer and a manufacturer token, and the authorized outlet repairs are recorded at. */
export async function demoStaff(
  service: Awaited<ReturnType<typeof startService>>,
  api: string,
  admin: string,
): Promise<{ engineer: string; maker: string }> {
  const engineer = (await service.auth.issue({ role: 'engineer', subject: 'demo-engineer' })).token;
  const maker = (await service.auth.issue({ role: 'manufacturer', subject: 'Demo' })).token;
  await call({ api, token: admin }, 'POST', '/api/v1/warranty/outlets', {
    id: 'DEMO-OUTLET',
    name: '演示授权服务站 Demo authorized outlet',
    manufacturer: 'Demo',
    servicePhone: '400-000-0000',
    authorizedFrom: '2020-01-01',
  });
  // Excavators have no national 三包 rules: the demo maker's own terms cover its units (a
  // version saved by an earlier run of the demo is kept: 409).
  const policy = await call({ api, token: admin }, 'POST', '/api/v1/warranty/policies', {
    manufacturer: 'Demo',
    category: 'excavator',
    model: 'SY215C',
    version: 'demo-1',
    effectiveFrom: '2020-01-01',
    title: '演示厂家《挖掘机三包服务承诺》（示例）',
    startRule: { kind: 'delivery', clause: '第二条' },
    terms: {
      wholeUnitMonths: { value: 12, clause: '第三条' },
      mainPartMonths: { value: 24, clause: '第四条' },
      repairCountLimit: { value: 2, clause: '第六条' },
    },
    mainParts: ['engine', 'hydraulic_pump', 'main_control_valve', 'travel_motor', 'swing_motor'],
    mainPartsClause: '第四条',
    freeRepairClause: '第五条',
    exclusions: { consumer_misuse: '第八条', consumer_no_maintenance: '第八条' },
  });
  if (policy.status !== 201 && policy.status !== 409)
    throw new Error(`demo: excavator policy: HTTP ${policy.status} ${JSON.stringify(policy.body)}`);
  return { engineer, maker };
}

/** Units are registered for every category with 三包 terms: national, or the maker's own. */
const WARRANTY = new Set<string>(UNIT_CATEGORIES);

export async function registerUnitsAsDevicesAppear(
  api: string,
  token: string,
  stop: AbortSignal,
  onError: (err: unknown) => void,
  /** Each unit's verification code, generated by the service (each unit has its own). */
  onCode: (serial: string, code: string) => Promise<void> | void = () => undefined,
): Promise<void> {
  const done = new Set<string>();
  while (!stop.aborted) {
    try {
      const r = await call({ api, token }, 'GET', '/api/v1/devices?limit=1000');
      const devices =
        (
          r.body as {
            devices?: Array<{ id: string; category: string; model: string; serial: string }>;
          }
        ).devices ?? [];
      for (const d of devices) {
        if (done.has(d.id) || stop.aborted) continue;
        done.add(d.id);
        if (!WARRANTY.has(d.category)) continue;
        const h = createHash('sha256').update(d.id).digest();
        const age = 20 + (h.readUInt16BE(0) % 700);
        const sold = new Date(Date.now() + 8 * 3_600_000 - age * 86_400_000)
          .toISOString()
          .slice(0, 10);
        const r = await call({ api, token }, 'POST', '/api/v1/warranty/units', {
          serial: `DEMO-${d.serial}`,
          category: d.category,
          model: d.model,
          manufacturer: 'Demo',
          deviceId: d.id,
          invoiceDate: sold,
          priceCNY: 1_000 + (h.readUInt16BE(2) % 9_000),
          productionBatch: `B${String.fromCharCode(65 + (h[4]! % 6))}`,
        });
        const code = (r.body as { verificationCode?: string } | undefined)?.verificationCode;
        if (r.status === 201 && code) await onCode(`DEMO-${d.serial}`, code);
      }
    } catch (err) {
      onError(err);
    }
    await new Promise((r) => setTimeout(r, 3_000).unref());
  }
}
