import { defineConfig } from 'vitest/config';

// Two projects so `npm run test:unit` stays fast; `npm test` runs both.
// Integration tests start real services (sockets, PGlite, PostgreSQL, influxd): they run one
// file at a time to keep ports, CPU and disk predictable on a 2-core machine.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{core,app,devices,broker,ingest,diagnostics,warranty,quality,cases,simulators,web,tools,accounts,audit}/**/*.test.ts',
          ],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
