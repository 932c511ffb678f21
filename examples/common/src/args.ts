// Command-line flags on node:util's parseArgs: each flag has a parser that turns its text into a value or
// throws a UsageError naming the flag, so every bad value gets a one-line message.
import { parseArgs } from 'node:util';

/** A bad command line: the message is one line that names the flag; the program exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** One flag: its help line, its value's placeholder (none for a switch) and its parser. */
export interface Flag<T> {
  readonly help: string;
  /** The placeholder in `--help` (`<n>`); absent for a boolean switch. */
  readonly value?: string;
  /** What `--help` shows as the default. */
  readonly default?: string;
  readonly parse: (raw: string, flag: string) => T;
}

/** A program's flags by camelCase name. */
export type FlagSpec = Record<string, Flag<unknown>>;

/** The values given on the command line (flags not given are absent), keyed by the spec's names. */
export type FlagValues<S extends FlagSpec> = { [K in keyof S]?: ReturnType<S[K]['parse']> };

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The value as the user typed it: a number as is, anything else quoted (so an empty value shows as ""). */
const shown = (raw: string): string => (raw.trim() !== '' && Number.isFinite(Number(raw)) ? raw : JSON.stringify(raw));

function fail(flag: string, must: string, raw: string): never {
  throw new UsageError(`--${flag} must be ${must}, got ${shown(raw)}`);
}

/** A whole number in [min, max]. */
export function int(help: string, opts: { min?: number; max?: number; default?: string; value?: string } = {}): Flag<number> {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = opts;
  const must = max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number in [${min}, ${max}]`;
  return {
    help, value: opts.value ?? '<n>', default: opts.default,
    parse: (raw, flag) => {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isInteger(v) || v < min || v > max) fail(flag, must, raw);
      return v;
    },
  };
}

/** A finite number > 0 (or ≥ 0 with `min: 0`). */
export function positive(help: string, opts: { allowZero?: boolean; default?: string; value?: string } = {}): Flag<number> {
  return {
    help, value: opts.value ?? '<x>', default: opts.default,
    parse: (raw, flag) => {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v) || v < 0 || (v === 0 && !opts.allowZero)) {
        fail(flag, opts.allowZero ? 'a finite number ≥ 0' : 'a finite number > 0', raw);
      }
      return v;
    },
  };
}

/** One of `choices`. */
export function choice<C extends string>(help: string, choices: readonly C[], opts: { default?: string } = {}): Flag<C> {
  return {
    help: `${help} (${choices.join(', ')})`, value: '<name>', default: opts.default,
    parse: (raw, flag) => {
      if (!(choices as readonly string[]).includes(raw)) fail(flag, `one of ${choices.join(', ')}`, raw);
      return raw as C;
    },
  };
}

/** A comma-separated list of `choices`, each at most once. */
export function choiceList<C extends string>(help: string, choices: readonly C[], opts: { default?: string } = {}): Flag<C[]> {
  return {
    help: `${help} (comma-separated: ${choices.join(', ')})`, value: '<a,b,…>', default: opts.default,
    parse: (raw, flag) => {
      const items = raw.split(',').map((s) => s.trim());
      const bad = items.find((s) => !(choices as readonly string[]).includes(s));
      if (items.length === 0 || bad !== undefined) fail(flag, `a comma-separated list of ${choices.join(', ')}`, raw);
      if (new Set(items).size !== items.length) fail(flag, 'a list without repeats', raw);
      return items as C[];
    },
  };
}

/** A non-empty path. */
export function path(help: string, opts: { default?: string; value?: string } = {}): Flag<string> {
  return {
    help, value: opts.value ?? '<path>', default: opts.default,
    parse: (raw, flag) => {
      if (raw.trim() === '') fail(flag, 'a non-empty path', raw);
      return raw;
    },
  };
}

/** A switch without a value. */
export function bool(help: string): Flag<boolean> {
  return { help, parse: () => true };
}

/** The text of `--help`. */
export function helpText(usage: string, description: string, spec: FlagSpec): string {
  const rows = Object.entries(spec).map(([name, f]) => [`--${kebab(name)}${f.value ? ` ${f.value}` : ''}`, f.default ? `${f.help} [default: ${f.default}]` : f.help]);
  const width = Math.max(...rows.map(([l]) => l!.length));
  return `${description}\n\nUsage: ${usage}\n\nOptions:\n${rows.map(([l, r]) => `  ${l!.padEnd(width)}  ${r}`).join('\n')}\n`;
}

/**
 * Parses `argv` against `spec` (flag names in camelCase, written in kebab-case on the command line).
 * Returns the values that were given; `help` is true for `--help` / `-h`.
 *
 * A flag that takes a value takes the next argument whatever it looks like, so `--epochs -1` reaches the
 * flag's own check (parseArgs alone refuses a value that starts with '-'). A bare `--` is ignored: npm and
 * pnpm users type it to separate a script's arguments (`pnpm mnist -- --help`), and pnpm passes it on.
 * @throws UsageError for an unknown flag, a missing value, a stray argument or a bad value.
 */
export function parseFlags<S extends FlagSpec>(spec: S, argv: readonly string[]): { values: FlagValues<S>; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, f] of Object.entries(spec)) options[kebab(name)] = { type: f.value ? 'string' : 'boolean' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: joinValues(options, argv), options, strict: true, allowPositionals: false });
  } catch (e) {
    throw new UsageError(rewordParseError((e as Error).message));
  }
  const values: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec)) {
    const raw = parsed.values[kebab(name)] as string | boolean | undefined;
    if (raw === undefined) continue;
    values[name] = typeof raw === 'boolean' ? f.parse('', kebab(name)) : f.parse(raw, kebab(name));
  }
  return { values: values as FlagValues<S>, help: parsed.values.help === true };
}

/**
 * `argv` without bare `--`, with each `--flag value` of a flag that takes a value written `--flag=value`.
 * @throws UsageError for such a flag followed by nothing or by another of the program's flags.
 */
function joinValues(options: Record<string, { type: 'string' | 'boolean' }>, argv: readonly string[]): string[] {
  const isFlag = (a: string) => a === '-h' || (a.startsWith('--') && Object.hasOwn(options, a.slice(2).split('=')[0]!));
  const args = argv.filter((a) => a !== '--');
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--') && !a.includes('=') && Object.hasOwn(options, a.slice(2)) && options[a.slice(2)]!.type === 'string') {
      const next = args[i + 1];
      if (next === undefined || isFlag(next)) throw new UsageError(`${a} needs a value`);
      out.push(`${a}=${next}`);
      i += 1;
    } else out.push(a);
  }
  return out;
}

/** parseArgs' messages, shortened to one line that names the flag. */
function rewordParseError(message: string): string {
  const first = message.split('\n')[0]!;
  const unknown = /^Unknown option '([^']+)'/.exec(first);
  if (unknown) return `unknown option ${unknown[1]} (see --help)`;
  const missing = /^Option '(-[^' ]+)[^']*' argument missing/.exec(first);
  if (missing) return `${missing[1]} needs a value`;
  const positional = /^Unexpected argument '([^']+)'/.exec(first);
  if (positional) return `unexpected argument ${JSON.stringify(positional[1])} (flags take the form --name value; see --help)`;
  const noValue = /^Option '(-[^' ]+)[^']*' does not take an argument/.exec(first);
  if (noValue) return `${noValue[1]} does not take a value`;
  return first;
}
