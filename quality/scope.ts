import type { FastifyRequest } from 'fastify';
import { scopeOf } from '../core/index.ts';

/**
 * Which part of the fleet a request may see. A manufacturer token with a subject sees only the
 * units of that manufacturer (and the devices linked to them); admins, engineers and a
 * manufacturer token without a subject (a single-tenant install) see everything or narrow it
 * with `?manufacturer=`.
 */
export interface FleetScope {
  manufacturer: string | null;
  category: string | null;
}

export function scopeFor(
  req: FastifyRequest,
  query: { manufacturer?: string | undefined; category?: string | undefined },
): FleetScope {
  return {
    manufacturer: scopeOf(req) ?? query.manufacturer ?? null,
    category: query.category ?? null,
  };
}

/**
 * SQL pieces for a scope over `warranty_units_v u` (warranty's view of its units, migration 304),
 * numbered from `first`: a WHERE fragment (always valid, `TRUE` when unscoped) and its parameters.
 */
export function unitScopeSql(
  scope: FleetScope,
  first: number,
  alias = 'u',
): { where: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (scope.manufacturer !== null) {
    params.push(scope.manufacturer);
    where.push(`${alias}.manufacturer = $${first + params.length - 1}`);
  }
  if (scope.category !== null) {
    params.push(scope.category);
    where.push(`${alias}.category = $${first + params.length - 1}`);
  }
  return { where: where.length ? where.join(' AND ') : 'TRUE', params };
}

/** The same scope over `devices_v d` (manufacturer through the units linked to the devices). */
export function deviceScopeSql(
  scope: FleetScope,
  first: number,
  alias = 'd',
): { where: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (scope.manufacturer !== null) {
    params.push(scope.manufacturer);
    where.push(
      `${alias}.id IN (SELECT device_id FROM warranty_units_v WHERE device_id IS NOT NULL AND manufacturer = $${first + params.length - 1})`,
    );
  }
  if (scope.category !== null) {
    params.push(scope.category);
    where.push(`${alias}.category = $${first + params.length - 1}`);
  }
  return { where: where.length ? where.join(' AND ') : 'TRUE', params };
}
