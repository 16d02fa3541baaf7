import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sql } from '../core/index.ts';

/**
 * Owner verification codes (issue 24, finding 5): the code printed on the 三包凭证 lets anyone
 * holding the card read the unit's 三包 status without a token. So:
 * - the server generates every code: 10 characters of Crockford's base32 (0-9 and A-Z without
 *   I, L, O, U), 50 random bits, printed as `XXXXX-XXXXX`; no client chooses one or sends a hash;
 * - only a keyed hash is stored: `h1:` + HMAC-SHA256 with a server key (OWNER_CODE_KEY, or a
 *   random key kept in DATA_DIR/owner-code.key), so a copy of the database alone does not let
 *   anyone test codes offline;
 * - codes stored before this (unsalted SHA-256 of a code the registrant chose) are re-keyed at
 *   start as `h0:` + HMAC(key, old hash): still valid for the owners who hold them, no longer
 *   testable offline; staff can issue a new code for such a unit;
 * - wrong codes are rate-limited per serial and per client with backoff (owner-access.ts).
 * Entry is forgiving: case, spaces and dashes are ignored, and O/I/L read as 0/1/1.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const OWNER_CODE_BITS = 50;

/** A new code, e.g. `7KQ2M-9XPDA`. */
export function generateOwnerCode(): string {
  let s = '';
  for (let i = 0; i < 10; i++) s += ALPHABET[randomInt(32)];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

/** The code as hashed: upper case, without separators, O→0 and I/L→1 (Crockford). */
export function normalizeOwnerCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface OwnerCodes {
  /** The stored form of a code. */
  hash(code: string): string;
  /** Whether `code` matches the stored form (any of its versions). */
  matches(code: string, stored: string | undefined): boolean;
  /** Re-keys legacy bare SHA-256 hashes (`h0:`); returns how many. */
  rekeyLegacy(sql: Sql): Promise<number>;
}

export function createOwnerCodes(key: string): OwnerCodes {
  const mac = (s: string) => createHmac('sha256', key).update(s).digest('hex');
  return {
    hash: (code) => `h1:${mac(normalizeOwnerCode(code))}`,
    matches(code, stored) {
      if (!stored || code === '') return false;
      if (stored.startsWith('h1:')) return sameText(`h1:${mac(normalizeOwnerCode(code))}`, stored);
      // A legacy code was hashed exactly as the registrant wrote it.
      if (stored.startsWith('h0:')) return sameText(`h0:${mac(sha256Hex(code))}`, stored);
      return false;
    },
    async rekeyLegacy(sql) {
      const { rows } = await sql.query<{ serial: string; verification_code_hash: string }>(
        "SELECT serial, verification_code_hash FROM warranty_units WHERE verification_code_hash ~ '^[0-9a-f]{64}$'",
      );
      for (const r of rows)
        await sql.query(
          'UPDATE warranty_units SET verification_code_hash = $2 WHERE serial = $1 AND verification_code_hash = $3',
          [r.serial, `h0:${mac(r.verification_code_hash)}`, r.verification_code_hash],
        );
      return rows.length;
    },
  };
}

/**
 * The HMAC key: the configured one, else DATA_DIR/owner-code.key (32 random bytes, made on
 * first start, readable by the service's user only).
 */
export async function loadOwnerCodeKey(dataDir: string, configured?: string): Promise<string> {
  if (configured) return configured;
  const file = path.join(dataDir, 'owner-code.key');
  try {
    const k = (await readFile(file, 'utf8')).trim();
    if (k.length >= 32) return k;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const k = randomBytes(32).toString('hex');
  await writeFile(file, `${k}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err: unknown) => {
    // Another process made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  });
  await chmod(file, 0o600);
  return (await readFile(file, 'utf8')).trim();
}
