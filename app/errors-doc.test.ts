import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { renderErrorsDoc } from './errors-doc.ts';

it('docs/errors.md lists every error code the code declares (run `npm run docs:errors`)', async () => {
  const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8');
  expect(doc).toBe(await renderErrorsDoc());
  expect(doc).toMatch(/`BROKER_ERR_UNKNOWN_DEVICE` \| 404/);
});
