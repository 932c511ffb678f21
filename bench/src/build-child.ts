// A Tensile column measured in a child process whose engine loads another wasm build than this one: run by
// run.ts as
//   node --expose-gc [--experimental-wasm-relaxed-simd] --import tsx src/build-child.ts '<json>'
// with TENSILE_WASM_BUILD set to the build wanted, so a missing build fails the import instead of silently
// measuring the other one. Measures the named variants on the wasm backend held to one thread and prints
// `@@RESULT {"build", "results"}` with the results filed under the given column id.
import { wasmBuild } from '@tensile/tensor';
import { findFramework, allFrameworks } from './frameworks.js';
import type { TimingOptions } from './harness.js';
import { WORKLOADS, logResult, runCase } from './suite.js';
import type { Result } from './workload.js';

interface Config {
  column: string;
  build: 'simd' | 'relaxed-simd';
  variants: string[];
  timing: TimingOptions;
}

const config = JSON.parse(process.argv[2] ?? '') as Config;
const build = wasmBuild();
if (build !== config.build) throw new Error(`build-child: wanted the ${config.build} wasm build, the engine loaded ${build ?? 'none'}`);
const fw = { ...findFramework(await allFrameworks(undefined, { blas: false }), 'tensile-wasm-1t'), id: config.column };
const results: Result[] = [];
for (const w of WORKLOADS) {
  for (const v of w.variants.filter((x) => config.variants.includes(x.id))) {
    const r = await runCase(w, fw, v, config.timing);
    logResult(v, fw.id, r);
    results.push(r);
  }
}
console.log(`@@RESULT ${JSON.stringify({ build, results })}`);
