import type { FastifyRequest } from 'fastify';
import type { Sql } from './db.ts';
import { AppErrors } from './errors.ts';

/**
 * Tenancy: what a token confined to one manufacturer may see and change. A manufacturer token
 * with a subject (say 'Gree') is confined to that manufacturer; everyone else is not:
 * - a manufacturer token without a subject is a single-tenant install (one maker, everything);
 * - engineers serve the outlets of every manufacturer, so they see every device and alert;
 * - admins see everything; owner tokens reach only their own units (warranty/owner-access.ts).
 *
 * ONE mechanism checks every route (issue 24): each route that a manufacturer token may call
 * declares in its config what it addresses (`config.tenant`, a {@link TenantRule}); the role
 * check (`auth.require`, core/auth.ts) applies that rule right after authenticating, before the
 * handler runs. Every module declares its resources here (`tenancy.define`): how to tell whether
 * a key is a maker's, and the error that hides it (the same as for a key that does not exist).
 * A route that admits manufacturers without a rule does not start (app/http.ts), and a request
 * that reaches one anyway is refused (fail closed). test/authorization-matrix.test.ts probes
 * every operation of the OpenAPI document with two tenants.
 *
 * A device belongs to manufacturer M when a warranty unit with `manufacturer = M` is linked to it
 * (`warranty_units.device_id`), the rule of the fleet routes (quality/scope.ts).
 */

/** How a key relates to a manufacturer: its own, someone else's (or nobody's), or not there. */
export type Relation = 'owned' | 'foreign' | 'absent';

export interface TenantResource {
  relation(maker: string, key: string): Promise<Relation>;
  /** What a confined token gets for a key that is not its own: the error of a missing one. */
  hidden(key: string): Error;
}

/** A resource a request body names. */
export interface BodyClaim {
  resource: string;
  /** The key the body names; undefined when it names none. */
  key: (body: Record<string, unknown>) => string | undefined;
  /**
   * `upsert`: the body creates or replaces this resource, so one that exists must be the
   * maker's (another maker's → 403). `link`: the body points at this resource, which must exist
   * and be the maker's (else the hidden error, as for a missing one).
   */
  mode: 'upsert' | 'link';
  /** A confined token must name one (a technician is certified for one of the maker's outlets). */
  required?: boolean;
}

/**
 * What a route addresses, declared in its config (`config: { tenant: … }`):
 * - `shared`: the same answer for every caller that passes the role check (the reason says why);
 * - `scoped`: the handler narrows what it reads to {@link scopeOf} (lists, fleet figures) or
 *   checks what it writes with `tenancy.check` (the reason says which);
 * - `params` / `body`: the path parameters and body keys it addresses, checked before the
 *   handler; `stamp` names the body field that carries the manufacturer: a confined token may
 *   leave it out (it is filled in) or give its own, never another.
 */
export type TenantRule = { shared: string } | { scoped: string } | ParamsRule;

export interface BodyRule {
  body?: BodyClaim[];
  stamp?: string;
}
interface ParamsRule extends BodyRule {
  params?: Record<string, string>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's tenancy rule (core/tenant.ts); required where a manufacturer token may call. */
    tenant?: TenantRule;
  }
}

export interface Tenancy {
  /** Whether `deviceId` exists and belongs to `manufacturer`. */
  owns(manufacturer: string, deviceId: string): Promise<boolean>;
  /** The ids of every device of `manufacturer`, as of now. */
  devicesOf(manufacturer: string): Promise<Set<string>>;
  /** Declares a resource kind (each module declares its own; `device` is built in). */
  define(kind: string, resource: TenantResource): void;
  /** Whether `kind` is declared. */
  has(kind: string): boolean;
  /** Applies the route's rule to the request's principal; throws when it may not proceed. */
  enforce(req: FastifyRequest): Promise<void>;
  /** One check of a resource for a confined manufacturer. */
  check(maker: string, mode: BodyClaim['mode'], kind: string, key: string): Promise<void>;
  /**
   * Applies a rule's `stamp` and `body` claims to one object the handler holds (a route whose
   * body holds many, such as a CSV import, claims each with the rule of the single route).
   * Returns the object as it may be stored (the manufacturer filled in for a confined token).
   */
  claim<T extends object>(req: FastifyRequest, rule: BodyRule, item: T): Promise<T>;
}

/** The manufacturer a principal is confined to, or null when it sees the whole fleet. */
export function confinedTo(p: { role: string; subject: string | null } | undefined): string | null {
  return p?.role === 'manufacturer' && p.subject ? p.subject : null;
}

/**
 * The manufacturer a request's reads are narrowed to (null: unconfined). For routes whose rule
 * is `scoped`; the principal is set by `auth.require`.
 */
export function scopeOf(req: FastifyRequest): string | null {
  return confinedTo(req.principal);
}

/** The rule as one line, for the OpenAPI document (`x-tenant`) and error messages. */
export function describeRule(rule: TenantRule | undefined): string | undefined {
  if (!rule) return undefined;
  if ('shared' in rule) return `shared: ${rule.shared}`;
  if ('scoped' in rule) return `scoped: ${rule.scoped}`;
  const parts = [
    ...Object.entries(rule.params ?? {}).map(([p, kind]) => `${kind} {${p}}`),
    ...(rule.body ?? []).map((c) => `${c.mode} ${c.resource} (body)`),
    ...(rule.stamp ? [`body.${rule.stamp} = own manufacturer`] : []),
  ];
  return parts.join('; ');
}

/**
 * SQL condition: the device id in `column` belongs to the manufacturer given as parameter
 * `$param`. The same rule as quality/scope.ts; a unit without a device never matches.
 */
export function ownedDeviceSql(column: string, param: number): string {
  return `${column} IN (SELECT device_id FROM warranty_units WHERE device_id IS NOT NULL AND manufacturer = $${param})`;
}

export function createTenancy(sql: Sql, hideDevice: (id: string) => Error): Tenancy {
  const resources = new Map<string, TenantResource>();
  const resource = (kind: string): TenantResource => {
    const r = resources.get(kind);
    // A rule naming an undeclared kind is a programming error: refuse rather than let through.
    if (!r) throw new Error(`tenancy: resource kind "${kind}" is not declared`);
    return r;
  };
  const tenancy: Tenancy = {
    async owns(manufacturer, deviceId) {
      const { rows } = await sql.query(
        `SELECT 1 FROM devices d WHERE d.id = $1 AND ${ownedDeviceSql('d.id', 2)}`,
        [deviceId, manufacturer],
      );
      return rows.length > 0;
    },
    async devicesOf(manufacturer) {
      const { rows } = await sql.query<{ device_id: string }>(
        'SELECT DISTINCT device_id FROM warranty_units WHERE device_id IS NOT NULL AND manufacturer = $1',
        [manufacturer],
      );
      return new Set(rows.map((r) => r.device_id));
    },
    define(kind, r) {
      resources.set(kind, r);
    },
    has: (kind) => resources.has(kind),
    async check(maker, mode, kind, key) {
      const r = resource(kind);
      const rel = await r.relation(maker, key);
      if (mode === 'link' ? rel !== 'owned' : rel === 'foreign') {
        if (mode === 'link') throw r.hidden(key);
        throw new AppErrors.OtherTenant(`${kind} ${key}`, maker);
      }
    },
    async enforce(req) {
      const maker = confinedTo(req.principal);
      if (maker === null) return;
      const rule = req.routeOptions.config.tenant;
      if (!rule) {
        req.log.error(
          { route: req.routeOptions.url },
          'route admits manufacturers without a tenant rule',
        );
        throw new AppErrors.Internal();
      }
      if ('shared' in rule || 'scoped' in rule) return;
      const params = (req.params ?? {}) as Record<string, unknown>;
      for (const [param, kind] of Object.entries(rule.params ?? {})) {
        const key = String(params[param] ?? '');
        if ((await resource(kind).relation(maker, key)) !== 'owned')
          throw resource(kind).hidden(key);
      }
      if (rule.stamp || rule.body) await applyBody(maker, rule, (req.body ?? {}) as object);
    },
    async claim(req, rule, item) {
      const maker = confinedTo(req.principal);
      if (maker === null) return item;
      const copy = { ...item };
      await applyBody(maker, rule, copy);
      return copy;
    },
  };
  /** Checks (and stamps, in place) one body for a confined manufacturer. */
  async function applyBody(maker: string, rule: BodyRule, item: object): Promise<void> {
    const body = item as Record<string, unknown>;
    if (rule.stamp) {
      const given = body[rule.stamp];
      if (given !== undefined && given !== null && given !== maker)
        throw new AppErrors.OtherTenant(`${rule.stamp} "${String(given)}"`, maker);
      body[rule.stamp] = maker;
    }
    for (const claim of rule.body ?? []) {
      const key = claim.key(body);
      if (key === undefined) {
        if (claim.required) throw new AppErrors.TenantMustName(maker, `a ${claim.resource}`);
        continue;
      }
      await tenancy.check(maker, claim.mode, claim.resource, key);
    }
  }
  tenancy.define('device', {
    async relation(maker, id) {
      const { rows } = await sql.query<{ owned: boolean }>(
        `SELECT ${ownedDeviceSql('d.id', 2)} AS owned FROM devices d WHERE d.id = $1`,
        [id, maker],
      );
      return rows[0] === undefined ? 'absent' : rows[0].owned ? 'owned' : 'foreign';
    },
    hidden: hideDevice,
  });
  return tenancy;
}
