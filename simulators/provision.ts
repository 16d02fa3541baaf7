import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Category } from '../core/index.ts';

/** MQTT credentials of one device. */
export interface Credentials {
  id: string;
  secret: string;
}

const CacheSchema = z.record(z.string(), z.object({ id: z.string(), secret: z.string() }));
const CreatedSchema = z.object({ id: z.string(), secret: z.string() });
const BulkSchema = z.object({
  created: z.array(z.object({ id: z.string(), serial: z.string(), secret: z.string() })),
  existing: z.array(z.object({ id: z.string(), serial: z.string() })),
});
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

  /**
   * Credentials for a whole fleet, in order: cached ones as they are, the others provisioned
   * in bulk (`POST /api/v1/devices/bulk`, `chunk` per request, two requests in flight: the
   * service hashes a request's secrets on all its cores); serials that already exist get a
   * new secret. Saves the cache when done.
   */
  async ensureAll(
    specs: ReadonlyArray<{ category: Category; model: string; serial: string }>,
    onProgress?: (done: number) => void,
    chunk = 500,
  ): Promise<Credentials[]> {
    const todo = specs.filter((d) => !this.cache[d.serial]);
    const chunks: Array<typeof todo> = [];
    for (let i = 0; i < todo.length; i += chunk) chunks.push(todo.slice(i, i + chunk));
    let done = specs.length - todo.length;
    await mapLimit(chunks, 2, async (part) => {
      const res = await this.request('POST', '/api/v1/devices/bulk', {
        devices: part.map(({ category, model, serial }) => ({ category, model, serial })),
      });
      if (res.status !== 200) throw await this.failure(res, `provisioning ${part.length} devices`);
      const body = BulkSchema.parse(await res.json());
      for (const c of body.created) this.cache[c.serial] = { id: c.id, secret: c.secret };
      // Provisioned before (a lost credentials file): new secrets for them.
      await mapLimit(body.existing, 16, async (e) => {
        const c = await this.rotate(e.id);
        this.cache[e.serial] = { id: c.id, secret: c.secret };
      });
      this.dirty = true;
      done += part.length;
      onProgress?.(done);
    });
    await this.save();
    return specs.map((d) => {
      const c = this.cache[d.serial];
      if (!c) throw new Error(`no credentials for ${d.serial}`);
      return c;
    });
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
