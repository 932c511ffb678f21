// Registers the 'blas' backend before every test file, without making it current, so that suites which
// iterate over listBackends() run on it too. Where the library is missing the tests that need it are skipped,
// except under CI (.ci/run installs OpenBLAS), where a missing library is a failure.
import { blasAvailable, useBlas } from '../src/index.js';

const status = blasAvailable();
if (status.available) useBlas({ activate: false });
else if (process.env.CI) throw new Error(`@tensile/blas tests under CI need the library: ${status.reason}`);
