// exportOnnx: one traced forward pass in eval mode, written as an ONNX graph.
//
// Every module's forward is wrapped for the pass, so each call is known with its inputs and output. A
// module with an exporter (modules.ts) becomes its ONNX operators; anything else (a custom model, a
// Sequential) is followed through the autograd graph its forward recorded, op by op (ops.ts). The walk
// starts at the output and stops at the graph inputs and at tensors no op produced (parameters and
// constants, written as initializers). An op or module with no mapping stops the export with an error that
// names the op and the module path: the file is never a silently different model.
import { Module, type AnyModule } from '@tensile/nn';
import { Generator, Tensor, cat, checkOptions, enableGrad, fmtShape, isFloat, randn } from '@tensile/tensor';
import { GraphBuilder, elemType, onnx, valuesOf } from './graph.js';
import { exporterFor, type ModuleExporter, type ModuleExportContext } from './modules.js';
import { OnnxExportError } from './errors.js';
import { exportOp, opInputs } from './ops.js';

/** The ONNX opset the files declare (ONNX 1.12, IR version 8). */
export const ONNX_OPSET = 17;
const IR_VERSION = 8;

export interface ExportOnnxOptions {
  /** Names of the graph inputs, one per example tensor (nested arrays flattened). Default `['input']` (`input0`, `input1`, … for several). */
  inputNames?: readonly string[];
  /** Name of the graph output when the model returns one tensor. Default `'output'`. */
  outputName?: string;
  /**
   * Names of the graph outputs, one per tensor the model returns (a returned array, nested or not, is
   * flattened: an LSTM's `[output, [h_n, c_n]]` is three). Default `['output']`, or `output0`, `output1`, … for several.
   */
  outputNames?: readonly string[];
  /**
   * Make the first dimension of the inputs and output a symbolic `batch` dimension, so the file runs any
   * batch size. Default true. Not together with `dynamicAxes`.
   */
  dynamicBatch?: boolean;
  /**
   * The symbolic dimensions of each input, by input name and axis: `{ input: { 0: 'batch', 1: 'sequence' } }`.
   * When given, it lists every dynamic axis (an input it leaves out is fixed). The export is traced a second
   * time with each named dimension's size changed, and must write the same graph, so a size frozen into the
   * file (a reshape, a constant mask) is an error rather than a file that fails at another size; the
   * outputs' dimensions that followed are symbolic too.
   */
  dynamicAxes?: Readonly<Record<string, Readonly<Record<number, string>>>>;
  /** The graph's name. Default the model's class name. */
  graphName?: string;
}

/** One example tensor, or the forward's arguments as an array, where an array argument (LSTM's `[h0, c0]`) nests. */
export type ExampleInput = Tensor | readonly ExampleInput[];

interface Call {
  path: string;
  module: AnyModule;
  exporter: ModuleExporter | null;
  /** The tensors among the arguments (arrays and option objects searched), in order. */
  inputs: Tensor[];
  /** The arguments as passed. */
  args: unknown[];
  /** The tensors it returned (a returned array flattened, nulls left out), in order. */
  outputs: Tensor[];
}

const className = (m: object): string => (Object.getPrototypeOf(m) as { constructor: { name: string } }).constructor.name;
const where = (path: string, m: AnyModule): string => (path === '' ? `the model (${className(m)})` : `module "${path}" (${className(m)})`);

/** The tensors in `v`: itself, or those in an array or a plain options object, depth first. */
function tensorsIn(v: unknown, out: Tensor[] = [], depth = 0): Tensor[] {
  if (v instanceof Tensor) out.push(v);
  else if (depth < 4 && Array.isArray(v)) for (const x of v) tensorsIn(x, out, depth + 1);
  else if (depth < 4 && v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) tensorsIn(x, out, depth + 1);
  return out;
}

/** The example's tensors in order; anything but tensors and arrays of them is a TypeError. */
function flattenExample(v: unknown, out: Tensor[] = []): Tensor[] {
  if (v instanceof Tensor) out.push(v);
  else if (Array.isArray(v)) for (const x of v) flattenExample(x, out);
  else throw new TypeError(`exportOnnx: exampleInput must be a Tensor or an array of Tensors (arrays may nest), found ${v === null ? 'null' : typeof v}`);
  return out;
}

/** `args` with its tensors replaced, in order, by `leaves`. */
function rebuild(args: readonly unknown[], leaves: readonly Tensor[]): unknown[] {
  let i = 0;
  const go = (v: unknown): unknown => (v instanceof Tensor ? leaves[i++]! : (v as unknown[]).map(go));
  return args.map(go);
}

/** The tensors a forward returned, in order: one, or those of a (nested) array; null or anything else is an error. */
function flattenOutput(v: unknown, out: Tensor[] = [], at = 'the model\'s forward returned'): Tensor[] {
  if (v instanceof Tensor) out.push(v);
  else if (Array.isArray(v)) v.forEach((x, i) => flattenOutput(x, out, `${at} [${i}]`));
  else throw new OnnxExportError(`exportOnnx: ${at} ${v === null ? 'null' : typeof v}, not a Tensor; export a module whose forward returns tensors (or arrays of them)`);
  return out;
}

/**
 * The bytes of an ONNX model (opset 17) computing `model.forward` in eval mode, traced once on
 * `exampleInput`. Inputs and outputs are named (`input`, `output` by default) and their first dimension is a
 * symbolic batch dimension unless `dynamicBatch: false` (or `dynamicAxes` says otherwise). Parameters and
 * buffers are initializers named by their state-dict keys (`fc1.weight`). Layers of @tensile/nn are written
 * as ONNX operators (Gemm, Conv, MaxPool, BatchNormalization, LayerNormalization, Gather, LSTM, GRU, RNN,
 * Relu, Softmax, …; Dropout is the identity); the code of a custom `forward` is written op by op. The
 * model's train/eval flags are restored afterwards. Browser-safe: bytes out, to save, download or hand to
 * ONNX Runtime.
 * @example
 * const bytes = exportOnnx(model, randn([1, 784]));   // then: fs.writeFileSync('mlp.onnx', bytes)
 * exportOnnx(lstm, [x, [h0, c0]], { inputNames: ['x', 'h0', 'c0'], outputNames: ['y', 'h_n', 'c_n'],
 *   dynamicAxes: { x: { 0: 'sequence', 1: 'batch' }, h0: { 1: 'batch' }, c0: { 1: 'batch' } } });
 */
export function exportOnnx(model: AnyModule, exampleInput: ExampleInput, options: ExportOnnxOptions = {}): Uint8Array {
  checkOptions('exportOnnx', options, ['inputNames', 'outputName', 'outputNames', 'dynamicBatch', 'dynamicAxes', 'graphName']);
  if (!(model instanceof Module)) throw new TypeError('exportOnnx: model must be a Module from @tensile/nn');
  const args: unknown[] = exampleInput instanceof Tensor ? [exampleInput] : Array.isArray(exampleInput) ? [...(exampleInput as unknown[])] : [exampleInput];
  const examples = flattenExample(args);
  if (examples.length === 0) throw new TypeError('exportOnnx: exampleInput must be a Tensor or an array of Tensors');
  const inputNames = options.inputNames ?? (examples.length === 1 ? ['input'] : examples.map((_, i) => `input${i}`));
  const dynamicAxes = options.dynamicAxes;
  const dynamicBatch = dynamicAxes === undefined && (options.dynamicBatch ?? true);
  if (!Array.isArray(inputNames) || inputNames.length !== examples.length || !inputNames.every((n) => typeof n === 'string' && n !== '')) {
    throw new TypeError(`exportOnnx: inputNames must be ${examples.length} non-empty string(s), got ${JSON.stringify(inputNames)}`);
  }
  if (options.outputName !== undefined && (typeof options.outputName !== 'string' || options.outputName === '')) throw new TypeError('exportOnnx: outputName must be a non-empty string');
  if (options.outputName !== undefined && options.outputNames !== undefined) throw new TypeError('exportOnnx: pass outputName or outputNames, not both');
  if (options.dynamicBatch !== undefined && typeof options.dynamicBatch !== 'boolean') throw new TypeError('exportOnnx: dynamicBatch must be true or false');
  if (options.dynamicBatch !== undefined && dynamicAxes !== undefined) throw new TypeError('exportOnnx: pass dynamicBatch or dynamicAxes, not both (dynamicAxes lists every dynamic dimension, the batch included)');
  for (const [i, t] of examples.entries()) {
    if (!isFloat(t.dtype) && t.dtype !== 'int32' && t.dtype !== 'bool') throw new TypeError(`exportOnnx: example input ${i} is ${t.dtype}; ONNX inputs here are float32, float64, int32 or bool`);
    if (dynamicBatch && t.ndim === 0) throw new TypeError(`exportOnnx: example input ${i} is 0-d, so it has no batch dimension; pass dynamicBatch: false`);
  }
  const axes = dynamicAxes === undefined ? null : checkDynamicAxes(dynamicAxes, inputNames, examples);

  // Reshapes keep dimension 0 as it comes (0) or let it absorb what was merged into it (−1) when the batch is
  // dynamic; with dynamicAxes that is always right for the traced shape, and the probe below checks the rest.
  const reshapeBatch = dynamicBatch || axes !== null;
  // The requested output names are kept free inside the graph (an initializer takes another name).
  const requested = options.outputNames ?? [options.outputName ?? 'output'];
  const reserved = [...inputNames, ...(Array.isArray(requested) ? requested.filter((n): n is string => typeof n === 'string') : [])];
  const built = build(model, args, examples, reserved, inputNames, reshapeBatch, axes !== null);
  const { graph, outputs } = built;
  const outputNames = options.outputNames ?? (options.outputName !== undefined || outputs.length === 1 ? [options.outputName ?? 'output'] : outputs.map((_, i) => `output${i}`));
  if (!Array.isArray(outputNames) || outputNames.length !== outputs.length || !outputNames.every((n) => typeof n === 'string' && n !== '')) {
    throw new TypeError(`exportOnnx: the model returns ${outputs.length} tensor(s), so outputNames must be ${outputs.length} non-empty string(s), got ${JSON.stringify(outputNames)}`);
  }
  if (new Set([...inputNames, ...outputNames]).size !== inputNames.length + outputNames.length) throw new TypeError('exportOnnx: the input and output names must all differ');
  // The graph outputs get their names through an Identity each (a default name beyond `output` is taken now).
  const clash = outputNames.find((n) => !reserved.includes(n) && !graph.reserve(n));
  if (clash !== undefined) throw new TypeError(`exportOnnx: the output name "${clash}" is a name inside the graph already (an initializer's); choose another`);
  const outs = built.last.map((v, i) => graph.node('Identity', [v], {}, 'output', outputNames[i]!));

  // Symbolic dimensions: the batch (dimension 0) by default, or those `dynamicAxes` names, checked by a
  // second export at other sizes, which must write the same graph.
  let inputDims: (string | null)[][];
  let outputDims: (string | null)[][];
  if (axes === null) {
    inputDims = examples.map((t) => t.shape.map((_, i) => (dynamicBatch && i === 0 ? 'batch' : null)));
    // An output's first dimension is the batch's when it has its size; otherwise (the batch was merged
    // into it) it is symbolic too, since it changes with the batch.
    outputDims = outputs.map((t, k) => t.shape.map((d, i) => (!dynamicBatch || i > 0 ? null : d === examples[0]!.shape[0] ? 'batch' : `${outputNames[k]}_dim0`)));
  } else {
    inputDims = axes.dims;
    const probe = build(model, rebuild(args, axes.probe), axes.probe, reserved, inputNames, reshapeBatch, true);
    const [x, y] = [built.encoded!, probe.encoded!];
    if (probe.outputs.length !== outputs.length || x.length !== y.length || x.some((v, i) => v !== y[i])) {
      throw new OnnxExportError(
        `exportOnnx: the graph changes with the size of the dynamic axes (${axes.describe}): something in the forward freezes a size into the file ` +
          '(a reshape to a fixed shape, a constant mask or position table, an op exported with the traced size); export with those axes fixed',
      );
    }
    outputDims = outputs.map((t, k) =>
      t.shape.map((d, i) => {
        const p = probe.outputs[k]!.shape[i];
        if (p === d) return null;
        return axes.names.find(([, a, b]) => a === d && b === p)?.[0] ?? `${outputNames[k]}_dim${i}`;
      }),
    );
  }
  const valueInfo = (name: string, t: Tensor, dims: (string | null)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: elemType(t.dtype),
          shape: { dim: t.shape.map((d, i) => (dims[i] ? { dimParam: dims[i]! } : { dimValue: d })) },
        },
      },
    });
  const modelProto = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'tensile',
    producerVersion: '0.1.0',
    graph: {
      name: options.graphName ?? className(model),
      node: graph.nodes,
      initializer: graph.initializers,
      input: examples.map((t, i) => valueInfo(inputNames[i]!, t, inputDims[i]!)),
      output: outputs.map((t, i) => valueInfo(outs[i]!, t, outputDims[i]!)),
    },
  });
  return onnx.ModelProto.encode(modelProto).finish();
}

/** Checks `dynamicAxes` and returns each input's symbolic dims and the probe inputs, each named dimension's size changed. */
function checkDynamicAxes(dynamicAxes: unknown, inputNames: readonly string[], examples: readonly Tensor[]) {
  if (dynamicAxes === null || typeof dynamicAxes !== 'object' || Array.isArray(dynamicAxes)) throw new TypeError('exportOnnx: dynamicAxes must be an object { inputName: { axis: name } }');
  const sizes = new Map<string, number>();
  const dims = examples.map((t) => t.shape.map((): string | null => null));
  for (const [input, spec] of Object.entries(dynamicAxes)) {
    const k = inputNames.indexOf(input);
    if (k < 0) throw new TypeError(`exportOnnx: dynamicAxes names the input "${input}", which is not one of the inputs (${inputNames.join(', ')})`);
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new TypeError(`exportOnnx: dynamicAxes.${input} must be an object { axis: name }`);
    const t = examples[k]!;
    for (const [axisKey, name] of Object.entries(spec as Record<string, unknown>)) {
      const axis = Number(axisKey);
      if (!Number.isInteger(axis) || axis < 0 || axis >= t.ndim) throw new TypeError(`exportOnnx: dynamicAxes.${input} names axis ${axisKey}, but that input has ${t.ndim} dimension(s)`);
      if (typeof name !== 'string' || name === '') throw new TypeError(`exportOnnx: dynamicAxes.${input}[${axisKey}] must be a non-empty name, got ${JSON.stringify(name)}`);
      const size = t.shape[axis]!;
      if (sizes.has(name) && sizes.get(name) !== size) throw new TypeError(`exportOnnx: the dynamic dimension "${name}" is ${sizes.get(name)} in one input and ${size} in another in the example`);
      if (size === 1) throw new TypeError(`exportOnnx: the dynamic dimension "${name}" (axis ${axis} of "${input}") is 1 in the example; trace with a size of at least 2 so it cannot be confused with a broadcast`);
      sizes.set(name, size);
      dims[k]![axis] = name;
    }
  }
  const other = (n: number) => (n > 2 ? n - 1 : n + 1);
  const probe = examples.map((t, k) => {
    let p = t;
    dims[k]!.forEach((name, axis) => {
      if (name === null) return;
      const n = t.shape[axis]!;
      p = n > 2 ? p.narrow(axis, 0, n - 1) : cat([p, p.narrow(axis, 0, 1)], axis);
    });
    return p.contiguous();
  });
  const names = [...sizes].map(([name, n]) => [name, n, other(n)] as [string, number, number]);
  return { dims, probe, names, describe: names.map(([n, a, b]) => `${n}: ${a} and ${b}`).join(', ') };
}

/** Traces `model` on `args` (whose tensors are `examples`) and writes its graph, without the graph outputs' names. */
function build(model: AnyModule, args: unknown[], examples: Tensor[], reserved: readonly string[], inputNames: readonly string[], dynamicBatch: boolean, snapshot: boolean) {
  const { inputs, outputs, calls } = trace(model, args, examples);
  const state = new Set(model.stateEntries().map(([, t]) => t));
  checkTraceIsGeneral(model, args, examples, { inputs, outputs, calls }, state);
  const graph = new GraphBuilder(new Map(model.stateEntries().map(([name, t]) => [t, name] as [Tensor, string])));
  reserved.forEach((n) => graph.reserve(n));
  const names = new Map<Tensor, string>(inputs.map((t, i) => [t, inputNames[i]!]));
  const callOf = new Map<Tensor, Call>();
  for (const [out, call] of calls) callOf.set(out, call);
  const written = new Map<Call, string[]>();

  // Depth-first from the output, with an explicit stack (deep models would overflow recursion).
  const resolve = (root: Tensor, rootScope: { path: string; module: AnyModule }): string => {
    const stack: { t: Tensor; scope: { path: string; module: AnyModule }; expanded: boolean }[] = [{ t: root, scope: rootScope, expanded: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const { t } = top;
      if (names.has(t)) {
        stack.pop();
        continue;
      }
      const call = callOf.get(t);
      const scope = call && !call.exporter ? { path: call.path, module: call.module } : top.scope;
      const deps = call?.exporter ? call.inputs : t.gradFn ? opInputs(t) : [];
      if (!top.expanded) {
        top.expanded = true;
        for (const d of deps) if (!names.has(d)) stack.push({ t: d, scope, expanded: false });
        continue;
      }
      stack.pop();
      if (call?.exporter) {
        // A module with several outputs (an LSTM's output, h_n and c_n) is written once, for all of them.
        let outNames = written.get(call);
        if (outNames === undefined) {
          outNames = runExporter(call, graph, names, dynamicBatch);
          written.set(call, outNames);
        }
        call.outputs.forEach((o, i) => {
          if (!names.has(o)) names.set(o, outNames[i]!);
        });
      } else if (t.gradFn) names.set(t, exportOp(t, graph, names, { dynamicBatch, where: where(scope.path, scope.module) }));
      else names.set(t, constant(t, scope));
    }
    return names.get(root)!;
  };
  // A tensor no op produced is a parameter, a buffer or a constant of the forward. With an integer input
  // (which cannot record ops) a computed tensor would look the same, so only state and scalars pass there.
  const intInput = examples.some((t) => !isFloat(t.dtype));
  const constant = (t: Tensor, scope: { path: string; module: AnyModule }): string => {
    const c = compact(t);
    if (intInput && !state.has(t) && c.numel > 1) {
      throw new OnnxExportError(
        `exportOnnx: the forward of ${where(scope.path, scope.module)} uses a tensor of shape ${fmtShape(t.shape)} that is neither a parameter, a buffer nor a scalar; ` +
          'with an integer input the trace cannot tell a constant from a value computed from the input',
      );
    }
    return graph.tensor(c);
  };
  const last = outputs.map((o) => {
    if (inputs.includes(o)) throw new OnnxExportError('exportOnnx: the model returns an input unchanged; there is nothing to export');
    return resolve(o, { path: '', module: model });
  });
  // The nodes and initializers so far, encoded, to compare two builds (the graph outputs are named later).
  const encoded = snapshot ? onnx.GraphProto.encode(onnx.GraphProto.create({ node: graph.nodes, initializer: graph.initializers })).finish() : null;
  return { graph, outputs, last, encoded };
}

/**
 * What the walk from the output meets, in its order: each op or exporter module, and each tensor no op
 * produced that is not the model's state (with its values). Two traces of a faithful model agree on it.
 */
function walkSignature(roots: Tensor[], inputs: Tensor[], calls: [Tensor, Call][], state: ReadonlySet<Tensor>): { steps: string[]; constants: [string, Tensor][] } {
  const callOf = new Map(calls);
  const seen = new Set<Tensor>(inputs);
  const steps: string[] = [];
  const constants: [string, Tensor][] = [];
  const stack: [Tensor, string][] = roots.map((t, i) => [t, `output ${i}`] as [Tensor, string]).reverse();
  while (stack.length > 0) {
    const [t, user] = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const call = callOf.get(t);
    if (call?.exporter) steps.push(`module "${call.path}" output ${call.outputs.indexOf(t)}`);
    else if (t.gradFn) steps.push(`op "${t.gradFn.op}"`);
    else {
      if (!state.has(t)) constants.push([user, compact(t)]);
      continue;
    }
    const deps = call?.exporter ? call.inputs : opInputs(t);
    for (let i = deps.length - 1; i >= 0; i--) stack.push([deps[i]!, steps[steps.length - 1]!]);
  }
  return { steps, constants };
}

/**
 * Traces again on other values of the same shape and requires the same graph and the same constants: a value
 * computed from the input by an op that records no autograd node (a comparison, argmax), randomness in
 * forward, or a branch on the input's values would otherwise be frozen into the file as it was for the
 * example. (Integer inputs keep their values; the walk refuses computed-looking constants for them.)
 */
function checkTraceIsGeneral(model: AnyModule, args: unknown[], examples: Tensor[], first: ReturnType<typeof trace>, state: ReadonlySet<Tensor>): void {
  const g = new Generator(20240611);
  const other = examples.map((t) => (isFloat(t.dtype) ? randn(t.shape, { dtype: t.dtype, generator: g }).mul(3) : t));
  const second = trace(model, rebuild(args, other), other);
  const a = walkSignature(first.outputs, first.inputs, first.calls, state);
  const b = walkSignature(second.outputs, second.inputs, second.calls, state);
  const fail = (what: string): never => {
    throw new OnnxExportError(
      `exportOnnx: the traced graph depends on the input's values (${what}): an op that records no gradient (a comparison, argmax, a cast to int) ` +
        "computes from the input, or forward draws random numbers or branches on the input's values, so no single ONNX graph reproduces it",
    );
  };
  const differsAt = a.steps.findIndex((s, i) => s !== b.steps[i]);
  if (differsAt >= 0 || a.steps.length !== b.steps.length) fail(`at step ${differsAt >= 0 ? differsAt : Math.min(a.steps.length, b.steps.length)} of the walk from the output, ${a.steps[differsAt] ?? 'nothing'} became ${b.steps[differsAt] ?? 'nothing'}`);
  a.constants.forEach(([user, c], i) => {
    const d = b.constants[i]?.[1];
    const dv = d === undefined ? [] : valuesOf(d);
    const same = d !== undefined && c.dtype === d.dtype && c.shape.join() === d.shape.join() && valuesOf(c).every((v, k) => Object.is(v, dv[k]));
    if (!same) fail(`a tensor of shape ${fmtShape(c.shape)} read by ${user} changed with the input`);
  });
}

/** A constant with its broadcast (stride-0) dimensions shrunk to 1, so a scalar expanded to the example's batch stays a scalar. */
function compact(t: Tensor): Tensor {
  if (!t.strides.some((s, i) => s === 0 && t.shape[i]! > 1)) return t;
  const starts = t.shape.map(() => 0);
  let c = t;
  t.strides.forEach((s, i) => {
    if (s === 0 && t.shape[i]! > 1) c = c.narrow(i, starts[i]!, 1);
  });
  return c.contiguous();
}

function runExporter(call: Call, graph: GraphBuilder, names: Map<Tensor, string>, dynamicBatch: boolean): string[] {
  const w = where(call.path, call.module);
  const ctx: ModuleExportContext = {
    path: call.path,
    graph,
    inputs: call.inputs.map((t) => names.get(t)!),
    inputTensors: call.inputs,
    args: call.args,
    output: call.outputs[0]!,
    outputs: call.outputs,
    dynamicBatch,
    scalar: (v) => graph.constant([v], [], call.inputs[0]?.dtype === 'float64' ? 'float64' : 'float32', `${call.path || 'c'}/c`),
    fail: (reason) => {
      throw new OnnxExportError(`exportOnnx: ${w} cannot be exported: ${reason}`);
    },
  };
  const out = call.exporter!(call.module, ctx);
  const outs = typeof out === 'string' ? [out] : [...out];
  if (outs.length !== call.outputs.length) throw new Error(`exportOnnx: the exporter of ${w} wrote ${outs.length} output(s) for the ${call.outputs.length} tensor(s) the module returned`);
  return outs;
}

/**
 * Runs one forward pass in eval mode with every module's forward wrapped, the inputs made leaves that
 * require grad so every op records its node, and everything put back afterwards.
 */
function trace(model: AnyModule, args: unknown[], examples: Tensor[]): { inputs: Tensor[]; outputs: Tensor[]; calls: [Tensor, Call][] } {
  const modules = model.namedModules();
  const modes = modules.map(([, m]) => m.training);
  const exporters = modules.map(([, m]) => exporterFor(m));
  const calls: [Tensor, Call][] = [];
  const inputs = examples.map((t) => {
    const leaf = t.detach().clone();
    if (isFloat(leaf.dtype)) leaf.requiresGrad = true;
    return leaf;
  });
  const own = modules.map(([, m]) => Object.getOwnPropertyDescriptor(m, 'forward'));
  try {
    model.eval();
    modules.forEach(([path, m], i) => {
      const forward = m.forward;
      Object.defineProperty(m, 'forward', {
        configurable: true,
        enumerable: false,
        writable: true,
        value: (...callArgs: unknown[]) => {
          const out = (forward as (...a: unknown[]) => unknown).apply(m, callArgs);
          const ins = tensorsIn(callArgs);
          // A module that hands back an input (Dropout and Identity in eval mode) adds nothing to the graph.
          const outs = tensorsIn(out).filter((t) => !ins.includes(t));
          if (outs.length > 0 && (out instanceof Tensor || Array.isArray(out))) {
            const call: Call = { path, module: m, exporter: exporters[i]!, inputs: ins, args: callArgs, outputs: tensorsIn(out) };
            for (const t of outs) calls.push([t, call]);
          }
          return out;
        },
      });
    });
    const result = enableGrad(() => (model.forward as (...xs: unknown[]) => unknown)(...rebuild(args, inputs)));
    const outputs = flattenOutput(result);
    if (outputs.every((o) => inputs.includes(o))) throw new OnnxExportError('exportOnnx: the model returns its input unchanged; there is nothing to export');
    // A tensor several modules return (a Sequential returns its last child's output; MultiheadAttention its
    // out_proj's) belongs to the outermost of them with an exporter, which writes it whole, or else to the
    // innermost. Calls complete, and are listed, inner first.
    const chosen = new Map<Tensor, Call>();
    for (const [t, c] of calls) if (!chosen.has(t) || c.exporter !== null) chosen.set(t, c);
    return { inputs, outputs, calls: [...chosen] };
  } catch (e) {
    if (e instanceof OnnxExportError) throw e;
    const shapes = examples.map((t) => fmtShape(t.shape)).join(', ');
    throw new OnnxExportError(`exportOnnx: the traced forward pass on an example input of shape ${shapes} failed: ${(e as Error).message}`, { cause: e });
  } finally {
    modules.forEach(([, m], i) => {
      const d = own[i];
      if (d) Object.defineProperty(m, 'forward', d);
      else delete (m as { forward?: unknown }).forward;
      m.training = modes[i]!;
    });
  }
}
