// Sums vitest's JSON results of every package into the line CI reads: `tests: N passed, N failed`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
// The workspace's packages, as pnpm-workspace.yaml lists them: every package of a group, or one package.
for (const group of ['packages/*', 'examples/*', 'tests/*', 'bench', 'tools/ci']) {
  const dir = join(root, group.replace(/\/\*$/, ''));
  if (!existsSync(dir)) continue;
  const dirs = group.endsWith('/*') ? readdirSync(dir).map((d) => join(dir, d)) : [dir];
  for (const pkg of dirs) {
    const manifest = join(pkg, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name, scripts = {} } = JSON.parse(readFileSync(manifest, 'utf8'));
    if (!scripts.test) continue;
    const results = join(pkg, '.vitest/results.json');
    if (!existsSync(results)) {
      missing.push(name);
      continue;
    }
    const r = JSON.parse(readFileSync(results, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    // A suite that failed to load counts as a failure even though it ran no test.
    failed += r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
    console.log(`${name}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  }
}
for (const name of missing) console.log(`${name}: no results (its tests did not run)`);
failed += missing.length;
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
