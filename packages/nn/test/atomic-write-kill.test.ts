// Crash-safe writes for real: child Node processes save a large file with writeFileAtomic and are killed
// with SIGKILL while their temporary file exists. The target is always a whole file (old or new), and the
// next save to the same path removes every temporary file a killed writer left, and nothing else.
// The children run the built writer (packages/nn/dist/node.js; `pnpm test` builds first).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { writeFileAtomic } from '../src/node.js';

const dist = fileURLToPath(new URL('../dist/node.js', import.meta.url));
const source = fileURLToPath(new URL('../src/node.ts', import.meta.url));
const SIZE = 32 << 20; // large enough that writing it (and fsync) takes a while

/** A child that saves SIZE bytes of `fill` to `target` over and over, until it is killed. */
function writer(target: string, fill: number): ChildProcess {
  const script = `
    const { writeFileAtomic } = await import(${JSON.stringify(pathToFileURL(dist).href)});
    const bytes = new Uint8Array(${SIZE}).fill(${fill});
    for (;;) await writeFileAtomic(${JSON.stringify(target)}, bytes);
  `;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
}

const temps = (dir: string): string[] => readdirSync(dir).filter((f) => f !== 'model.bin').sort();

/** Waits until `child`'s temporary file exists, then kills it with SIGKILL; returns that file's name. */
async function killMidWrite(child: ChildProcess, dir: string): Promise<string> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const mine = `.model.bin.tmp-${child.pid}-`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`no temporary file ${mine}… appeared in 30 s; the folder has ${JSON.stringify(temps(dir))}`);
    }
    const t = temps(dir).find((f) => f.startsWith(mine));
    if (t !== undefined) {
      child.kill('SIGKILL');
      await exited;
      return t;
    }
    if (child.exitCode !== null) throw new Error(`the writer exited with code ${child.exitCode}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** A pid that no process has now: a child that has already exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

describe('writeFileAtomic and writers killed mid-write', () => {
  test('the built writer is current', () => {
    // Otherwise the children below would test an older writer than src/node.ts.
    expect(statSync(dist).mtimeMs, 'packages/nn/dist is older than src/node.ts: run pnpm build').toBeGreaterThanOrEqual(statSync(source).mtimeMs);
  });

  test('SIGKILL mid-write leaves the target whole; the next save removes what the killed writers left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tensile-kill-'));
    const target = join(dir, 'model.bin');
    await writeFileAtomic(target, new Uint8Array(1024).fill(7));
    const killed: string[] = [];
    for (let k = 1; k <= 5; k++) {
      killed.push(await killMidWrite(writer(target, k), dir));
      // The target is a whole file: the first one, or one a child finished (all SIZE bytes of its fill).
      const bytes = readFileSync(target);
      const whole = (bytes.length === 1024 && bytes.every((b) => b === 7)) || (bytes.length === SIZE && bytes.every((b) => b === bytes[0]));
      expect(whole, `after kill ${k} the target has ${bytes.length} bytes`).toBe(true);
      // The killed writer's temporary file is still there (the crash this is about).
      expect(temps(dir)).toContain(killed[k - 1]);
    }
    // Others' files that look alike stay: another target's temporary file, and one of a live process.
    const otherTarget = `.other.bin.tmp-${deadPid()}-0123456789ab`;
    const live = `.model.bin.tmp-${process.ppid}-0123456789ab`;
    const unrelated = 'model.bin.tmp-notes.txt';
    // Two left by an earlier version's naming, and one by a dead writer that never got to write a byte.
    const legacy = `.model.bin.${deadPid()}.abcdef012345.tmp`;
    const empty = `.model.bin.tmp-${deadPid()}-abcdef012345`;
    for (const f of [otherTarget, live, unrelated, legacy, empty]) writeFileSync(join(dir, f), 'x');
    expect(temps(dir).length).toBeGreaterThanOrEqual(5 + 1); // at least the last killed writer's, plus the planted ones

    await writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    expect(readdirSync(dir).sort()).toEqual(['model.bin', otherTarget, live, unrelated].sort());
    expect([...readFileSync(target)]).toEqual([1, 2, 3]);
  });

  test("concurrent saves in one process to one path never remove each other's temporary files", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tensile-concurrent-'));
    const target = join(dir, 'model.bin');
    const sizes = [1, 2, 3, 4, 5, 6].map((k) => k << 20);
    await Promise.all(sizes.map((n, k) => writeFileAtomic(target, new Uint8Array(n).fill(k))));
    expect(readdirSync(dir)).toEqual(['model.bin']);
    const bytes = readFileSync(target);
    const k = sizes.indexOf(bytes.length);
    expect(k).toBeGreaterThanOrEqual(0);
    expect(bytes.every((b) => b === k)).toBe(true);
  });
});
