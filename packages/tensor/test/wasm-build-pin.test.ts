// Pinning the wasm build: `TENSILE_WASM_BUILD=simd` (environment) or `globalThis.TENSILE_WASM_BUILD = 'simd'`
// (set before the import) loads the plain-SIMD kernels even where the engine runs relaxed SIMD, so two
// engines compute bit-identical results; `wasmBuild()` reports the build that runs; unknown values and a
// pinned build the engine cannot run are refused at import. Each case is a child Node process over a bundle
// of the sources (the build is chosen once, when the module loads). Node 20 runs relaxed SIMD only with
// --experimental-wasm-relaxed-simd; the cases that need it are skipped where it is unavailable.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FLAG = '--experimental-wasm-relaxed-simd';
const dir = mkdtempSync(join(tmpdir(), 'tensile-pin-'));
const bundle = join(dir, 'tensor.mjs');

// A module whose only function is f32x4.relaxed_madd: valid exactly where the engine has relaxed SIMD.
const RELAXED_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0,
  10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11];

interface Run { status: number | null; stdout: string; stderr: string }

/** Runs `body` (an ES module body with `t`, the bundled package, in scope) in a child node. */
function child(body: string, { flags = [] as string[], env = {} as Record<string, string>, before = '' } = {}): Run {
  const { TENSILE_WASM_BUILD: _, ...rest } = process.env;
  const src = `${before}\nconst t = await import(${JSON.stringify(pathToFileURL(bundle).href)});\n${body}`;
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', src], { env: { ...rest, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

const report = 'console.log(t.wasmBuild())';
// A float32 product long enough for fused and separate multiply-adds to round differently; printed as bits.
const product = `t.manualSeed(3); const y = t.matmul(t.randn([37, 500]), t.randn([500, 29]));
console.log(t.wasmBuild(), Buffer.from(y.toTypedArray().buffer).toString('base64'))`;

// Probed in children started as the cases' children are (this worker may itself run with other flags).
const probe = (flags: string[]) => spawnSync(process.execPath, [...flags, '-e', `process.exit(WebAssembly.validate(new Uint8Array(${JSON.stringify(RELAXED_PROBE)})) ? 0 : 1)`]).status === 0;
const relaxedWithFlag = probe([FLAG]);
const relaxedWithoutFlag = probe([]);

describe('pinning the wasm build', () => {
  beforeAll(async () => {
    await build({
      entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
      bundle: true, format: 'esm', platform: 'neutral', outfile: bundle, logLevel: 'silent', target: 'es2022',
      mainFields: ['module', 'main'],
    });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports simd under TENSILE_WASM_BUILD=simd, and the best build without a pin', () => {
    expect(child(report, { env: { TENSILE_WASM_BUILD: 'simd' } })).toMatchObject({ status: 0, stdout: 'simd' });
    expect(child(report)).toMatchObject({ status: 0, stdout: relaxedWithoutFlag ? 'relaxed-simd' : 'simd' });
    expect(child(report, { env: { TENSILE_WASM_BUILD: 'auto' } })).toMatchObject({ status: 0, stdout: relaxedWithoutFlag ? 'relaxed-simd' : 'simd' });
  });

  it.runIf(relaxedWithFlag)(`with ${FLAG}: relaxed-simd unpinned, simd when pinned by environment or globalThis, with the same bits as the plain engine`, () => {
    expect(child(report, { flags: [FLAG] })).toMatchObject({ status: 0, stdout: 'relaxed-simd' });
    expect(child(report, { flags: [FLAG], env: { TENSILE_WASM_BUILD: 'relaxed-simd' } })).toMatchObject({ status: 0, stdout: 'relaxed-simd' });
    expect(child(report, { flags: [FLAG], env: { TENSILE_WASM_BUILD: 'simd' } })).toMatchObject({ status: 0, stdout: 'simd' });
    expect(child(report, { flags: [FLAG], before: "globalThis.TENSILE_WASM_BUILD = 'simd';" })).toMatchObject({ status: 0, stdout: 'simd' });
    // globalThis wins over the environment.
    expect(child(report, { flags: [FLAG], env: { TENSILE_WASM_BUILD: 'simd' }, before: "globalThis.TENSILE_WASM_BUILD = 'relaxed-simd';" }))
      .toMatchObject({ status: 0, stdout: 'relaxed-simd' });

    const plain = child(product, { env: { TENSILE_WASM_BUILD: 'simd' } });
    const pinned = child(product, { flags: [FLAG], env: { TENSILE_WASM_BUILD: 'simd' } });
    const fused = child(product, { flags: [FLAG] });
    expect(plain.status, plain.stderr).toBe(0);
    expect(pinned.stdout.split(' ')[0]).toBe('simd');
    expect(pinned.stdout).toBe(plain.stdout);
    // The fused build really is other arithmetic: without the pin, the bits differ.
    expect(fused.stdout.split(' ')[0]).toBe('relaxed-simd');
    expect(fused.stdout.split(' ')[1]).not.toBe(plain.stdout.split(' ')[1]);
  });

  it('refuses unknown values, naming where they came from', () => {
    const env = child(report, { env: { TENSILE_WASM_BUILD: 'fast' } });
    expect(env.status).not.toBe(0);
    expect(env.stderr).toContain("the environment variable TENSILE_WASM_BUILD must be one of 'auto', 'relaxed-simd', 'simd', got 'fast'");
    const global = child(report, { before: 'globalThis.TENSILE_WASM_BUILD = 42;' });
    expect(global.status).not.toBe(0);
    expect(global.stderr).toContain("globalThis.TENSILE_WASM_BUILD must be one of 'auto', 'relaxed-simd', 'simd', got 42");
  });

  it.runIf(!relaxedWithoutFlag)('refuses a pinned relaxed-simd build the engine cannot run', () => {
    const r = child(report, { env: { TENSILE_WASM_BUILD: 'relaxed-simd' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("TENSILE_WASM_BUILD is 'relaxed-simd' but this engine does not run the relaxed-SIMD build");
  });
});
