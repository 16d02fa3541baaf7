import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../core/errors.ts';
import { warrantyCli } from './cli.ts';
import type { Evaluation } from './evaluation-schema.ts';
import { mismatches, OUTSIDE_CASES } from './outside-cases.ts';
import { warrantyRoutes } from './routes.ts';

/**
 * Issue 20: 三包 cases written from the primary texts as an outsider sends them, each through the
 * CLI (`sanbao warranty evaluate case.json`) and the HTTP API (`POST /api/v1/warranty/evaluate`).
 */
let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  await app.register(warrantyRoutes, { prefix: '/api/v1' });
  await app.ready();
});
afterAll(() => app.close());

async function viaCli(input: unknown): Promise<Evaluation> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await warrantyCli(['evaluate', 'case.json'], {
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s),
    readFile: async () => JSON.stringify(input),
  });
  expect(err.join(''), 'CLI stderr').toBe('');
  expect(code).toBe(0);
  return JSON.parse(out[0] ?? '') as Evaluation;
}

async function viaHttp(input: unknown): Promise<Evaluation> {
  const r = await app.inject({
    method: 'POST',
    url: '/api/v1/warranty/evaluate',
    payload: input as Record<string, unknown>,
  });
  expect(r.statusCode, r.body).toBe(200);
  return r.json<Evaluation>();
}

const CJK = /[\u4e00-\u9fff]/;
/** Class 5: every text a person reads in a decision exists in zh and en. */
function bilingual(e: Evaluation): string[] {
  const texts = [
    e.periodStartBasis.explanation,
    ...e.remedies.map((r) => r.explanation),
    ...e.offers.map((r) => r.explanation),
    ...e.deadlines.map((d) => d.explanation),
    ...e.counters.map((c) => c.explanation),
    ...e.exclusions.map((x) => x.explanation),
    ...e.notes.map((n) => n.explanation),
    ...e.warnings,
  ];
  return texts.filter((x) => !CJK.test(x.zh) || x.en.trim() === '').map((x) => `${x.zh} / ${x.en}`);
}

describe('outside 三包 cases through the CLI and the HTTP API (issue 20)', () => {
  it.each(OUTSIDE_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const cli = await viaCli(c.input);
    const http = await viaHttp(c.input);
    expect(mismatches(cli, c.expect), 'CLI').toEqual([]);
    expect(mismatches(http, c.expect), 'HTTP').toEqual([]);
    expect(http).toEqual(cli);
    expect(bilingual(http), 'texts missing zh or en').toEqual([]);
  });
});
