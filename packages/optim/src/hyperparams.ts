// Hyperparameter checks: one rule per option (or one inferred from its default), a hint for the names a
// PyTorch or numpy-ml user may type, and messages that name the option and the value.
import { describe } from './params.js';

export type HyperValue = number | boolean | string | null;

/** A hyperparameter check: `ok(value)`, and what the value must be when it is not. */
export interface Rule {
  readonly must: string;
  readonly ok: (v: unknown) => boolean;
}

const num = (v: unknown): v is number => typeof v === 'number';
/** The checks the built-in optimizers use; a custom optimizer can use them in its `static rules`. */
export const rules = {
  nonNegative: { must: 'a finite number ≥ 0', ok: (v) => num(v) && Number.isFinite(v) && v >= 0 },
  /** [0, 1): decay rates of moving averages. */
  decayRate: { must: 'in [0, 1)', ok: (v) => num(v) && v >= 0 && v < 1 },
  unitInterval: { must: 'in [0, 1]', ok: (v) => num(v) && v >= 0 && v <= 1 },
  positiveOrNull: { must: 'a number > 0 or null', ok: (v) => v === null || (num(v) && v > 0) },
  boolean: { must: 'true or false', ok: (v) => typeof v === 'boolean' },
  dialect: { must: "'notebook' or 'torch'", ok: (v) => v === 'notebook' || v === 'torch' },
} satisfies Record<string, Rule>;

export const BASE_RULES: Record<string, Rule> = { lr: rules.nonNegative, clipNorm: rules.positiveOrNull, dialect: rules.dialect };

/** Names a PyTorch or numpy-ml user may type, and what Tensile calls them. */
const HINTS: Record<string, string> = {
  betas: 'decay1 and decay2', beta1: 'decay1', beta2: 'decay2', alpha: 'decay', weight_decay: 'weightDecay',
  clip_norm: 'clipNorm', lr_decay: 'lrDecay', initial_accumulator_value: 'initialAccumulatorValue',
  learningRate: 'lr', learning_rate: 'lr',
};

export type Resolution<T> = { options: T } | { problem: string; Err: ErrorConstructor };

/**
 * `base` with `input`'s values, each checked against its rule (`classRules`, then the base rules, then
 * one inferred from the default); unknown names are reported with a hint. `check` is the cross-option check.
 */
export function resolveOptions<T extends object>(
  input: Record<string, unknown>,
  base: T,
  classRules: Readonly<Record<string, Rule>>,
  check: (options: T) => string | null,
): Resolution<T> {
  const defaults = base as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (!(key in defaults)) {
      const hint = HINTS[key] ?? (key.includes('_') ? key.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()) : undefined);
      const known = Object.keys(defaults).filter((k) => k !== 'dialect').join(', ');
      return { problem: `unknown option "${key}"${hint ? ` (Tensile calls it ${hint})` : ''}; the options are ${known}`, Err: TypeError };
    }
    const rule = classRules[key] ?? BASE_RULES[key] ?? inferRule(defaults[key]);
    if (!rule.ok(value)) {
      const def = defaults[key];
      const rightType = typeof value === (def === null ? 'number' : typeof def);
      return { problem: `${key} must be ${rule.must}, got ${describe(value)}`, Err: rightType ? RangeError : TypeError };
    }
    out[key] = value;
  }
  const options = out as T;
  const problem = check(options);
  return problem === null ? { options } : { problem, Err: RangeError };
}

function inferRule(defaultValue: unknown): Rule {
  if (typeof defaultValue === 'boolean') return rules.boolean;
  if (typeof defaultValue === 'number') return rules.nonNegative;
  return { must: `like its default (${describe(defaultValue)})`, ok: (v) => typeof v === typeof defaultValue };
}
