// The NaN guard: the first NaN or ±Inf in an op's output, a gradient or a parameter after its optimizer
// update raises a NonFiniteError that names the op, the pass, the module path and class, and the
// parameter. It checks each buffer with the backend's `allFinite` (one pass, no per-element branch), so it
// is cheap enough to leave on during training.
import { getBackend } from '../backend/registry.js';
import { NonFiniteError, type GuardPass } from '../errors.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { scoped } from './grad-mode.js';
import { currentScope, guardOn, setGuardFlag, type ModuleScope } from './instrument.js';
import type { Node } from './op.js';

/** Whether the NaN guard is on. */
export function isNanGuardEnabled(): boolean {
  return guardOn;
}

/** Turns the NaN guard on or off globally; returns the previous value. */
export function setNanGuard(on: boolean): boolean {
  if (typeof on !== 'boolean') throw new TypeError(`setNanGuard: expected a boolean, got ${typeof on}`);
  return setGuardFlag(on);
}

/**
 * Runs `fn` with the NaN guard on: the first NaN or ±Inf in an op's forward output, in a gradient the
 * backward pass computes, or in a parameter after an optimizer's update throws a `NonFiniteError` naming
 * the op, the pass, the module (`"encoder.layers.1.fc2"` and its class) and the parameter where one applies.
 * Unlike `detectAnomaly` it keeps no stack traces and checks whole buffers with one backend kernel, so it
 * can stay on while training (`fit` turns it on by default). Synchronous functions only, as `noGrad`; use
 * `setNanGuard(true)` around async code.
 * @example nanGuard(() => { const loss = lossFn(model.forward(x), y); loss.backward(); opt.step(); });
 */
export function nanGuard<T>(fn: () => T): T {
  return scoped('nanGuard', 'the NaN guard', setGuardFlag, true, fn);
}

/** Whether `t` holds only finite values (true for integer and bool tensors). */
export function isAllFinite(t: Tensor): boolean {
  return getBackend().allFinite(t);
}

/**
 * @internal An op's kernel found every value of `t`'s storage finite as it wrote it (the wasm `bmm` while the
 * guard is on: the product is still in linear memory, so the check costs no copy in). The note sits on the
 * storage's version counter, shared by all its views, and holds until an in-place write moves the counter.
 */
export function noteFiniteOutput(t: Tensor): void {
  const counter = t.versionCounter;
  counter.finiteAt = counter.value;
}

/**
 * Whether `t` is all finite: from its kernel's own check when one was noted and still holds (it holds for
 * any view of the storage), else one pass. A storage noted non-finite is never noted, so a view of it that
 * may miss the bad value is scanned.
 */
function finiteNow(t: Tensor): boolean {
  const counter = t.versionCounterIfAny;
  if (counter !== null && counter.finiteAt === counter.value) return true;
  return getBackend().allFinite(t);
}

/** The first element of `t` for which `bad` holds, as `[index, value]`, or `[-1, 0]`. */
function firstWhere(t: Tensor, bad: (v: number) => boolean): [number, number] {
  const a = t.toTypedArray();
  for (let i = 0; i < a.length; i++) if (bad(a[i]!)) return [i, a[i]!];
  return [-1, 0];
}
const notFinite = (v: number): boolean => !Number.isFinite(v);
const holdsNaN = (t: Tensor): boolean => firstWhere(t, Number.isNaN)[0] >= 0;

/** `in module "fc2" (Linear)`, `in the model (MLP)` for the outermost one, or `outside any module`. */
export function describeScope(scope: ModuleScope | null): string {
  if (scope === null) return 'outside any module';
  const path = scope.path();
  return path === '' ? `in the model (${scope.className})` : `in module "${path}" (${scope.className})`;
}

function fail(op: string, pass: GuardPass, scope: ModuleScope | null, paramName: string | null, t: Tensor, what: string, hint: string): never {
  const [i, v] = firstWhere(t, notFinite);
  const module = scope === null ? null : scope.path();
  throw new NonFiniteError(
    `nanGuard: ${v} in the ${pass} of ${op} ${describeScope(scope)}: ${what} of shape ${fmtShape(t.shape)} ` +
      `has ${v} at element ${i}${hint === '' ? '' : `. ${hint}`}`,
    op, pass, module, scope?.className ?? null, paramName,
  );
}

// Ops whose output is finite whenever their inputs are: the inputs were checked when an op made them, so
// these outputs need no pass of their own (a leaf's NaN is reported by the next op that computes with it).
const FINITE_IF_INPUTS_ARE: ReadonlySet<string> = new Set(['relu', 'neg', 'abs', 'sign', 'sigmoid', 'tanh', 'clamp', 'maximum', 'minimum', 'where']);

/** @internal After an op's forward, while the guard is on. */
export function checkForward(op: string, out: Tensor, inputs: readonly Tensor[]): void {
  if (FINITE_IF_INPUTS_ARE.has(op)) return;
  // A view of an input (reshape, t, expand) holds no value the input did not: the input was checked when
  // an op made it. A leaf's NaN is then reported by the first op that computes with it, naming the parameter.
  for (const t of inputs) if (t.storage === out.storage) return;
  if (finiteNow(out)) return;
  const finite = inputs.map((t) => getBackend().allFinite(t));
  const bad = finite.indexOf(false);
  // Infinities in a constant (a tensor that wants no gradient) are deliberate: attention masks hold
  // -Infinity (a float mask, or maskedFill's value), and softmax turns them into zeros. What is reported is
  // an op that makes a non-finite value from finite inputs, any NaN, and a non-finite tensor that wants a
  // gradient (a parameter, or a value computed from one).
  if (bad >= 0 && inputs.every((t, j) => finite[j] || !t.requiresGrad && !holdsNaN(t)) && !holdsNaN(out)) return;
  const param = bad >= 0 ? paramNameOf(inputs[bad]!, currentScope) : null;
  const hint = bad < 0
    ? `Its inputs (shapes ${inputs.map((t) => fmtShape(t.shape)).join(', ')}) were finite`
    : `Its input ${bad} (shape ${fmtShape(inputs[bad]!.shape)}${param === null ? '' : `, parameter "${param}"`}) already held a non-finite value`;
  fail(op, 'forward', currentScope, param, out, 'its output', hint);
}

/**
 * The parameter `t` is, or is a view of (through up to four one-input ops such as `t()` or `expand`), among
 * the members of `scope` or its callers; its qualified name, or null.
 */
function paramNameOf(t: Tensor, scope: ModuleScope | null): string | null {
  let x: Tensor | undefined = t;
  for (let hop = 0; x !== undefined && hop < 5; hop++) {
    for (let s = scope; s !== null; s = s.parent) {
      const name = s.memberName(x);
      if (name !== null) return name;
    }
    const node: Node | null = x.gradFn;
    x = node !== null && node.inputs.length === 1 ? node.inputs[0] : undefined;
  }
  return null;
}

/**
 * @internal After a node's backward computed `g`, the gradient of its input `i`, from `gradOut`, the
 * gradient it received (checked already), while the guard is on.
 */
export function checkBackward(node: Node, i: number, g: Tensor, gradOut: Tensor): void {
  // A view of the incoming gradient (add passes it on, t() transposes it) holds nothing new.
  if (g.storage === gradOut.storage) return;
  if (finiteNow(g)) return;
  const param = paramNameOf(node.inputs[i]!, node.scope);
  const what = param === null ? `the gradient of its input ${i}` : `the gradient of its input ${i} (parameter "${param}")`;
  fail(node.op, 'backward', node.scope, param, g, what, 'The gradient it received was finite');
}

// What the fused update's kernel found for a parameter it just wrote (while the guard was on), at the
// version its write left: valid only while nothing has written the parameter since.
const checkedUpdates = new WeakMap<Tensor, { version: number; finite: boolean }>();

/** @internal `elementwise_` records that the backend checked `param`'s new values. */
export function noteCheckedUpdate(param: Tensor, finite: boolean): void {
  checkedUpdates.set(param, { version: param.version, finite });
}

/**
 * Checks a parameter after an optimizer updated it (optimizers call this while the guard is on). A fused
 * update that just checked it in its kernel answers without a second pass. `scope` describes the module
 * that owns the parameter, when the optimizer knows it.
 */
export function checkParamUpdate(optimizer: string, paramName: string, param: Tensor, scope: ModuleScope | null): void {
  const noted = checkedUpdates.get(param);
  if (noted !== undefined) checkedUpdates.delete(param);
  if (noted !== undefined && noted.version === param.version ? noted.finite : getBackend().allFinite(param)) return;
  fail(optimizer, 'optimizer step', scope, paramName, param, `parameter "${paramName}" after its update`,
    'Its gradient was finite; look at the hyperparameters (eps = 0 with a zero gradient gives 0/0)');
}
