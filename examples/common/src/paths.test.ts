import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { checkpointFile, makeDir, newRunFolder, planOutput, writableFolder } from './paths.js';

const dir = mkdtempSync(join(tmpdir(), 'tensile-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const usage = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('makeDir', () => {
  it('makes nested folders, and is content when they exist', () => {
    const d = join(dir, 'a', 'b', 'c');
    makeDir(d);
    makeDir(d);
    expect(existsSync(d)).toBe(true);
  });

  it('returns at once under /proc, where Node\'s recursive mkdir spins forever', () => {
    // In a child process with a time limit: a regression hangs the child, not the test run.
    const here = fileURLToPath(new URL('.', import.meta.url));
    const code = `import { makeDir } from './paths.ts';
      try { makeDir('/proc/tensile-nope/deeper'); console.log('made'); } catch (e) { console.log(e.code + ' ' + e.message); }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: here, timeout: 30_000, encoding: 'utf8' });
    expect(r.signal).toBe(null);
    expect(r.stdout.trim()).toBe('ENOENT ENOENT: /proc does not take new folders');
  });

  it('refuses a path through a file', () => {
    const file = join(dir, 'file.txt');
    writeFileSync(file, 'x');
    expect(() => makeDir(join(file, 'sub'))).toThrow(/^ENOTDIR: not a directory, mkdir '.*file\.txt'$/);
  });
});

describe('writableFolder and checkpointFile', () => {
  const file = join(dir, 'notes.txt');
  writeFileSync(file, 'x');

  it.each([
    [file, /^--out .*notes\.txt is a file; give a folder$/],
    ['/dev/null', /^--out \/dev\/null is not a folder; give a folder$/],
    ['/dev/null/x', /^--out \/dev\/null\/x: cannot make this folder \(ENOTDIR: not a directory\)$/],
    ['/proc/tensile-nope', /^--out \/proc\/tensile-nope: cannot make this folder \(ENOENT: \/proc does not take new folders\)$/],
    ['/proc/self', /^--out \/proc\/self: cannot write in this folder \(ENOENT: no such file or directory\)$/],
  ])('--out %s → one line naming the flag', (p, message) => {
    expect(usage(() => writableFolder(p, 'out'))).toMatch(message);
  });

  it('makes a missing folder and leaves nothing else in it', () => {
    const d = writableFolder(join(dir, 'new', 'out'), 'out');
    expect(readdirSync(d)).toEqual([]);
  });

  it.each([
    ['/dev/null', /^--checkpoint \/dev\/null is not a regular file; give a \.safetensors file$/],
    [dir, /^--checkpoint .* is a folder; give a file, such as .*checkpoint\.safetensors$/],
    ['/proc/c.safetensors', /^--checkpoint \/proc\/c\.safetensors: cannot write a checkpoint in its folder \(ENOENT: no such file or directory\)$/],
    [join(file, 'c.safetensors'), /^--checkpoint .*notes\.txt\/c\.safetensors: cannot write a checkpoint in its folder \(ENOTDIR: not a directory\)$/],
  ])('--checkpoint %s → one line naming the flag', (p, message) => {
    expect(usage(() => checkpointFile(p, 'checkpoint'))).toMatch(message);
  });

  it('a --resume file whose folder cannot be written says how to write elsewhere', () => {
    expect(usage(() => checkpointFile('/proc/self/c.safetensors', 'resume'))).toMatch(/^--resume .*; pass --checkpoint <file> to write the checkpoints elsewhere$/);
  });

  it('accepts a new file in a new folder, and an existing file', () => {
    expect(checkpointFile(join(dir, 'ck', 'run.safetensors'), 'checkpoint')).toBe(join(dir, 'ck', 'run.safetensors'));
    expect(existsSync(join(dir, 'ck'))).toBe(true);
    expect(checkpointFile(file, 'checkpoint')).toBe(file);
  });
});

describe('run folders', () => {
  it('each run gets its own folder named by the time; latest points at the newest', () => {
    const base = join(dir, 'runs');
    mkdirSync(base);
    const at = new Date(2024, 4, 1, 12, 30, 5);
    const a = newRunFolder(base, at);
    const b = newRunFolder(base, at);
    const c = newRunFolder(base, new Date(2024, 4, 1, 12, 31, 0));
    expect([a, b, c]).toEqual([join(base, '2024-05-01_12-30-05'), join(base, '2024-05-01_12-30-05-2'), join(base, '2024-05-01_12-31-00')]);
    expect(readlinkSync(join(base, 'latest'))).toBe('2024-05-01_12-31-00');
    expect(readdirSync(base).sort()).toEqual(['2024-05-01_12-30-05', '2024-05-01_12-30-05-2', '2024-05-01_12-31-00', 'latest']);
  });

  it('without --out, a new run makes its folder only when it starts', () => {
    const base = join(dir, 'lazy');
    const plan = planOutput({ base });
    expect(readdirSync(base)).toEqual([]);
    const made = plan.create();
    expect(plan.create()).toBe(made);
    expect(readdirSync(base).sort()).toEqual([made.slice(base.length + 1), 'latest'].sort());
  });

  it('--out a folder that holds another run is refused; the run it holds may continue there', () => {
    const held = join(dir, 'held');
    mkdirSync(held);
    writeFileSync(join(held, 'metrics.jsonl'), '');
    expect(usage(() => planOutput({ out: held, base: 'runs/x' }))).toMatch(/^--out .*held already holds a run \(metrics\.jsonl\); give a new folder, or leave --out out and each run gets its own folder in runs\/x$/);
    expect(usage(() => planOutput({ out: held, base: 'runs/x', resumeFolder: join(dir, 'elsewhere') }))).toMatch(/already holds a run/);
    const plan = planOutput({ out: held, base: 'runs/x', resumeFolder: held });
    expect(plan.continuing).toBe(true);
    expect(plan.create()).toBe(held);
  });

  it('resuming without --out continues in the checkpoint\'s folder', () => {
    const plan = planOutput({ base: 'runs/x', resumeFolder: join(dir, 'first-run') });
    expect(plan.continuing).toBe(true);
    expect(plan.create()).toBe(join(dir, 'first-run'));
    expect(usage(() => planOutput({ base: 'runs/x', resumeFolder: '/proc/tensile-gone' }))).toMatch(
      /^the checkpoint's output folder \/proc\/tensile-gone: cannot make this folder .*; pass --out <dir> to write elsewhere$/,
    );
  });
});
