import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Category } from '../ingest/categories.ts';

/** MQTT credentials of one device. */
export interface Credentials {
  id: string;
  secret: string;
}

const CacheSchema = z.record(z.string(), z.object({ id: z.string(), secret: z.string() }));
const CreatedSchema = z.object({ id: z.string(), secret: z.string() });
const ListSchema = z.object({ devices: z.array(z.object({ id: z.string(), serial: z.string() })) });
const ErrorSchema = z.object({ error: z.string(), message: z.string().optional() });

/** Provisioning through the HTTP API, as a device maker's factory tool would do it. */
export class Provisioner {
  private cache: Record<string, Credentials> = {};
  private dirty = false;

  constructor(
    private readonly api: string,
    private readonly token: string,
    private readonly cacheFile: string | undefined,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  /** Loads the credentials cache (serial → {id, secret}); a missing file is an empty cache. */
  async load(): Promise<void> {
    if (!this.cacheFile) return;
    try {
      this.cache = CacheSchema.parse(JSON.parse(await readFile(this.cacheFile, 'utf8')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Writes the cache atomically (temp file + rename) if it changed. */
  async save(): Promise<void> {
    if (!this.cacheFile || !this.dirty) return;
    await mkdir(dirname(this.cacheFile), { recursive: true });
    const tmp = `${this.cacheFile}.tmp`;
    await writeFile(tmp, JSON.stringify(this.cache), { mode: 0o600 });
    await rename(tmp, this.cacheFile);
    this.dirty = false;
  }

  /** Cached credentials of a serial, if any. */
  cached(serial: string): Credentials | undefined {
    return this.cache[serial];
  }

  /**
   * Credentials for a device: from the cache, else provisioned (201), else — the serial
   * exists (409 BROKER_ERR_DEVICE_EXISTS) — looked up by serial and given a new secret.
   */
  async ensure(d: { category: Category; model: string; serial: string }): Promise<Credentials> {
    return this.cache[d.serial] ?? this.provision(d);
  }

  /** Provisions (or re-keys) a device, ignoring the cache. */
  async provision(d: { category: Category; model: string; serial: string }): Promise<Credentials> {
    const res = await this.request('POST', '/api/v1/devices', d);
    let creds: Credentials;
    if (res.status === 201) {
      creds = CreatedSchema.parse(await res.json());
    } else if (res.status === 409) {
      await res.body?.cancel();
      creds = await this.rotate(await this.findId(d.serial));
    } else {
      throw await this.failure(res, `provisioning ${d.serial}`);
    }
    this.cache[d.serial] = { id: creds.id, secret: creds.secret };
    this.dirty = true;
    return creds;
  }

  /** Rotates a device's secret (after a refused login with cached credentials). */
  async rotate(id: string): Promise<Credentials> {
    const res = await this.request('POST', `/api/v1/devices/${encodeURIComponent(id)}/secret`);
    if (res.status !== 200) throw await this.failure(res, `rotating the secret of ${id}`);
    return CreatedSchema.parse(await res.json());
  }

  private async findId(serial: string): Promise<string> {
    const res = await this.request('GET', `/api/v1/devices?serial=${encodeURIComponent(serial)}`);
    if (res.status !== 200) throw await this.failure(res, `looking up ${serial}`);
    const found = ListSchema.parse(await res.json()).devices.find((x) => x.serial === serial);
    if (!found) throw new Error(`serial ${serial} exists but was not found by the API`);
    return found.id;
  }

  private request(method: string, path: string, body?: unknown): Promise<Response> {
    return this.fetchFn(new URL(path, this.api), {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  private async failure(res: Response, what: string): Promise<Error> {
    const text = await res.text();
    const parsed = ErrorSchema.safeParse(safeJson(text));
    const reason = parsed.success
      ? `${parsed.data.error}: ${parsed.data.message ?? ''}`
      : text.slice(0, 200);
    return new Error(`${what}: HTTP ${res.status} ${reason}`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; resolves in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
