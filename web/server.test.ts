import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webRoutes } from './server.ts';

describe('webRoutes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sanbao-web-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 503 naming the build command when the pages are not built', async () => {
    const app = Fastify();
    await app.register(webRoutes, { root: join(dir, 'missing') });
    for (const url of ['/', '/owner.html', '/engineer.html', '/fleet.html']) {
      const r = await app.inject(url);
      expect(r.statusCode).toBe(503);
      expect(r.headers['content-type']).toMatch(/text\/html/);
      expect(r.body).toContain('npm run build:web');
    }
    await app.close();
  });

  it('serves the built pages and hashed assets, without shadowing other routes', async () => {
    const root = join(dir, 'dist');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<h1>landing</h1>');
    await writeFile(join(root, 'owner.html'), '<h1>owner</h1>');
    await writeFile(join(root, 'assets', 'owner-abc123.js'), 'export {}');
    const app = Fastify();
    app.get('/api/v1/ping', async () => ({ pong: true }));
    await app.register(webRoutes, { root });
    const index = await app.inject('/');
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('landing');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect((await app.inject('/owner.html')).body).toContain('owner');
    const asset = await app.inject('/assets/owner-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toMatch(/immutable/);
    expect((await app.inject('/api/v1/ping')).json()).toEqual({ pong: true });
    expect((await app.inject('/nope.html')).statusCode).toBe(404);
    await app.close();
  });
});
