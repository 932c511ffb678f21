import { AutogradError } from '../errors.js';
import { checkOptions, checkTensor } from '../check.js';
import { fmtShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add } from '../ops/elementwise.js';
import { onesLike, zerosLike } from '../ops/creation.js';
import { checkFinite, isBuiltinBackward } from './op.js';
import { releaseStorage, trackAllocations } from '../dtype.js';
import type { Storage } from '../storage.js';
import { isAnomalyEnabled, setDetectAnomaly, setGradEnabled } from './grad-mode.js';
import { checkBackward } from './guard.js';
import { runTensorHooks, type BackwardGroup } from './hooks.js';
import { guardOn, recorder, setCurrentPass } from './instrument.js';

export interface BackwardOptions {
  /** Keep saved tensors so backward can run through the graph again. Default: `createGraph`. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order gradients. Default false. */
  createGraph?: boolean;
}

export interface GradOptions extends BackwardOptions {
  /** Gradients of the outputs (required for non-scalar outputs). */
  gradOutputs?: readonly (Tensor | null | undefined)[];
  /** Return null for an input the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/** Tensors reachable from `roots` through graph nodes, outputs before their inputs (explicit stack, no recursion). */
function topoOrder(roots: readonly Tensor[]): Tensor[] {
  const post: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [];
  for (const r of roots) {
    if (r.gradFn === null || visited.has(r)) continue;
    visited.add(r);
    stack.push([r, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const inputs = top[0].gradFn!.inputs;
      if (top[1] < inputs.length) {
        const child = inputs[top[1]++]!;
        if (child.gradFn !== null && !visited.has(child)) {
          visited.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        post.push(top[0]);
      }
    }
  }
  return post.reverse();
}

function checkGradArg(caller: string, name: string, g: unknown): void {
  if (g !== null && g !== undefined) checkTensor(caller, name, g);
}

function seedGrad(caller: string, root: Tensor, g: Tensor | null | undefined): Tensor {
  if (!root.requiresGrad) {
    throw new AutogradError(`${caller}: the output of shape ${fmtShape(root.shape)} does not require grad and has no grad_fn; did you forget requiresGrad: true on an input, or run under noGrad?`);
  }
  if (g === null || g === undefined) {
    if (root.numel !== 1) {
      throw new AutogradError(
        `${caller}: a gradient can be created implicitly only for scalar outputs, but the output has shape ${fmtShape(root.shape)}; pass a gradient of that shape`,
      );
    }
    return onesLike(root);
  }
  if (!shapesEqual(g.shape, root.shape)) {
    throw new AutogradError(`${caller}: the gradient has shape ${fmtShape(g.shape)} but the output has shape ${fmtShape(root.shape)}`);
  }
  return g.dtype === root.dtype ? g : g.to(root.dtype);
}

/**
 * Runs reverse-mode differentiation from `roots`. Returns the gradient of every tensor it reached that is
 * in `keep`; leaves that require grad get their `.grad` accumulated when `accumulate` is set.
 */
function run(
  caller: string,
  roots: readonly Tensor[],
  rootGrads: readonly Tensor[],
  opts: { retainGraph: boolean; createGraph: boolean; accumulate: boolean; keep: ReadonlySet<Tensor> },
): Map<Tensor, Tensor> {
  const order = topoOrder(roots);
  // Where each backward group (module backward hooks) has its last member: its gradients are complete there.
  let groupLast: Map<BackwardGroup, number> | null = null;
  let groupGrads: Map<BackwardGroup, (Tensor | null)[]> | null = null;
  for (let k = 0; k < order.length; k++) {
    const group = order[k]!.gradFn!.group;
    if (group !== undefined) (groupLast ??= new Map()).set(group, k);
  }
  const grads = new Map<Tensor, Tensor>();
  const kept = new Map<Tensor, Tensor>();
  const push = (t: Tensor, g: Tensor): void => {
    const prev = grads.get(t);
    grads.set(t, prev === undefined ? g : add(prev, g));
  };
  roots.forEach((r, i) => push(r, rootGrads[i]!));
  const prevMode = setGradEnabled(opts.createGraph);
  const prevPass = setCurrentPass('backward');
  const rec = recorder;
  // Every array allocated during this pass (none is tracked while it builds a graph). A leaf may adopt
  // such a gradient instead of copying it, and the backend storage among them that nothing kept is freed at
  // the end (below). A pass that runs a hook or an op defined outside Tensile frees nothing early: those
  // may hold gradients the engine cannot see.
  const allocated: Storage[] | null = opts.createGraph ? null : [];
  const prevTracking = trackAllocations(allocated);
  let freeing = allocated !== null;
  const accumulated: Tensor[] = [];
  try {
    for (let k = 0; k < order.length; k++) {
      const t = order[k]!;
      const node = t.gradFn!;
      let g = grads.get(t);
      if (node.group !== undefined) {
        grads.delete(t);
        const pending = (groupGrads ??= new Map()).get(node.group) ?? node.group.inputs.map(() => null);
        groupGrads.set(node.group, pending);
        pending[node.index!] = g ?? null;
        if (groupLast!.get(node.group) === k) fireGroup(node.group, pending, push);
        freeing = false;
        continue;
      }
      if (g === undefined) continue;
      if (t.hooks !== null) {
        g = runTensorHooks(t.hooks, g, t);
        freeing = false;
      }
      if (!isBuiltinBackward(node.backward)) freeing = false;
      if (opts.keep.has(t)) kept.set(t, g);
      if (t.retainsGrad && opts.accumulate) {
        t.accumulateGrad(g, opts.createGraph);
        accumulated.push(t);
      }
      grads.delete(t);
      const ctx = node.ctx;
      if (ctx.freed) {
        throw new AutogradError(
          `${caller}: the graph was already freed (at ${node.op}); pass { retainGraph: true } to the first backward()`,
        );
      }
      ctx.checkSavedVersions(caller);
      // NOTE: under detectAnomaly the ops inside a backward formula are not checked one by one, so a NaN
      // is reported below under this node's op (sqrt), not under the helper op that made it (div).
      const anomaly = setDetectAnomaly(false);
      const token = rec === null ? -1 : rec.begin(`${node.op}Backward`, 'backward', node.scope);
      let inputGrads: readonly (Tensor | null)[];
      try {
        inputGrads = node.backward(ctx, g);
      } finally {
        setDetectAnomaly(anomaly);
        if (rec !== null) rec.end(token);
      }
      node.inputs.forEach((inp, i) => {
        if (!ctx.needsInputGrad[i]) return;
        let gi = inputGrads[i];
        if (gi === null || gi === undefined) return;
        if (!shapesEqual(gi.shape, inp.shape)) {
          throw new AutogradError(
            `${caller}: the backward of ${node.op} returned a gradient of shape ${fmtShape(gi.shape)} for input ${i}, which has shape ${fmtShape(inp.shape)}`,
          );
        }
        if (gi.dtype !== inp.dtype) gi = gi.to(inp.dtype);
        if (isAnomalyEnabled()) checkFinite(node.op, 'backward', gi, node.inputs.map((x) => x.shape), node.createdAt);
        if (guardOn) checkBackward(node, i, gi, g);
        push(inp, gi);
      });
      if (!opts.retainGraph && ctx.saved.length > 0) ctx.release();
    }
    for (const [t, g] of grads) {
      if (t.hooks === null) continue;
      grads.set(t, runTensorHooks(t.hooks, g, t));
      freeing = false;
    }
  } finally {
    setGradEnabled(prevMode);
    setCurrentPass(prevPass);
    trackAllocations(prevTracking);
  }
  // What is left in `grads` belongs to leaves (tensors without a node). A gradient whose buffer was
  // allocated during this pass, is dense, and is not shared with another leaf's gradient (add's backward
  // hands the same tensor to both inputs) is referenced by nothing else: the leaf takes it as its .grad
  // without a copy, as PyTorch's AccumulateGrad steals a gradient nobody else holds.
  const born = opts.accumulate && allocated !== null ? new Set<object>(allocated) : null;
  const holders = new Map<object, number>();
  if (born !== null) for (const g of grads.values()) holders.set(g.storage, (holders.get(g.storage) ?? 0) + 1);
  for (const [t, g] of grads) {
    if (opts.keep.has(t)) kept.set(t, g);
    if (opts.accumulate && t.requiresGrad) {
      const own = born !== null && born.has(g.storage) && holders.get(g.storage) === 1
        && g.offset === 0 && g.storage.length === g.numel && g.isContiguous;
      t.accumulateGrad(g, opts.createGraph, own, freeing);
      accumulated.push(t);
    }
  }
  if (freeing && allocated!.length > 0) freeUnkept(allocated!, kept, accumulated);
  return kept;
}

/**
 * Frees the backend storage a backward pass made that nothing kept: every gradient it handed on and
 * consumed, every temporary of a backward formula. Kept: the gradients `grad()` returns and the `.grad` of
 * every tensor the pass accumulated into. The pass ran only Tensile's own backward formulas and no hooks,
 * so nothing else can reference them.
 */
function freeUnkept(resident: readonly Storage[], kept: ReadonlyMap<Tensor, Tensor>, accumulated: readonly Tensor[]): void {
  const keep = new Set<Storage>();
  for (const g of kept.values()) keep.add(g.storage);
  for (const t of accumulated) {
    const g = t.gradForUpdate();
    if (g !== null) keep.add(g.storage);
  }
  for (const a of resident) if (!keep.has(a)) releaseStorage(a);
}

/**
 * A backward group's gradients are complete: hand them to its callback (members without one get zeros,
 * as PyTorch materializes them) and pass what it returns on to the group's inputs.
 */
function fireGroup(group: BackwardGroup, pending: (Tensor | null)[], push: (t: Tensor, g: Tensor) => void): void {
  if (pending.every((g) => g === null)) return;
  const full = pending.map((g, j) => g ?? zerosLike(group.inputs[j]!));
  const out = group.onGrads(full);
  const result = out === undefined ? full : out;
  if (result.length !== full.length) {
    throw new AutogradError(`${group.op}: the hook returned ${result.length} gradients, but expected ${full.length}`);
  }
  result.forEach((g, j) => {
    if (g === null || g === undefined) return;
    const inp = group.inputs[j]!;
    if (!shapesEqual(g.shape, inp.shape)) {
      throw new AutogradError(`${group.op}: the hook returned a gradient of shape ${fmtShape(g.shape)} for input ${j}, which has shape ${fmtShape(inp.shape)}`);
    }
    push(inp, g.dtype === inp.dtype ? g : g.to(inp.dtype));
  });
}

/**
 * Accumulates d(root)/d(leaf) into every leaf's `.grad` (PyTorch's `tensor.backward()`).
 * `gradient` is required when `root` is not a scalar.
 */
export function backward(root: Tensor, gradient?: Tensor | null, opts: BackwardOptions = {}): void {
  checkOptions('backward', opts, ['retainGraph', 'createGraph'], { retain_graph: 'retainGraph', create_graph: 'createGraph' });
  checkGradArg('backward', 'gradient', gradient);
  const createGraph = opts.createGraph ?? false;
  const retainGraph = opts.retainGraph ?? createGraph;
  const g = seedGrad('backward', root, gradient);
  run('backward', [root], [g], { retainGraph, createGraph, accumulate: true, keep: new Set() });
}

/**
 * The gradients of `outputs` with respect to `inputs`, returned instead of accumulated into `.grad`
 * (PyTorch's `torch.autograd.grad`).
 * @example
 * const [dx] = grad([y], [x], { createGraph: true }); // dx can itself be differentiated
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  checkOptions('grad', opts, ['retainGraph', 'createGraph', 'gradOutputs', 'allowUnused'], {
    retain_graph: 'retainGraph', create_graph: 'createGraph', grad_outputs: 'gradOutputs', allow_unused: 'allowUnused',
  });
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
  outs.forEach((t, i) => checkTensor('grad', `outputs[${i}]`, t));
  ins.forEach((t, i) => checkTensor('grad', `inputs[${i}]`, t));
  opts.gradOutputs?.forEach((g, i) => checkGradArg('grad', `gradOutputs[${i}]`, g));
  const createGraph = opts.createGraph ?? false;
  const retainGraph = opts.retainGraph ?? createGraph;
  if (opts.gradOutputs !== undefined && opts.gradOutputs.length !== outs.length) {
    throw new AutogradError(`grad: got ${opts.gradOutputs.length} gradOutputs for ${outs.length} outputs`);
  }
  ins.forEach((t, i) => {
    if (!t.requiresGrad) throw new AutogradError(`grad: input ${i} (shape ${fmtShape(t.shape)}) does not require grad`);
  });
  const seeds = outs.map((o, i) => seedGrad('grad', o, opts.gradOutputs?.[i]));
  const kept = run('grad', outs, seeds, { retainGraph, createGraph, accumulate: false, keep: new Set(ins) });
  return ins.map((t, i) => {
    const g = kept.get(t);
    if (g !== undefined) return g;
    if (opts.allowUnused) return null;
    throw new AutogradError(
      `grad: input ${i} (shape ${fmtShape(t.shape)}) was not used to compute the outputs; pass { allowUnused: true } to get null for it`,
    );
  });
}
