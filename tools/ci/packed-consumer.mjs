#!/usr/bin/env node
// The packages as a consumer meets them: `pnpm pack` each published package (from its built dist), check each
// tarball's manifest, install the tarballs with npm into a fresh project outside the workspace, compile a training
// script and the example of each package's packed README against their declarations with `tsc --strict` (no
// skipLibCheck), run them, and check that the training loss fell.
// Run after `pnpm build`: `node tools/ci/packed-consumer.mjs [--verbose]` (tools/ci's test runs it in `pnpm test`).
// Exits non-zero with the reason on the first failure; always removes its temporary folder.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../..', import.meta.url));
const consumerSources = fileURLToPath(new URL('./consumer/', import.meta.url));
const PACKAGES = ['tensor', 'nn', 'optim', 'data', 'train', 'onnx'];
const WORK_PREFIX = 'tensile-consumer-';
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
/** `--verbose`: also print what each README example printed. */
const verbose = process.argv.includes('--verbose');

class CheckError extends Error {}

/** Runs a command; returns its stdout, or throws with its output when it fails. */
function run(cmd, args, { cwd, env = process.env } = {}) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new CheckError(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new CheckError(`${cmd} ${args.join(' ')} (in ${cwd}) ${r.signal ? `was stopped by ${r.signal}` : `exited with ${r.status}`}:\n${r.stdout}${r.stderr}`);
  }
  return r.stdout;
}

/** The files of a .tgz: path inside the archive → contents. Plain ustar, as npm and pnpm write it. */
function readTarball(file) {
  const buf = gunzipSync(readFileSync(file));
  const files = new Map();
  for (let off = 0; off + 512 <= buf.length; ) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start, len) => header.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    if (type === '0' || type === '') files.set(name, buf.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Every file path a package.json points a consumer at: main, types and each export target. */
function manifestTargets(manifest) {
  const targets = [manifest.main, manifest.types].filter((t) => t !== undefined);
  const walk = (v) => {
    if (typeof v === 'string') targets.push(v);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(manifest.exports);
  return [...new Set(targets)];
}

/** The first ```ts block of a README: the package's runnable example. */
function readmeExample(files) {
  const readme = files.get('package/README.md')?.toString('utf8') ?? '';
  return /^```ts\n([\s\S]*?)^```/m.exec(readme)?.[1] ?? null;
}

/** What is wrong with one packed tarball's contents (an empty list when nothing). */
function checkTarball(dir, files) {
  const problems = [];
  const manifestBytes = files.get('package/package.json');
  if (manifestBytes === undefined) return ['no package.json'];
  const manifest = JSON.parse(manifestBytes.toString('utf8'));
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, spec] of Object.entries(manifest[field] ?? {})) {
      if (/^(workspace|link|file):/.test(spec)) problems.push(`${field}.${dep} is "${spec}", which no registry install can resolve`);
    }
  }
  for (const target of manifestTargets(manifest)) {
    if (!files.has(`package/${target.replace(/^\.\//, '')}`)) problems.push(`package.json points at ${target}, which is not in the tarball`);
  }
  if (manifest.types === undefined) problems.push('no "types" field');
  if (manifest.license !== 'MIT') problems.push(`license is ${JSON.stringify(manifest.license)}, expected "MIT"`);
  for (const required of ['README.md', 'LICENSE']) if (!files.has(`package/${required}`)) problems.push(`${required} is not in the tarball`);
  if (files.has('package/README.md') && readmeExample(files) === null) problems.push('its README has no ```ts example');
  const leaked = [...files.keys()].filter((f) => /\.test\.|\/test\/|\/src\//.test(f));
  if (leaked.length > 0) problems.push(`ships sources or tests: ${leaked.slice(0, 3).join(', ')}`);
  return problems.map((p) => `${dir}: ${p}`);
}

/** The environment for npm: the calling `pnpm run`'s package and lifecycle variables would describe the workspace. */
function npmEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(npm_package_|npm_lifecycle_|npm_config_user_agent$|npm_execpath$|npm_command$|pnpm_|PNPM_)/i.test(key)) delete env[key];
  }
  return env;
}

/**
 * Removes work folders that an earlier run could not remove because it was killed outright (SIGKILL). Only
 * folders older than an hour: a run takes a minute or two, so a younger one may belong to a run in progress.
 */
function removeStaleWorkFolders() {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(WORK_PREFIX)) continue;
    const path = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(path).mtimeMs > 3600_000) rmSync(path, { recursive: true, force: true });
    } catch {
      // gone already, or not ours to remove
    }
  }
}

function main() {
  removeStaleWorkFolders();
  for (const dir of PACKAGES) {
    for (const built of ['dist/index.js', 'dist/index.d.ts']) {
      if (!existsSync(join(root, 'packages', dir, built))) throw new CheckError(`packages/${dir}/${built} is missing: run \`pnpm build\` first`);
    }
  }
  const work = mkdtempSync(join(tmpdir(), WORK_PREFIX));
  try {
    // 1. Pack, and check what each tarball holds.
    const tarballs = join(work, 'tarballs');
    mkdirSync(tarballs);
    const packed = PACKAGES.map((dir) => {
      const out = run('pnpm', ['pack', '--pack-destination', tarballs, '--json'], { cwd: join(root, 'packages', dir) });
      const { name, filename } = JSON.parse(out.slice(out.indexOf('{')));
      const files = readTarball(filename);
      return { dir, name, filename, files, example: readmeExample(files) };
    });
    const problems = packed.flatMap(({ dir, files }) => checkTarball(`packages/${dir}`, files));
    if (problems.length > 0) throw new CheckError(`the packed packages are not installable as they are:\n  ${problems.join('\n  ')}`);

    // 2. A fresh project outside the workspace that installs the tarballs (their own dependencies from the registry).
    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'tensile-consumer', private: true, type: 'module' }, null, 2));
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...packed.map((p) => p.filename)], {
      cwd: project, env: npmEnv(),
    });

    // 3. Compile against the packed declarations: strict, no skipLibCheck, as a Node ESM project.
    for (const file of ['train.ts', 'entries.ts']) copyFileSync(join(consumerSources, file), join(project, file));
    const examples = packed.map(({ dir, example }) => {
      const file = `readme-${dir}.ts`;
      writeFileSync(join(project, file), `// The example of packages/${dir}/README.md, as packed.\n${example}\nexport {};\n`);
      return file;
    });
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'out', rootDir: '.',
        skipLibCheck: false, types: [],
      },
      files: ['train.ts', 'entries.ts', ...examples],
    };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    run(process.execPath, [tsc, '-p', project, '--strict', '--noEmit', 'false'], { cwd: project });
    // and as a bundler project (a browser app) resolves them
    run(process.execPath, [tsc, '-p', project, '--strict', '--noEmit', '--module', 'ESNext', '--moduleResolution', 'Bundler'], { cwd: project });

    // 4. Run each README's example, then train and check that it learned.
    for (const file of examples) {
      const printed = run(process.execPath, [join(project, 'out', file.replace(/\.ts$/, '.js'))], { cwd: project });
      if (printed.trim() === '') throw new CheckError(`the example of ${file.slice(7, -3)}'s README printed nothing`);
      if (verbose) console.log(`--- ${file}\n${printed.trimEnd()}`);
    }
    const out = run(process.execPath, [join(project, 'out', 'train.js')], { cwd: project });
    const line = out.trim().split('\n').at(-1) ?? '';
    let result;
    try {
      result = JSON.parse(line);
    } catch {
      throw new CheckError(`the consumer's training script printed no result line:\n${out}`);
    }
    const { first, last, accuracy, steps } = result;
    const summary = `loss ${first.toFixed(4)} → ${last.toFixed(4)} over ${steps} steps, accuracy ${(accuracy * 100).toFixed(1)}%`;
    if (!(Number.isFinite(last) && last < first / 2 && accuracy > 0.9)) {
      throw new CheckError(`the consumer's training did not learn: ${summary} (expected the loss to halve and accuracy > 90%)`);
    }
    const names = packed.map((p) => p.name).join(', ');
    console.log(`packed-consumer: ${names} packed and installed with npm; their READMEs' examples and a training script compiled with tsc --strict and ran; ${summary}`);
    console.log(`PACKED_CONSUMER_RESULT ${JSON.stringify({ packages: packed.map((p) => p.name), first, last, accuracy, steps, work })}`);
  } finally {
    rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

// A signal (turbo stopping its tasks after another one failed, Ctrl-C) must not skip the cleanup in main's
// finally. Node delivers it only once the synchronous main() has returned (its children get it too and stop,
// which ends main with an error), so the handler only has to exit.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(130));

try {
  main();
} catch (e) {
  if (!(e instanceof CheckError)) throw e;
  console.error(`packed-consumer: ${e.message}`);
  process.exit(1);
}
