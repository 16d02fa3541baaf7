import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Multi-page build of the web pages into web/dist, which web/server.ts serves. Plain TypeScript
 * and DOM, no framework: each page is an HTML entry with its own small script.
 */
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  // The pages only call the service's HTTP API; nothing from public/ or the environment.
  publicDir: false,
  clearScreen: false,
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    target: 'es2022',
    // Source maps so a stack trace from a browser test points at web/src.
    sourcemap: true,
    rollupOptions: {
      input: {
        index: here('./index.html'),
        owner: here('./owner.html'),
        engineer: here('./engineer.html'),
        fleet: here('./fleet.html'),
        desk: here('./desk.html'),
        violations: here('./violations.html'),
        signin: here('./signin.html'),
        admin: here('./admin.html'),
        maker: here('./maker.html'),
        orders: here('./orders.html'),
        audit: here('./audit.html'),
      },
    },
  },
  server: {
    // `npx vite --config web/vite.config.ts` for page work: API calls go to a running service.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
