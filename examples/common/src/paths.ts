// Where a run writes: the output folder and the checkpoint file, checked before any work so that a bad path
// is one line naming its flag (exit status 2), not a stack trace or a hang after the data has loaded.
// Folders are made one level at a time: Node's `mkdir(…, { recursive: true })` never returns for a path
// under /proc (procfs answers ENOENT to a mkdir whose parent exists, and Node's loop then makes the parent
// and tries again, forever, at 100% CPU).
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, symlinkSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { UsageError } from './args.js';

/** A path from the command line, relative to where the user ran the command (pnpm runs scripts elsewhere). */
export function userPath(p: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

const statOf = (p: string): Stats | null => {
  try {
    return statSync(p);
  } catch {
    return null;
  }
};

/** The first part of a Node file-system error's message: `ENOENT: no such file or directory`. */
const reason = (e: unknown): string => (e instanceof Error ? e.message.split(',')[0]! : String(e));

/**
 * Makes the folder `dir` and any missing parents, one `mkdir` per level, so it ends after as many calls as
 * the path has parts. Throws the file system's error, or an ENOTDIR error for a part that is not a folder.
 */
export function makeDir(dir: string): void {
  const chain: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    chain.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of chain) {
    let st = statOf(d);
    if (st === null) {
      try {
        mkdirSync(d);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // The parent is a folder (checked on the way down), so ENOENT means it takes no new entries (/proc).
        if (code === 'ENOENT') throw Object.assign(new Error(`ENOENT: ${dirname(d)} does not take new folders`), { code });
        if (code !== 'EEXIST') throw e;
      }
      st = statSync(d);
    }
    if (!st.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${d}'`), { code: 'ENOTDIR' });
  }
}

/** Checks that files can be created in the folder `dir` (as the atomic writes do), by making and removing one. */
function probeWrite(dir: string): void {
  const probe = join(dir, `.tensile-write-check-${process.pid}`);
  closeSync(openSync(probe, 'wx'));
  unlinkSync(probe);
}

/**
 * A folder that the run can write in, made if missing; `raw` is the flag's value as typed.
 * @throws UsageError naming the flag for a file, a device, a folder that cannot be made or written.
 */
export function writableFolder(raw: string, flag: string): string {
  const dir = userPath(raw);
  const st = statOf(dir);
  if (st !== null && !st.isDirectory()) throw new UsageError(`--${flag} ${raw} is ${st.isFile() ? 'a file' : 'not a folder'}; give a folder`);
  try {
    makeDir(dir);
  } catch (e) {
    throw new UsageError(`--${flag} ${raw}: cannot make this folder (${reason(e)})`);
  }
  try {
    probeWrite(dir);
  } catch (e) {
    throw new UsageError(`--${flag} ${raw}: cannot write in this folder (${reason(e)})`);
  }
  return dir;
}

/**
 * The checkpoint file to write, from `--checkpoint` (or the `--resume` file, which goes on being written):
 * a regular file or none yet, in a folder the run can write in (made if missing).
 * @throws UsageError naming the flag otherwise.
 */
export function checkpointFile(raw: string, flag: string): string {
  const file = userPath(raw);
  const st = statOf(file);
  if (st?.isDirectory()) throw new UsageError(`--${flag} ${raw} is a folder; give a file, such as ${join(raw, 'checkpoint.safetensors')}`);
  if (st !== null && !st.isFile()) throw new UsageError(`--${flag} ${raw} is not a regular file; give a .safetensors file`);
  try {
    makeDir(dirname(file));
    probeWrite(dirname(file));
  } catch (e) {
    const hint = flag === 'resume' ? '; pass --checkpoint <file> to write the checkpoints elsewhere' : '';
    throw new UsageError(`--${flag} ${raw}: cannot write a checkpoint in its folder (${reason(e)})${hint}`);
  }
  return file;
}

/** The file that marks a folder as holding a run. */
const RUN_MARK = 'metrics.jsonl';

/** True when `dir` already holds a run's outputs. */
export function holdsRun(dir: string): boolean {
  return existsSync(join(dir, RUN_MARK));
}

/** `runs/x/2024-05-01_12-30-05`: the local time, to the second, in a form every file system accepts. */
function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}_${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

/**
 * Makes a new folder for a run inside `base` (which must exist), named by the time (`-2`, `-3` … when that
 * name is taken), and points the symlink `base/latest` at it. Where symlinks cannot be made (Windows without
 * the right), `latest` is left as it was.
 */
export function newRunFolder(base: string, now = new Date()): string {
  const name = stamp(now);
  for (let k = 1; k <= 1000; k++) {
    const dir = join(base, k === 1 ? name : `${name}-${k}`);
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    pointLatest(base, dir);
    return dir;
  }
  throw new Error(`${base}: a thousand runs started at ${name}`);
}

/** Replaces `base/latest` with a symlink to `dir`: made under another name, then renamed over it (atomic). */
function pointLatest(base: string, dir: string): void {
  const tmp = join(base, `.latest-${process.pid}`);
  try {
    symlinkSync(relative(base, dir), tmp, 'dir');
    renameSync(tmp, join(base, 'latest'));
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing was made.
    }
  }
}

/** What the command line says about the output folder. */
export interface OutputRequest {
  /** `--out` as typed, if given. */
  out?: string;
  /** Where new runs go without `--out`: each in its own folder inside (`runs/mnist-mlp`). */
  base: string;
  /** When resuming: the folder the checkpoint's run wrote to (from the checkpoint), if it says. */
  resumeFolder?: string | null;
}

/**
 * The output folder, decided and checked; `create()` makes it (a new run's folder is made only when the run
 * is about to start, so a run that fails to load its data leaves no empty folder behind).
 */
export interface OutputPlan {
  /** Makes the folder (once) and returns it. */
  create(): string;
  /** True when the run continues in the folder its checkpoint's run wrote to. */
  continuing: boolean;
}

/**
 * Decides where a run writes, and checks it before any work:
 * - `--out D`: D; refused if it holds another run (its own `metrics.jsonl`), unless this run resumes the run
 *   that wrote there;
 * - resuming without `--out`: the folder the checkpoint's run wrote to;
 * - otherwise a new folder per run inside `base`, with `base/latest` pointing at the newest.
 * @throws UsageError naming `--out` for a folder that cannot be made or written, or that holds another run.
 */
export function planOutput(req: OutputRequest): OutputPlan {
  const fixed = (dir: string, continuing: boolean): OutputPlan => ({ create: () => dir, continuing });
  if (req.out !== undefined) {
    const dir = writableFolder(req.out, 'out');
    const continuing = req.resumeFolder !== undefined && req.resumeFolder !== null && resolve(req.resumeFolder) === dir;
    if (holdsRun(dir) && !continuing) {
      throw new UsageError(
        `--out ${req.out} already holds a run (${RUN_MARK}); give a new folder, or leave --out out and each run gets its own folder in ${req.base}`,
      );
    }
    return fixed(dir, continuing);
  }
  if (req.resumeFolder) {
    let dir: string;
    try {
      dir = writableFolder(req.resumeFolder, 'out');
    } catch (e) {
      throw new UsageError(`${(e as Error).message.replace(/^--out /, 'the checkpoint\'s output folder ')}; pass --out <dir> to write elsewhere`);
    }
    return fixed(dir, true);
  }
  let base: string;
  try {
    base = writableFolder(req.base, 'out');
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; pass --out <dir> to write elsewhere`);
  }
  let made: string | null = null;
  return { create: () => (made ??= newRunFolder(base)), continuing: false };
}
