import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connectDevice, provision, waitFor } from './helpers/clients.ts';
import {
  dbDigest,
  operations,
  resolver,
  sample,
  type JsonSchema,
  type Operation,
} from './helpers/openapi.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * The authorization matrix (issue 24), generated from the service's own OpenAPI document so a new
 * route cannot be left out: every operation × no token, a wrong token, each role (owner,
 * engineer, a manufacturer confined to its fleet, a subjectless manufacturer, admin, the service
 * desk and a regulator), and two tenants. The document says who may call each operation (`x-roles`) and what it addresses for
 * tenancy (`x-tenant`, core/tenant.ts); the matrix holds the service to it:
 * - no token or a wrong one → 401 (before the body is even read); a role not listed → 403;
 *   a listed role is never refused for its role; nothing answers 5xx;
 * - manufacturer B, confined to its fleet, aimed at manufacturer A's resources: every read
 *   answers without a single identifier of A's (serial, device, alert, order, outlet,
 *   technician, part, model, case, case webhook), and every write is refused with nothing
 *   stored.
 */
type Role = 'owner' | 'engineer' | 'manufacturer' | 'single' | 'admin' | 'desk' | 'regulator';

describe('authorization matrix from the OpenAPI document', () => {
  let svc: RunningService;
  let ops: Operation[];
  let resolve: (s: JsonSchema | undefined) => JsonSchema;
  const tokens = {} as Record<Role | 'makerB', string>;
  const A = {
    device: '',
    deviceSerial: '',
    unit: 'MX-UA',
    alert: '',
    order: '',
    outlet: 'MX-OUT-A',
    technician: 'MX-TECH-A',
    part: 'MX-PART-A',
    model: 'MX-MODEL-A',
    case: '',
    caseWebhook: '',
  };
  /** Tables that background work (ingest, diagnostics ticks) may change by itself. */
  const VOLATILE = ['devices', 'telemetry', 'device_events', 'alerts', 'alert_history'];

  const call = <T = unknown>(method: string, url: string, token?: string, body?: unknown) =>
    api<T>(svc.httpUrl, method, url, token, body);

  /** The operation's URL aimed at A's resources, with A's ids in the filters it has. */
  function urlFor(op: Operation): string {
    const fill: Record<string, string> = {
      serial: A.unit,
      category: 'air_conditioner',
      model: A.model,
      kind: 'outlets',
    };
    let path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      if (name !== 'id') return encodeURIComponent(fill[name] ?? 'x');
      if (op.path.startsWith('/api/v1/devices/')) return A.device;
      if (op.path.startsWith('/api/v1/alerts/')) return A.alert;
      if (op.path.startsWith('/api/v1/repair-orders/')) return A.order;
      if (op.path.startsWith('/api/v1/cases/webhooks/')) return A.caseWebhook;
      if (/^\/api\/v1\/(units\/\{serial\}\/)?cases\//.test(op.path)) return A.case;
      return 'none';
    });
    const q = new URLSearchParams();
    const filters: Record<string, string> = {
      manufacturer: 'MakerA',
      device: A.device,
      serial: A.unit,
      metric: 'indoor_temp_c',
      category: 'air_conditioner',
      component: 'compressor',
      number: A.part,
      id: A.outlet,
    };
    for (const p of op.parameters.filter((x) => x.in === 'query')) {
      const v = filters[p.name] ?? (p.required ? String(sample(p.schema, resolve)) : undefined);
      if (v !== undefined) q.set(p.name, v);
    }
    if (q.size) path += `?${q}`;
    return path;
  }

  /**
   * A body aimed at A's resources, in B's own name. A write whose rule only stamps the maker
   * (it creates something and names no resource, such as a case webhook) is aimed at A by
   * naming A as its maker.
   */
  function bodyFor(op: Operation): { body: unknown; contentType: string } | undefined {
    const inAsName = op.tenant === 'body.manufacturer = own manufacturer';
    if (!op.body) return undefined;
    if (op.body.contentType === 'text/csv')
      return {
        contentType: 'text/csv',
        body: `serial,category,model,invoiceDate,deviceId\nMX-CSV-1,air_conditioner,KFR,2025-01-10,${A.device}\n`,
      };
    return {
      contentType: 'application/json',
      body: sample(op.body.schema, resolve, {
        serial: 'MX-NEW-1',
        deviceId: A.device,
        manufacturer: inAsName ? 'MakerA' : 'MakerB',
        category: 'air_conditioner',
        model: A.model,
        number: A.part,
        id: A.outlet,
        certificate: A.technician,
        outletId: A.outlet,
        alertIds: [A.alert],
        invoiceDate: '2025-01-10',
        authorizedFrom: '2020-01-01',
        validFrom: '2020-01-01',
        name: 'taken over',
        mainParts: [],
        serials: ['FAKE-1'],
      }),
    };
  }

  async function send(op: Operation, token: string | undefined, withBody = true) {
    const b = withBody
      ? bodyFor(op)
      : op.body
        ? { contentType: 'application/json', body: {} }
        : undefined;
    const res = await fetch(`${svc.httpUrl}${urlFor(op)}`, {
      method: op.method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(b ? { 'content-type': b.contentType } : {}),
      },
      ...(b ? { body: typeof b.body === 'string' ? b.body : JSON.stringify(b.body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    // The live stream never ends: its status is the answer.
    const streaming = res.status === 200 && op.path.endsWith('/stream');
    const text = streaming ? '' : await res.text();
    if (streaming) await res.body?.cancel();
    let error: string | undefined;
    try {
      error = text ? (JSON.parse(text) as { error?: string }).error : undefined;
    } catch {
      error = undefined;
    }
    return { status: res.status, text, error };
  }

  beforeAll(async () => {
    svc = await startService();
    const issue = async (role: string, subject?: string) =>
      (
        await call<{ token: string }>('POST', '/api/v1/tokens', svc.adminToken, {
          role,
          ...(subject ? { subject } : {}),
        })
      ).body.token;
    tokens.admin = svc.adminToken;
    tokens.owner = await issue('owner', 'MX-OWNER');
    tokens.engineer = await issue('engineer', 'eng-mx');
    tokens.manufacturer = await issue('manufacturer', 'MakerA');
    tokens.makerB = await issue('manufacturer', 'MakerB');
    tokens.single = await issue('manufacturer');
    tokens.desk = await issue('desk', 'desk-mx');
    tokens.regulator = await issue('regulator', 'samr-mx');
    const ok = async (r: Promise<{ status: number; body: unknown }>) => {
      const x = await r;
      expect(x.status, JSON.stringify(x.body)).toBeLessThan(300);
      return x.body;
    };
    // Manufacturer A's fleet: a device linked to a unit (by staff), a model, a part, an outlet
    // with a technician, an alert and a repair order; B has its own unit and device.
    const dev = await provision(svc.httpUrl, svc.adminToken);
    A.device = dev.id;
    A.deviceSerial = dev.serial;
    const devB = await provision(svc.httpUrl, svc.adminToken);
    const unit = (serial: string, manufacturer: string, deviceId: string, model: string) =>
      ok(
        call('POST', '/api/v1/warranty/units', tokens.engineer, {
          serial,
          category: 'air_conditioner',
          model,
          manufacturer,
          deviceId,
          ownerId: 'MX-OWNER',
          invoiceDate: '2025-01-10',
        }),
      );
    await unit(A.unit, 'MakerA', A.device, A.model);
    await unit('MX-UB', 'MakerB', devB.id, 'MX-MODEL-B');
    const maker = tokens.manufacturer;
    await ok(
      call('POST', '/api/v1/warranty/models', maker, {
        manufacturer: 'MakerA',
        category: 'air_conditioner',
        model: A.model,
        mainParts: ['compressor'],
      }),
    );
    await ok(
      call('POST', '/api/v1/warranty/parts', maker, {
        number: A.part,
        name: 'compressor',
        manufacturer: 'MakerA',
        serials: ['S-1'],
      }),
    );
    await ok(
      call('POST', '/api/v1/warranty/outlets', maker, {
        id: A.outlet,
        name: 'A outlet',
        authorizedFrom: '2020-01-01',
      }),
    );
    await ok(
      call('POST', '/api/v1/warranty/technicians', maker, {
        certificate: A.technician,
        name: 'Li',
        outletId: A.outlet,
        validFrom: '2020-01-01',
      }),
    );
    const c = await connectDevice(svc.mqttUrl, dev);
    await c.publishAsync(
      `devices/${dev.id}/events`,
      JSON.stringify({ ts: Date.now(), code: 'F0', severity: 'error', detail: 'low refrigerant' }),
      { qos: 1 },
    );
    await c.endAsync();
    await waitFor(
      async () => {
        const l = await call<{ alerts: Array<{ id: string }> }>(
          'GET',
          `/api/v1/alerts?device=${A.device}`,
          tokens.engineer,
        );
        A.alert = l.body.alerts[0]?.id ?? '';
        return A.alert !== '';
      },
      15_000,
      "A's alert",
    );
    A.order = (
      (await ok(
        call('POST', '/api/v1/repair-orders', tokens.engineer, {
          alertIds: [A.alert],
          outletId: A.outlet,
        }),
      )) as { id: string }
    ).id;
    // A's case (opened by the desk for a caller) and A's case webhook (cases/).
    A.case = (
      (await ok(
        call('POST', '/api/v1/cases', tokens.desk, {
          serial: A.unit,
          kind: 'consultation',
          description: '如何保养？',
        }),
      )) as { id: string }
    ).id;
    A.caseWebhook = (
      (await ok(
        call('POST', '/api/v1/cases/webhooks', tokens.manufacturer, {
          url: 'https://93.184.215.14/cases',
          secret: 'matrix-case-webhook-0001',
        }),
      )) as { id: string }
    ).id;
    const doc = await call<Parameters<typeof operations>[0]>('GET', '/docs/json');
    ops = operations(doc.body).filter((o) => o.path.startsWith('/api/'));
    resolve = resolver(doc.body);
  }, 60_000);

  afterAll(async () => {
    await svc?.stop();
  });

  it('every operation says who may call it, and every one a manufacturer may call says what it addresses', () => {
    expect(ops.length).toBeGreaterThan(50);
    for (const op of ops) {
      const name = `${op.method} ${op.path}`;
      expect(op.public || op.roles !== undefined, name).toBe(true);
      if (op.roles?.includes('manufacturer')) expect(op.tenant, name).toBeDefined();
    }
  });

  it('manufacturer B reads nothing of manufacturer A, and cannot write to it', async () => {
    const markers = Object.values(A);
    const leaks: string[] = [];
    const stored: string[] = [];
    for (const op of ops.filter((o) => o.roles?.includes('manufacturer'))) {
      const name = `${op.method} ${op.path}`;
      const write = op.method !== 'GET' && !/^scoped: figures/.test(op.tenant ?? '');
      const before = write ? await dbDigest(svc.service.sql, VOLATILE) : '';
      const r = await send(op, tokens.makerB);
      expect(r.status, name).toBeLessThan(500);
      // What the request itself named may be echoed ("no device d…"); nothing else of A's.
      const asked = `${urlFor(op)} ${JSON.stringify(bodyFor(op)?.body ?? '')}`;
      const seen = markers.filter((m) => r.text.includes(m) && !asked.includes(m));
      if (seen.length) leaks.push(`${name} → ${r.status} shows ${seen.join(', ')}`);
      if (write) {
        if (r.status < 400) stored.push(`${name} → ${r.status}`);
        if ((await dbDigest(svc.service.sql, VOLATILE)) !== before)
          stored.push(`${name} changed the database`);
      }
      // A path that names one of A's resources is answered as for one that does not exist.
      if (/\{(id|serial)\}/.test(op.path) && op.method === 'GET') expect(r.status, name).toBe(404);
    }
    expect(leaks).toEqual([]);
    expect(stored).toEqual([]);
  });

  it('answers no token and a wrong token with 401, before reading the body', async () => {
    for (const op of ops.filter((o) => !o.public)) {
      const name = `${op.method} ${op.path}`;
      for (const token of [undefined, 'not-a-token-0123456789abcdef']) {
        const r = await send(op, token);
        expect(r.status, `${name} with ${token ? 'a wrong' : 'no'} token`).toBe(401);
        expect(r.error, name).toBe('APP_ERR_UNAUTHORIZED');
      }
    }
  });

  it('answers a role not listed with 403 and never refuses a listed role for its role', async () => {
    const problems: string[] = [];
    for (const op of ops.filter((o) => !o.public)) {
      const name = `${op.method} ${op.path}`;
      for (const role of [
        'owner',
        'engineer',
        'manufacturer',
        'single',
        'admin',
        'desk',
        'regulator',
      ] as const) {
        const listed = op.roles!.includes(role === 'single' ? 'manufacturer' : role);
        // An empty body: the role check is what is asked here, not the write.
        const r = await send(op, tokens[role], false);
        if (r.status >= 500) problems.push(`${name} as ${role}: ${r.status}`);
        if (!listed && (r.status !== 403 || r.error !== 'APP_ERR_FORBIDDEN'))
          problems.push(`${name} as ${role}: ${r.status} ${r.error}, expected 403`);
        if (listed && (r.status === 401 || r.error === 'APP_ERR_FORBIDDEN'))
          problems.push(`${name} as ${role}: refused for its role (${r.status} ${r.error})`);
      }
    }
    expect(problems).toEqual([]);
  });
});
