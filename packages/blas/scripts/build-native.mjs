// Compiles native/blas.c into dist/tensile_blas.node with the machine's C compiler ($CC, else cc) against
// Node's own headers (node_api.h). The BLAS library itself is opened at run time, so nothing else is needed
// here. Run after tsup, which empties dist/. Without a compiler or headers the build fails with what is
// missing, unless TENSILE_BLAS_OPTIONAL=1, when it only warns (the package then reports itself unavailable).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'tensile_blas.node');
const optional = process.env.TENSILE_BLAS_OPTIONAL === '1';

function fail(message) {
  if (optional) {
    console.warn(`@tensile/blas: ${message}; the native module was not built (TENSILE_BLAS_OPTIONAL=1)`);
    process.exit(0);
  }
  console.error(`@tensile/blas: ${message}`);
  process.exit(1);
}

const headerDirs = [
  join(dirname(process.execPath), '..', 'include', 'node'),
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter(Boolean);
const include = headerDirs.find((d) => existsSync(join(d, 'node_api.h')));
if (!include) fail(`Node's headers (node_api.h) were not found in ${headerDirs.join(', ')}`);

const cc = process.env.CC || 'cc';
const tmp = `${out}.${process.pid}.tmp`;
mkdirSync(dirname(out), { recursive: true });
try {
  execFileSync(cc, ['-O2', '-std=c11', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-I', include,
    join(root, 'native', 'blas.c'), '-o', tmp, ...(process.platform === 'linux' ? ['-ldl'] : [])], { stdio: 'inherit' });
} catch (e) {
  fail(`compiling native/blas.c with ${cc} failed (${e.code === 'ENOENT' ? `${cc} not found: install a C compiler, or set CC` : e.message})`);
}
renameSync(tmp, out);
console.log(`@tensile/blas: built ${out}`);
