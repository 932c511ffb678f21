// `pnpm demo` builds the libraries the demo imports (their dist/) before it runs, quietly: turbo's task logs
// and summary are kept back, so the first thing a user reads is the demo's own output. A build that takes a
// while (the first one: about two minutes) says so in one line; a failed build prints everything turbo said.
//
//   node examples/demo/build.mjs [turbo filter]   (default: the demo and the packages it depends on)
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const filter = process.argv[2] ?? '@tensile/example-demo...';
// turbo's own launcher script, run with this node: no shell, no PATH lookup, the same on every platform.
const turbo = createRequire(new URL('../../package.json', import.meta.url)).resolve('turbo/bin/turbo');

const child = spawn(process.execPath, [turbo, 'run', 'build', `--filter=${filter}`, '--output-logs=errors-only'], {
  cwd: root,
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const output = [];
child.stdout.on('data', (d) => output.push(d));
child.stderr.on('data', (d) => output.push(d));
const started = Date.now();
const slow = setTimeout(() => process.stderr.write(`building the libraries (${filter}); the first build takes a minute or two…\n`), 2000);

child.on('error', (e) => {
  clearTimeout(slow);
  process.stderr.write(`build: cannot run turbo (${e.message})\n`);
  process.exit(1);
});
child.on('close', (code, signal) => {
  clearTimeout(slow);
  if (code === 0) {
    const seconds = (Date.now() - started) / 1000;
    if (seconds >= 2) process.stderr.write(`built in ${Math.round(seconds)}s\n`);
    return;
  }
  process.stderr.write(Buffer.concat(output));
  process.stderr.write(`build failed (turbo ${signal ? `killed by ${signal}` : `exited with status ${code}`})\n`);
  process.exit(code ?? 1);
});
