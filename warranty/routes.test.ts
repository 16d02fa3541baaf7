import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { afterEach, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../core/errors.ts';
import { carCase, fault, goodsCase } from './fixtures.ts';
import { warrantyRoutes } from './routes.ts';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(): Promise<FastifyInstance> {
  app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  await app.register(swagger, {
    openapi: { info: { title: 't', version: '0' } },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(warrantyRoutes, { prefix: '/api/v1' });
  await app.ready();
  return app;
}

describe('POST /api/v1/warranty/evaluate', () => {
  it('[汽车三包 第二十二条] returns the decision for a valid case, without a token', async () => {
    const a = await build();
    const body = carCase({
      evaluationDate: '2025-03-08',
      currentFault: fault('2025-03-08', 'engine', { requiresReplacement: true }),
    });
    const res = await a.inject({ method: 'POST', url: '/api/v1/warranty/evaluate', payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      remedy: 'return',
      free: true,
      remedies: expect.arrayContaining([expect.objectContaining({ clause: 'CAR21 Art. 22' })]),
    });
  });

  it('bad input → 400 APP_ERR_VALIDATION naming the field', async () => {
    const a = await build();
    const res = await a.inject({
      method: 'POST',
      url: '/api/v1/warranty/evaluate',
      payload: carCase({ mileageKm: -3, invoiceDate: '2025-13-01' }),
    });
    expect(res.statusCode).toBe(400);
    const err = res.json();
    expect(err.error).toBe('APP_ERR_VALIDATION');
    expect(err.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'body.facts.invoiceDate',
      'body.facts.mileageKm',
    ]);
    const cat = await a.inject({
      method: 'POST',
      url: '/api/v1/warranty/evaluate',
      payload: goodsCase('toaster'),
    });
    expect(cat.statusCode).toBe(400);
    expect(cat.json().message).toMatch(/category/);
  });

  it('[部分商品三包 第四条] a weaker manufacturer policy → 422 WARRANTY_ERR_POLICY_WEAKER with the clause', async () => {
    const a = await build();
    const res = await a.inject({
      method: 'POST',
      url: '/api/v1/warranty/evaluate',
      payload: goodsCase('tv', {}, { terms: { mainPartMonths: 24 } }),
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({
      error: 'WARRANTY_ERR_POLICY_WEAKER',
      details: [{ path: 'policy.terms.mainPartMonths', clause: 'P95 catalogue' }],
    });
  });

  it('is described in the OpenAPI document with named schemas', async () => {
    const a = await build();
    const doc = a.swagger() as {
      paths: Record<string, unknown>;
      components?: { schemas?: Record<string, unknown> };
    };
    expect(doc.paths['/api/v1/warranty/evaluate']).toBeDefined();
    expect(Object.keys(doc.components?.schemas ?? {})).toEqual(
      expect.arrayContaining(['WarrantyEvaluateRequest', 'WarrantyEvaluation']),
    );
  });
});
