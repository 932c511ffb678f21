// @tensile/onnx runs in a browser: no source file imports a `node:` module (tests may).
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('no source file imports a node: module', () => {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  expect(sources).toContain('export.ts');
  for (const f of sources) expect(readFileSync(dir + f, 'utf8'), f).not.toMatch(/from ['"](node:|fs|path|os|child_process)/);
});
