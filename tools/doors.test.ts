import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** Lints `code` as if it were the file `filePath` of this repository. */
async function lint(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe("the modules' doors (issue 21)", () => {
  it('the lint refuses a reach into another module, at either folder depth', async () => {
    expect(await lint('quality/x.ts', "import { a } from '../warranty/rules-goods.ts';\n")).toEqual(
      [expect.stringContaining('index.ts only')],
    );
    expect(await lint('diagnostics/learn/x.ts', "import '../../ingest/spool.ts';\n")).toHaveLength(
      1,
    );
  });

  it('the lint lets a module through the front door and within itself', async () => {
    expect(await lint('quality/x.ts', "import { a } from '../warranty/index.ts';\n")).toEqual([]);
    expect(
      await lint('diagnostics/learn/x.ts', "import { b } from '../numerics/gbt.ts';\n"),
    ).toEqual([]);
  });

  it('the lint refuses app/ from below and anything of ours from core/', async () => {
    expect(await lint('warranty/x.ts', "import { c } from '../app/service.ts';\n")).toHaveLength(1);
    expect(await lint('core/x.ts', "import { d } from '../warranty/index.ts';\n")).toEqual([
      expect.stringContaining('ground floor'),
    ]);
  });

  it('tests may reach into internals', async () => {
    expect(
      await lint('quality/x.test.ts', "import { a } from '../warranty/rules-goods.ts';\n"),
    ).toEqual([]);
  });

  it('the import count reads zero outside tests and benchmarks', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'tools/check-imports.ts'], {
      cwd: root,
    });
    expect(stdout).toMatch(/another module's internals\s+0\s/);
    expect(stdout).toMatch(/app\/ from below it\s+0\s/);
    expect(stdout).toMatch(/cycles between modules\s+0/);
  }, 60_000);
});
