import { describe, expect, it } from 'vitest';
import { UsageError, bool, choice, choiceList, helpText, int, parseFlags, path, positive } from './args.js';

const spec = {
  epochs: int('epochs', { min: 1, default: '3' }),
  seed: int('seed', { min: 0, max: 10 }),
  lr: positive('learning rate'),
  dropout: positive('dropout', { allowZero: true }),
  optimizer: choice('optimizer', ['sgd', 'adam'] as const),
  runs: choiceList('runs', ['a', 'b', 'c'] as const),
  out: path('output'),
  verbose: bool('talk more'),
};

const parse = (...argv: string[]) => parseFlags(spec, argv);
const usage = (...argv: string[]): string => {
  try {
    parse(...argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};

describe('parseFlags', () => {
  it('returns the given flags, parsed, keyed in camelCase; absent flags stay absent', () => {
    const { values, help } = parse('--epochs', '5', '--lr=0.01', '--optimizer', 'adam', '--runs', 'c,a', '--out', 'x/y', '--verbose');
    expect(values).toEqual({ epochs: 5, lr: 0.01, optimizer: 'adam', runs: ['c', 'a'], out: 'x/y', verbose: true });
    expect(help).toBe(false);
    expect(parse('-h').help).toBe(true);
    expect(parse().values).toEqual({});
  });

  it.each([
    [['--epochs', '0'], '--epochs must be a whole number ≥ 1, got 0'],
    [['--epochs', '-1'], '--epochs must be a whole number ≥ 1, got -1'],
    [['--epochs=-1'], '--epochs must be a whole number ≥ 1, got -1'],
    [['--epochs', '2.5'], '--epochs must be a whole number ≥ 1, got 2.5'],
    [['--epochs', ''], '--epochs must be a whole number ≥ 1, got ""'],
    [['--epochs', 'ten'], '--epochs must be a whole number ≥ 1, got "ten"'],
    [['--seed', '11'], '--seed must be a whole number in [0, 10], got 11'],
    [['--seed', '-3'], '--seed must be a whole number in [0, 10], got -3'],
    [['--lr', '0'], '--lr must be a finite number > 0, got 0'],
    [['--lr', '-1'], '--lr must be a finite number > 0, got -1'],
    [['--lr', 'Infinity'], '--lr must be a finite number > 0, got "Infinity"'],
    [['--dropout=-0.1'], '--dropout must be a finite number ≥ 0, got -0.1'],
    [['--optimizer', 'Adam'], '--optimizer must be one of sgd, adam, got "Adam"'],
    [['--runs', 'a,d'], '--runs must be a comma-separated list of a, b, c, got "a,d"'],
    [['--runs', 'a,a'], '--runs must be a list without repeats, got "a,a"'],
    [['--out', ' '], '--out must be a non-empty path, got " "'],
    [['--epoch', '3'], 'unknown option --epoch (see --help)'],
    [['--epochs'], '--epochs needs a value'],
    [['--lr', '--epochs', '3'], '--lr needs a value'],
    [['--out', '-h'], '--out needs a value'],
    [['--verbose=yes'], '--verbose does not take a value'],
    [['3'], 'unexpected argument "3" (flags take the form --name value; see --help)'],
    [['--', '3'], 'unexpected argument "3" (flags take the form --name value; see --help)'],
  ])('%j → %s', (argv, message) => {
    expect(usage(...argv)).toBe(message);
  });

  it('a value may start with a dash: it reaches the flag\'s own check, or is taken as is', () => {
    expect(parse('--out', '-weird-name').values.out).toBe('-weird-name');
    expect(parse('--out=-x').values.out).toBe('-x');
  });

  it('ignores a bare -- (pnpm passes it on from `pnpm mnist -- --help`), wherever it stands', () => {
    expect(parse('--', '--help').help).toBe(true);
    expect(parse('--', '-h').help).toBe(true);
    expect(parse('--', '--epochs', '5').values).toEqual({ epochs: 5 });
    expect(parse('--epochs', '5', '--', '--lr', '0.5').values).toEqual({ epochs: 5, lr: 0.5 });
    expect(parse('--').values).toEqual({});
  });

  it('allows a zero dropout but not a zero learning rate', () => {
    expect(parse('--dropout', '0').values.dropout).toBe(0);
  });
});

describe('helpText', () => {
  it('lists each flag in kebab-case with its placeholder, help and default', () => {
    const text = helpText('prog [options]', 'Does things.', { batchSize: int('samples per batch', { min: 1, default: '64' }), verbose: bool('talk more') });
    expect(text).toContain('Usage: prog [options]');
    expect(text).toMatch(/ {2}--batch-size <n> {2}samples per batch \[default: 64\]/);
    expect(text).toMatch(/ {2}--verbose +talk more/);
  });
});
