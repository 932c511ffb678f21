// The core entry (src/index.ts) must run in a browser: no module it reaches imports a Node built-in or
// touches Node-only globals. Only src/node.ts and src/node/ (files, metrics.jsonl, the terminal bar) may.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = dirname(fileURLToPath(import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every file reachable from `entry` through relative imports, and the external specifiers they import. */
function reachable(entry: string): { files: string[]; external: [string, string][] } {
  const files: string[] = [];
  const external: [string, string][] = [];
  const todo = [resolve(src, entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2] ?? m[3] ?? m[4])!;
      if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else external.push([spec, relative(src, file)]);
    }
  }
  return { files: files.map((f) => relative(src, f)).sort(), external };
}

describe('browser safety of @tensile/train', () => {
  it('the core reaches every core file and imports only the workspace packages', () => {
    const { files, external } = reachable('index.ts');
    expect(files).toContain('fit.ts');
    expect(files).toContain('browser.ts');
    expect(files).toContain(join('plot', 'images.ts'));
    expect(files.filter((f) => f.startsWith('node'))).toEqual([]);
    expect([...new Set(external.map(([spec]) => spec))].sort()).toEqual(['@tensile/data', '@tensile/nn', '@tensile/optim', '@tensile/tensor']);
  });

  it('the core uses no Node-only global (process, Buffer, __dirname, require)', () => {
    const offenders: string[] = [];
    for (const file of reachable('index.ts').files) {
      const code = readFileSync(join(src, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const g of [/\bprocess\./, /\bBuffer\b/, /\b__dirname\b/, /\brequire\s*\(/]) if (g.test(code)) offenders.push(`${file}: ${g.source}`);
    }
    expect(offenders).toEqual([]);
  });

  it('the Node entry re-exports the core and adds the Node parts (and the walk does see node: imports)', async () => {
    const core = await import('./index.js');
    const node = await import('./node.js');
    for (const name of Object.keys(core)) expect(node).toHaveProperty(name, (core as Record<string, unknown>)[name]);
    for (const name of ['saveCheckpoint', 'loadCheckpoint', 'fileCheckpoint', 'JsonlHistory', 'readMetrics', 'TerminalProgress', 'writePlots']) {
      expect(node).toHaveProperty(name);
      expect(core).not.toHaveProperty(name);
    }
    const builtins = new Set(builtinModules);
    expect(reachable('node.ts').external.some(([spec]) => spec.startsWith('node:') || builtins.has(spec))).toBe(true);
  });
});
