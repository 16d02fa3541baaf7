import type { Sql } from './db.ts';

/**
 * Tenancy: which devices a token may see. A manufacturer token with a subject (say 'Gree') sees
 * only the devices of that manufacturer: a device belongs to manufacturer M when a warranty unit
 * with `manufacturer = M` is linked to it (`warranty_units.device_id`), the rule of the fleet
 * routes (quality/scope.ts `deviceScopeSql`). Everyone else is not restricted:
 * - a manufacturer token without a subject is a single-tenant install (one maker, all devices);
 * - engineers serve the outlets of every manufacturer, so they see every device and alert;
 * - admins see everything; owner tokens reach no device route.
 */
export interface Tenancy {
  /** Whether `deviceId` exists and belongs to `manufacturer`. */
  owns(manufacturer: string, deviceId: string): Promise<boolean>;
  /** The ids of every device of `manufacturer`, as of now. */
  devicesOf(manufacturer: string): Promise<Set<string>>;
}

/** The manufacturer a principal is confined to, or null when it sees the whole fleet. */
export function confinedTo(p: { role: string; subject: string | null } | undefined): string | null {
  return p?.role === 'manufacturer' && p.subject ? p.subject : null;
}

/**
 * SQL condition: the device id in `column` belongs to the manufacturer given as parameter
 * `$param`. The same rule as quality/scope.ts; a unit without a device never matches.
 */
export function ownedDeviceSql(column: string, param: number): string {
  return `${column} IN (SELECT device_id FROM warranty_units WHERE device_id IS NOT NULL AND manufacturer = $${param})`;
}

export function createTenancy(sql: Sql): Tenancy {
  return {
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
  };
}
