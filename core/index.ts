/**
 * The ground floor: what every module may use and nothing of ours underneath. Configuration,
 * database access and migrations, API tokens, roles and tenancy, the error catalogue and its one
 * envelope, input guards, metrics, shared HTTP schema pieces, secrets, equipment categories and
 * the `Sample` every module speaks. core/ imports no other module of ours (`npm run check:imports`).
 */
export * from './auth.ts';
export * from './categories.ts';
export * from './config.ts';
export * from './db.ts';
export * from './errors.ts';
export * from './hot-counter.ts';
export * from './http-schemas.ts';
export * from './input-guards.ts';
export * from './metrics.ts';
export * from './sample.ts';
export * from './secrets.ts';
export * from './tenant.ts';
export * from './topic-filter.ts';
