// The machine a run was measured on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpuModel: string;
  /** Logical CPUs the OS reports. */
  cores: number;
  /** SIMD extensions from /proc/cpuinfo flags (avx2, avx512f, …). */
  simd: string[];
  memTotalGiB: number;
  os: string;
  node: string;
  v8: string;
  /** Load average (1, 5, 15 min) when the run started and ended: other work on the machine shows here. */
  loadStart: number[];
  loadEnd?: number[];
  git?: { commit: string; dirty: boolean };
}

function cpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

export function describeMachine(): Machine {
  const info = cpuinfo();
  const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const flags = new Set((/^flags\s*:\s*(.+)$/m.exec(info)?.[1] ?? '').split(/\s+/));
  const simd = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni'].filter((f) => flags.has(f));
  let git: Machine['git'];
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    git = { commit, dirty };
  } catch {
    git = undefined;
  }
  return {
    cpuModel: model,
    cores: os.cpus().length,
    simd,
    memTotalGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    loadStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    git,
  };
}

export function loadNow(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}
