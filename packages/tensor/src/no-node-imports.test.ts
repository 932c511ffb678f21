// @tensile/tensor must run in a browser: its source (tests excluded) imports no Node built-in module,
// with or without the `node:` prefix, and does not touch Node-only globals. The one exception is the Node
// entry point src/node.ts (worker threads), which only Node resolves (package.json "node" condition).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcDir = dirname(fileURLToPath(import.meta.url));
const NODE_ENTRY = join(srcDir, 'node.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && path !== NODE_ENTRY ? [path] : [];
  });
}

/** Module specifiers of static imports, re-exports, dynamic imports and require calls. */
function specifiers(code: string): string[] {
  const out: string[] = [];
  const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[1]!);
  return out;
}

const builtins = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]!]));

describe('browser safety of packages/tensor/src', () => {
  const files = sourceFiles(srcDir);

  it('finds the source files (so the check below is not vacuous)', () => {
    const names = files.map((f) => relative(srcDir, f));
    expect(names).toContain('tensor.ts');
    expect(names).toContain(join('autograd', 'engine.ts'));
    expect(names).toContain(join('backend', 'js', 'elementwise.ts'));
    expect(names.some((n) => n.endsWith('.test.ts'))).toBe(false);
    expect(names).not.toContain('node.ts');
    expect(names).toContain(join('backend', 'wasm', 'threads.ts'));
  });

  it('the specifier scanner sees every import form', () => {
    const sample = `import a from 'node:fs';\nexport { b } from "path";\nimport 'util';\nconst c = await import('node:os');\nconst d = require('crypto');`;
    expect(specifiers(sample)).toEqual(['node:fs', 'path', 'util', 'node:os', 'crypto']);
  });

  it('imports no node: module and no bare Node built-in', () => {
    const offenders: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('node:') || builtins.has(spec)) offenders.push(`${relative(srcDir, file)}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('uses no Node-only globals (process, Buffer, __dirname, require)', () => {
    const offenders: string[] = [];
    for (const file of files) {
      // strip comments so prose does not count
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const g of [/\bprocess\./, /\bBuffer\b/, /\b__dirname\b/, /\brequire\s*\(/]) {
        if (g.test(code)) offenders.push(`${relative(srcDir, file)}: ${g.source}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
