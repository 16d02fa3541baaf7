import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** Where `npm run build:web` (vite) writes the pages. */
export const WEB_DIST = fileURLToPath(new URL('./dist', import.meta.url));

/** The pages, so a missing build answers each of them with a page that says what to do. */
const PAGES = [
  '/',
  '/index.html',
  '/owner.html',
  '/engineer.html',
  '/fleet.html',
  '/desk.html',
  '/violations.html',
  '/signin.html',
  '/admin.html',
  '/maker.html',
  '/orders.html',
  '/audit.html',
];

export interface WebRoutesOptions {
  /** The built pages; `WEB_DIST` unless a test points elsewhere. */
  root?: string;
  /** Serve the source maps (`*.map`, `WEB_SOURCE_MAPS`): development only; off by default. */
  sourceMaps?: boolean;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pages not built · Sanbao</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5">
<h1>The web pages are not built</h1>
<p>Run <code>npm run build:web</code> (or <code>npm start</code>, which builds them first), then reload.</p>
<p lang="zh-CN">网页尚未构建：请运行 <code>npm run build:web</code>，然后刷新。</p>
<p>The HTTP API works meanwhile: <a href="/docs">/docs</a>.</p>
</body></html>
`;

/**
 * The web pages (issue 6), served from the vite build at `/`: `index.html`, `owner.html`, … and
 * their hashed assets. Registered without a prefix, beside `/api/v1`; routes are made for the
 * files that exist (no catch-all), so unknown paths keep the API's 404 envelope. Without a build,
 * the pages answer 503 with a page that names the command to run.
 */
export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, opts) => {
  const root = opts.root ?? WEB_DIST;
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn(`web pages not built (${root} has no index.html): run npm run build:web`);
    for (const url of PAGES)
      app.get(url, { schema: { hide: true } }, async (_req, reply) =>
        reply
          .status(503)
          .type('text/html; charset=utf-8')
          .header('retry-after', '60')
          // This one page has no script and styles itself inline.
          .header(
            'content-security-policy',
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
          )
          .send(NOT_BUILT),
      );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    // Source maps show the pages' source to anyone: not served unless asked for (a 404).
    ...(opts.sourceMaps ? {} : { allowedPath: (path: string) => !path.endsWith('.map') }),
    index: ['index.html'],
    cacheControl: false,
    // Vite puts a content hash in every asset name: those may be cached for good; pages may not.
    setHeaders: (res, path) => {
      res.setHeader(
        'cache-control',
        /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
};
