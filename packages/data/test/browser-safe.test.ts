// The core entry (src/index.ts) must run in a browser: no module it reaches may import a Node builtin.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module specifier reachable from `entry` through relative imports, with the file that imports it. */
function reachable(entry: string): { files: string[]; external: [string, string][] } {
  const files: string[] = [];
  const external: [string, string][] = [];
  const todo = [resolve(src, entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else external.push([spec, file]);
    }
  }
  return { files, external };
}

describe('entry points', () => {
  it('the core imports no node: module, directly or through its files', () => {
    const { files, external } = reachable('index.ts');
    expect(files.map((f) => f.slice(src.length + 1)).sort()).toEqual(
      ['collate.ts', 'data-loader.ts', 'dataset.ts', 'errors.ts', 'idx.ts', 'index.ts', 'mnist.ts', 'text.ts', 'transforms.ts'],
    );
    const builtins = new Set(builtinModules);
    const nodeOnly = external.filter(([spec]) => spec.startsWith('node:') || builtins.has(spec.split('/')[0]!));
    expect(nodeOnly).toEqual([]);
    expect([...new Set(external.map(([spec]) => spec))]).toEqual(['@tensile/tensor']);
  });

  it('the Node entry re-exports the core and adds the file loaders', async () => {
    const core = await import('../src/index.js');
    const node = await import('../src/node.js');
    for (const name of Object.keys(core)) expect(node).toHaveProperty(name, (core as Record<string, unknown>)[name]);
    for (const name of ['mnist', 'mnistIdx', 'fashionMnist', 'readIdxFile', 'writeIdxFile', 'FASHION_MNIST_DIR']) expect(node).toHaveProperty(name);
    expect(core).not.toHaveProperty('mnist');
    expect(reachable('node.ts').external.some(([spec]) => spec === 'node:zlib')).toBe(true); // the walk does see node: imports
  });
});
