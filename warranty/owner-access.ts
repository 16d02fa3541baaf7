import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Auth } from '../app/auth.ts';
import { AppErrors } from '../app/errors.ts';
import type { Unit } from './repair-record-schema.ts';
import type { WarrantyStore } from './warranty-store.ts';

/**
 * Who may read a unit's warranty status (issue 5 "Owner lookup"): staff (engineer,
 * manufacturer, admin), the owner whose account the unit is registered to, or anyone holding the
 * verification code printed on the 三包凭证 (header `x-verification-code`). A wrong code and an
 * unknown serial get the same answer, so serials cannot be probed.
 */
export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

const unitsRead = new WeakMap<FastifyRequest, Unit>();

/** The unit `ownerOrStaff` read for this request, so the handler need not read it again. */
export const unitReadFor = (req: FastifyRequest): Unit | undefined => unitsRead.get(req);

/** A preHandler for `/units/:serial/…` routes readable by owners. */
export function ownerOrStaff(auth: Auth, store: WarrantyStore) {
  const check = async (req: FastifyRequest): Promise<void> => {
    const serial = (req.params as { serial?: string }).serial ?? '';
    const code = req.headers['x-verification-code'];
    const unit = await store.getUnit(serial);
    if (unit) unitsRead.set(req, unit);
    if (typeof code === 'string' && code !== '') {
      if (unit?.verificationCodeHash && sameHash(sha256Hex(code), unit.verificationCodeHash))
        return;
      throw new AppErrors.Unauthorized();
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const principal = m?.[1] ? await auth.verify(m[1]) : undefined;
    if (!principal) throw new AppErrors.Unauthorized();
    if (
      principal.role === 'owner' &&
      (!unit || unit.ownerId === undefined || unit.ownerId !== principal.subject)
    )
      throw new AppErrors.Forbidden('owner', `read unit ${serial}`);
    req.principal = principal;
    // Another maker's unit is unknown to a confined manufacturer token (the route's rule).
    await auth.tenancy.enforce(req);
  };
  // The roles it admits with a token (a code admits anyone), for the route check and OpenAPI.
  return Object.assign(check, { roles: ['admin', 'owner', 'engineer', 'manufacturer'] as const });
}
