// Runs tools/ci/packed-consumer.mjs as CI does: the published packages packed from their built dist, installed
// with npm in a fresh project in the temp folder, their README examples and a training script compiled there with
// `tsc --strict` and run. The script checks every step and exits non-zero with the reason; here its result line is
// checked once more, so the test fails on a silent script as well as on a failing one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../packed-consumer.mjs', import.meta.url));

describe('the packed packages in a consumer project', () => {
  it('install with npm; their README examples and a training script compile with tsc --strict (no skipLibCheck) and run; the loss falls', () => {
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.status, `the script failed:\n${r.stdout}${r.stderr}`).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('PACKED_CONSUMER_RESULT '));
    expect(line).toBeDefined();
    const result = JSON.parse(line!.slice('PACKED_CONSUMER_RESULT '.length)) as {
      packages: string[]; first: number; last: number; accuracy: number; steps: number; work: string;
    };
    expect(result.packages).toEqual(['@tensile/tensor', '@tensile/nn', '@tensile/optim', '@tensile/data', '@tensile/train', '@tensile/onnx']);
    expect(result.steps).toBe(240); // 30 epochs of 8 batches of 64
    expect(result.first).toBeGreaterThan(0.5); // an untrained 2-class net: about ln 2
    expect(result.last).toBeLessThan(result.first / 2);
    expect(result.accuracy).toBeGreaterThan(0.9);
    // It removed its work folder (the packs and the consumer project).
    expect(result.work).toMatch(/tensile-consumer-/);
    expect(existsSync(result.work)).toBe(false);
  });
});
