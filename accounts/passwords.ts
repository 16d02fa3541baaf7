import { randomBytes, scrypt as scryptCb } from 'node:crypto';
import { promisify } from 'node:util';
import { verifySecret } from '../core/index.ts';

const scrypt = promisify(scryptCb) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: object,
) => Promise<Buffer>;

/**
 * Passwords are hashed with scrypt (node:crypto; memory-hard) at N=2^15, r=8, p=3: one of the
 * OWASP Password Storage Cheat Sheet's equivalent scrypt settings (32 MiB; 0.7 s of one core on the
 * machine the tests ran on: a sign-in costs that once per session, a guesser every try), with a
 * 16-byte random salt per hash. The hash is stored as `scrypt$N$r$p$salt$hash` (the format of
 * core/secrets.ts, whose `verifySecret` checks it with the parameters the hash names), so raising
 * the cost later keeps older hashes valid.
 */
export const PASSWORD_PARAMS = { N: 32768, r: 8, p: 3, maxmem: 64 * 1024 * 1024 };

export async function hashPassword(password: string, params = PASSWORD_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFC'), salt, 32, params);
  return [
    'scrypt',
    params.N,
    params.r,
    params.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

export function verifyPassword(password: string, stored: string): Promise<boolean> {
  return verifySecret(password.normalize('NFC'), stored);
}

/**
 * A hash of no password: checked when the user name is unknown, so that a wrong name takes as
 * long as a wrong password and names cannot be told apart by timing.
 */
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> =>
  (decoy ??= hashPassword(randomBytes(16).toString('hex')));

/**
 * What a password must be: 10 to 200 characters (NIST SP 800-63B §5.1.1.2 asks at least 8 and
 * no composition rules; we ask 10), not the user name.
 */
export function passwordProblem(password: string, username: string): string | undefined {
  const n = [...password].length;
  if (n < 10) return 'at least 10 characters';
  if (n > 200) return 'at most 200 characters';
  if (password.trim().toLowerCase() === username.trim().toLowerCase())
    return 'must not be the user name';
  return undefined;
}

/** A one-time password an admin hands over (16 characters, 96 bits). */
export const oneTimePassword = (): string => randomBytes(12).toString('base64url');
