import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: object,
) => Promise<Buffer>;

/**
 * scrypt cost N=2^10, r=8, p=1 (~2 ms here). Key stretching protects low-entropy passwords;
 * device secrets are 256-bit random strings we generate, which no amount of hashing speed makes
 * guessable, so a high N would only make provisioning and reconnect storms of 10,000 devices
 * cost minutes of CPU. The parameters are stored in each hash: raising them later keeps old
 * hashes valid.
 */
const PARAMS = { N: 1024, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** A new high-entropy secret (256 bits), URL-safe. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `scrypt$N$r$p$salt$hash`, all base64url. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, 32, PARAMS);
  return [
    'scrypt',
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  });
  return timingSafeEqual(key, expected);
}

/** SHA-256 for API tokens: they are 256-bit random, so a slow hash adds nothing. */
export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}
