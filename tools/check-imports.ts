/**
 * Counts the imports that cross a module's door the wrong way (issue 21's "Done when"):
 *   - internal: a file of module A importing a file of module B other than B/index.ts
 *   - roof:     a module below app/ importing anything of app/
 *   - cycles:   modules that import each other, directly or through others
 *   - ground:   core/ importing any other module of ours
 * Tests (*.test.ts, *.contract.ts, test/) and benchmarks (bench/) are counted apart: they may
 * reach into internals to test them. Exit code 1 when any production count is not zero.
 *
 *   npm run check:imports            # summary
 *   npm run check:imports -- --list  # every offending import
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const skipDirs = new Set(['node_modules', '.git', 'dist', 'tools', 'data', 'coverage']);
const list = process.argv.includes('--list');

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    if (skipDirs.has(name) || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (/\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const moduleOf = (file: string): string => relative(root, file).split(sep)[0] ?? '';
const isTestOrBench = (file: string): boolean => {
  const rel = relative(root, file);
  return (
    /\.(test|contract)\.tsx?$/.test(rel) ||
    rel.startsWith(`test${sep}`) ||
    rel.startsWith(`bench${sep}`) ||
    rel.includes(`${sep}testdata${sep}`) ||
    rel.includes(`${sep}test-helpers`)
  );
};

const specifierRe =
  /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']/g;

function resolveTarget(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec.replace(/\.js$/, '.ts'));
  for (const c of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {
      /* try the next candidate */
    }
  }
  return base;
}

type Finding = { kind: 'internal' | 'roof' | 'ground'; from: string; to: string; test: boolean };
const findings: Finding[] = [];
const edges = new Map<string, Set<string>>();
const files = walk(root, []).filter((f) => moduleOf(f) !== '' && relative(root, f).includes(sep));

for (const file of files) {
  const src = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const from = moduleOf(file);
  const test = isTestOrBench(file);
  for (const m of src.matchAll(specifierRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec) continue;
    const target = resolveTarget(file, spec);
    if (!target || !target.startsWith(root)) continue;
    const to = moduleOf(target);
    if (to === from || to === '' || !relative(root, target).includes(sep)) continue;
    const rel = { from: relative(root, file), to: relative(root, target) };
    if (!test && from !== 'bench' && from !== 'test') {
      edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
    const intoInternals = relative(join(root, to), target) !== 'index.ts';
    if (to === 'app' && from !== 'app' && from !== 'test' && from !== 'bench')
      findings.push({ kind: 'roof', ...rel, test });
    else if (from === 'core') findings.push({ kind: 'ground', ...rel, test });
    else if (intoInternals && to !== 'bench' && to !== 'test')
      findings.push({ kind: 'internal', ...rel, test });
  }
}

// Cycles between modules (production imports only): strongly connected components of size > 1.
function cycles(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let i = 0;
  const visit = (v: string): void => {
    index.set(v, i);
    low.set(v, i);
    i++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return out;
}

const cyc = cycles();
const count = (kind: Finding['kind'], test: boolean): number =>
  findings.filter((f) => f.kind === kind && f.test === test).length;
const rows: [string, number, number][] = [
  ["imports of another module's internals", count('internal', false), count('internal', true)],
  ['imports of app/ from below it', count('roof', false), count('roof', true)],
  ['imports from core/ of other modules', count('ground', false), count('ground', true)],
];
console.log('check:imports            production  tests+bench');
for (const [name, p, t] of rows)
  console.log(`  ${name.padEnd(40)} ${String(p).padStart(4)}  ${String(t).padStart(6)}`);
console.log(`  ${'cycles between modules'.padEnd(40)} ${String(cyc.length).padStart(4)}`);
for (const c of cyc) console.log(`    cycle: ${c.join(' ↔ ')}`);
if (list) {
  for (const f of findings.filter((x) => !x.test))
    console.log(`  ${f.kind.padEnd(8)} ${f.from} → ${f.to}`);
}
const bad = rows.reduce((s, [, p]) => s + p, 0) + cyc.length;
if (bad > 0) {
  console.error(
    `check:imports: ${bad} boundary violation(s) outside tests and benchmarks${list ? '' : ' (--list shows them)'}`,
  );
  process.exit(1);
}
