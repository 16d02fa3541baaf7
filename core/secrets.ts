import {
  createHash,
  createHmac,
  randomBytes,
  scrypt as scryptCb,
  timingSafeEqual,
} from 'node:crypto';
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

/**
 * A new high-entropy secret (256 bits by default), URL-safe. Never starts with `-`: such a
 * secret reads as an option on a command line (`sanbao report --token -x…` is refused by
 * `parseArgs` as ambiguous), which made one token in 64 unusable in our own CLIs.
 */
export function generateSecret(bytes = 32): string {
  for (;;) {
    const secret = randomBytes(bytes).toString('base64url');
    if (!secret.startsWith('-')) return secret;
  }
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

/**
 * Secrets already verified with scrypt (or just issued), remembered per device with what the
 * check found (`T`), so that a reconnect storm of 10,000 devices costs 10,000 HMACs, not
 * 10,000 scrypt runs and database reads. An entry holds an HMAC-SHA256 of the secret under a
 * key drawn at random for this process (never persisted: the entries are worthless outside
 * it). Whoever changes a secret or what `T` depends on calls `forget` — before and after the
 * change is written: `remember` drops results of checks that began before a `forget` (they
 * may have read the old state). Bounded: the least recently used entry goes first (its device
 * pays one full check at its next connect).
 */
export class VerifiedSecrets<T> {
  private readonly key = randomBytes(32);
  /**
   * The HMAC as a 32-character latin1 string: ~50 B, where a Buffer of 32 bytes was ~220 B
   * (its object, its ArrayBuffer and their native backing), for every device a node has seen.
   */
  private readonly entries = new Map<string, { mac: string; value: T }>();
  private gen = 0;

  constructor(readonly max = 100_000) {
    if (!(max >= 0)) throw new Error('VerifiedSecrets needs max >= 0');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Take it before reading what a check needs; pass it to `remember`. */
  get generation(): number {
    return this.gen;
  }

  /** What was remembered with this device's secret, if this is the secret. */
  get(id: string, secret: string): T | undefined {
    const e = this.entries.get(id);
    if (!e || !timingSafeEqual(Buffer.from(e.mac, 'latin1'), this.mac(secret))) return undefined;
    this.entries.delete(id); // most recently used goes last
    this.entries.set(id, e);
    return e.value;
  }

  /** Remembers a secret checked (or issued) since `generation` was `since`. */
  remember(id: string, secret: string, value: T, since: number): void {
    if (this.max === 0 || since !== this.gen) return;
    this.entries.delete(id);
    this.entries.set(id, { mac: this.mac(secret).toString('latin1'), value });
    if (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** Forgets a device (being disabled, its secret rotated) and voids checks in progress. */
  forget(id: string): void {
    this.gen++;
    this.entries.delete(id);
  }

  /** Forgets every device (their changes may have gone unheard) and voids checks in progress. */
  forgetAll(): void {
    this.gen++;
    this.entries.clear();
  }

  private mac(secret: string): Buffer {
    return createHmac('sha256', this.key).update(secret).digest();
  }
}
