// Runs an example's command line as `pnpm mnist` does (tsx on the example's src/main.ts, from the example's
// folder, with INIT_CWD at the repository root), in its own process group, killed with SIGKILL at a hard
// time limit; and classifies what it did. On Linux the limit is also enforced by coreutils' `timeout`, which
// outlives us: a run whose test process is killed (turbo stopping a task) cannot leave a hung program behind.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RAW_MESSAGE, type ClassifyExpectation, type Outcome } from './harness.js';

/** The repository root: the nearest folder up from here with a pnpm-workspace.yaml. */
export const ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('hostile suite: cannot find the repository root (pnpm-workspace.yaml)');
    dir = up;
  }
  return dir;
})();

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  seconds: number;
}

/** A child gets this long (90 s; `HOSTILE_CLI_TIMEOUT_S` overrides) before it is killed and its case counted as a hang. */
export const CLI_TIMEOUT_MS = Number(process.env.HOSTILE_CLI_TIMEOUT_S ?? 90) * 1000;
/** The watchdog's limit for a command-line case: the child's, plus room to spawn and collect it. */
export const CLI_CASE_TIMEOUT_MS = CLI_TIMEOUT_MS + 30_000;

const MAX_OUTPUT = 1 << 20;

/** coreutils' `timeout`, where there is one (it puts the program in its own group and kills the group). */
const TIMEOUT_BIN = ['/usr/bin/timeout', '/bin/timeout'].find((p) => process.platform === 'linux' && existsSync(p)) ?? null;

/**
 * Runs `examples/<example>/src/main.ts` with `args`. `{tmp}` in an argument becomes a fresh temporary
 * folder (removed afterwards), so runs that get as far as writing do not write into the repository.
 */
export function runExample(example: string, args: readonly string[]): Promise<CliResult> {
  const cwd = join(ROOT, 'examples', example);
  const tsx = join(cwd, 'node_modules', '.bin', 'tsx');
  const tmp = args.some((a) => a.includes('{tmp}')) ? mkdtempSync(join(tmpdir(), 'tensile-hostile-')) : null;
  const argv = args.map((a) => (tmp ? a.replaceAll('{tmp}', tmp) : a));
  const started = Date.now();
  const command = TIMEOUT_BIN ? [TIMEOUT_BIN, '-s', 'KILL', `${CLI_TIMEOUT_MS / 1000}s`, tsx] : [tsx];
  return new Promise((resolve) => {
    const child = spawn(command[0]!, [...command.slice(1), 'src/main.ts', ...argv], {
      cwd,
      detached: true, // its own process group, so the kill reaches tsx's node child too
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, INIT_CWD: ROOT, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-MAX_OUTPUT)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-MAX_OUTPUT)));
    let timedOut = false;
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, CLI_TIMEOUT_MS + 2_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // `timeout -s KILL` kills the program's whole group, itself included, at the limit.
      const killed = signal === 'SIGKILL' || code === 137;
      if (TIMEOUT_BIN && killed && Date.now() - started >= CLI_TIMEOUT_MS) timedOut = true;
      kill(); // anything the program left running in its group
      if (tmp) rmSync(tmp, { recursive: true, force: true });
      resolve({ code, signal, stdout, stderr, timedOut, seconds: (Date.now() - started) / 1000 });
    });
  });
}

export interface CliSpec {
  /** The exit status: a number, or 'nonzero'. */
  exit: number | 'nonzero';
  /** Patterns stderr must match (for a failure) or stdout must match (for exit 0). */
  output: readonly RegExp[];
  /** A failure's message is one line on stderr. Default true for failures. */
  oneLine?: boolean;
}

const tail = (s: string, n = 300) => JSON.stringify(s.trim().length > n ? `…${s.trim().slice(-n)}` : s.trim());

/** Classifies a command-line run against `spec`. */
export function cliExpect(spec: CliSpec): ClassifyExpectation {
  return {
    classify: (value): Outcome => {
      const r = value as CliResult;
      if (r.timedOut) return { kind: 'hang', detail: `still running after ${CLI_TIMEOUT_MS / 1000} s (killed); stderr ${tail(r.stderr)}` };
      // A stack trace or an engine message on stderr is a bug surfacing, whatever the exit status.
      if (/^\s+at .+:\d+:\d+\)?$/m.test(r.stderr) || RAW_MESSAGE.test(r.stderr)) return { kind: 'raw', detail: `exit ${r.code}; stderr ${tail(r.stderr, 500)}` };
      const failing = spec.exit !== 0;
      const text = failing ? r.stderr : r.stdout;
      const missing = spec.output.filter((p) => !p.test(text));
      if (failing) {
        if (r.code === 0) return { kind: 'wrong', detail: `exited with status 0 (expected ${spec.exit}); stdout ${tail(r.stdout)}` };
        if (spec.exit !== 'nonzero' && r.code !== spec.exit) return { kind: 'unexpected', detail: `exit status ${r.code ?? r.signal}, expected ${spec.exit}; stderr ${tail(r.stderr)}` };
        const lines = r.stderr.trim().split('\n').filter((l) => l.trim() !== '');
        if ((spec.oneLine ?? true) && lines.length !== 1) return { kind: 'unexpected', detail: `stderr has ${lines.length} lines, expected one: ${tail(r.stderr)}` };
        if (missing.length > 0) return { kind: 'unexpected', detail: `stderr ${tail(r.stderr)} does not match ${missing.map(String).join(', ')}` };
        return { kind: 'error', detail: `exit ${r.code}: ${r.stderr.trim()}` };
      }
      if (r.code !== 0) return { kind: 'unexpected', detail: `exit status ${r.code ?? r.signal}, expected 0; stderr ${tail(r.stderr)}` };
      if (missing.length > 0) return { kind: 'wrong', detail: `stdout does not match ${missing.map(String).join(', ')}: ${tail(r.stdout)}` };
      if (r.stderr.trim() !== '') return { kind: 'unexpected', detail: `exit 0 but stderr ${tail(r.stderr)}` };
      return { kind: 'right', detail: `exit 0 in ${r.seconds.toFixed(1)} s` };
    },
  };
}
