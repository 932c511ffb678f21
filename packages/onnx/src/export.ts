// exportOnnx: one traced forward pass in eval mode, written as an ONNX graph.
//
// Every module's forward is wrapped for the pass, so each call is known with its inputs and output. A
// module with an exporter (modules.ts) becomes its ONNX operators; anything else (a custom model, a
// Sequential) is followed through the autograd graph its forward recorded, op by op (ops.ts). The walk
// starts at the output and stops at the graph inputs and at tensors no op produced (parameters and
// constants, written as initializers). An op or module with no mapping stops the export with an error that
// names the op and the module path: the file is never a silently different model.
import { Module, type AnyModule } from '@tensile/nn';
import { Generator, Tensor, checkOptions, enableGrad, fmtShape, isFloat, randn } from '@tensile/tensor';
import { GraphBuilder, elemType, onnx, valuesOf } from './graph.js';
import { exporterFor, type ModuleExporter, type ModuleExportContext } from './modules.js';
import { OnnxExportError } from './errors.js';
import { exportOp, opInputs } from './ops.js';

/** The ONNX opset the files declare (ONNX 1.12, IR version 8). */
export const ONNX_OPSET = 17;
const IR_VERSION = 8;

export interface ExportOnnxOptions {
  /** Names of the graph inputs, one per example input. Default `['input']` (`input0`, `input1`, … for several). */
  inputNames?: readonly string[];
  /** Name of the graph output. Default `'output'`. */
  outputName?: string;
  /**
   * Make the first dimension of the inputs and output a symbolic `batch` dimension, so the file runs any
   * batch size. Default true.
   */
  dynamicBatch?: boolean;
  /** The graph's name. Default the model's class name. */
  graphName?: string;
}


interface Call {
  path: string;
  module: AnyModule;
  exporter: ModuleExporter | null;
  inputs: Tensor[];
}

const className = (m: object): string => (Object.getPrototypeOf(m) as { constructor: { name: string } }).constructor.name;
const where = (path: string, m: AnyModule): string => (path === '' ? `the model (${className(m)})` : `module "${path}" (${className(m)})`);

/**
 * The bytes of an ONNX model (opset 17) computing `model.forward` in eval mode, traced once on
 * `exampleInput`. Inputs and output are named (`input`, `output` by default) and their first dimension is a
 * symbolic batch dimension unless `dynamicBatch: false`. Parameters and buffers are initializers named by
 * their state-dict keys (`fc1.weight`). Layers of @tensile/nn are written as ONNX operators (Gemm, Conv,
 * MaxPool, BatchNormalization, LayerNormalization, Gather, Relu, Softmax, …; Dropout is the identity); the
 * code of a custom `forward` is written op by op. The model's train/eval flags are restored afterwards.
 * Browser-safe: bytes out, to save, download or hand to ONNX Runtime.
 * @example
 * const bytes = exportOnnx(model, randn([1, 784]));   // then: fs.writeFileSync('mlp.onnx', bytes)
 */
export function exportOnnx(model: AnyModule, exampleInput: Tensor | readonly Tensor[], options: ExportOnnxOptions = {}): Uint8Array {
  checkOptions('exportOnnx', options, ['inputNames', 'outputName', 'dynamicBatch', 'graphName']);
  if (!(model instanceof Module)) throw new TypeError('exportOnnx: model must be a Module from @tensile/nn');
  const examples = exampleInput instanceof Tensor ? [exampleInput] : [...exampleInput];
  if (examples.length === 0 || !examples.every((t) => t instanceof Tensor)) throw new TypeError('exportOnnx: exampleInput must be a Tensor or an array of Tensors');
  const inputNames = options.inputNames ?? (examples.length === 1 ? ['input'] : examples.map((_, i) => `input${i}`));
  const outputName = options.outputName ?? 'output';
  const dynamicBatch = options.dynamicBatch ?? true;
  if (!Array.isArray(inputNames) || inputNames.length !== examples.length || !inputNames.every((n) => typeof n === 'string' && n !== '')) {
    throw new TypeError(`exportOnnx: inputNames must be ${examples.length} non-empty string(s), got ${JSON.stringify(inputNames)}`);
  }
  if (typeof outputName !== 'string' || outputName === '') throw new TypeError('exportOnnx: outputName must be a non-empty string');
  if (typeof dynamicBatch !== 'boolean') throw new TypeError('exportOnnx: dynamicBatch must be true or false');
  if (new Set([...inputNames, outputName]).size !== inputNames.length + 1) throw new TypeError('exportOnnx: the input and output names must differ');
  for (const [i, t] of examples.entries()) {
    if (!isFloat(t.dtype) && t.dtype !== 'int32') throw new TypeError(`exportOnnx: example input ${i} is ${t.dtype}; ONNX inputs here are float32, float64 or int32`);
    if (dynamicBatch && t.ndim === 0) throw new TypeError(`exportOnnx: example input ${i} is 0-d, so it has no batch dimension; pass dynamicBatch: false`);
  }

  const { inputs, output, calls } = trace(model, examples);
  const state = new Set(model.stateEntries().map(([, t]) => t));
  checkTraceIsGeneral(model, examples, { inputs, output, calls }, state);
  const graph = new GraphBuilder(new Map(model.stateEntries().map(([name, t]) => [t, name] as [Tensor, string])));
  inputNames.forEach((n) => graph.reserve(n));
  graph.reserve(outputName);
  const names = new Map<Tensor, string>(inputs.map((t, i) => [t, inputNames[i]!]));
  const callOf = new Map<Tensor, Call>();
  for (const [out, call] of calls) callOf.set(out, call);

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
      if (call?.exporter) names.set(t, runExporter(call, t, graph, names, dynamicBatch));
      else if (t.gradFn) names.set(t, exportOp(t, graph, names, { dynamicBatch, where: where(scope.path, scope.module) }));
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
  const last = resolve(output, { path: '', module: model });

  // The graph output gets its requested name through an Identity when the value has another name already.
  const out = graph.node('Identity', [last], {}, 'output', outputName);
  // The output's first dimension is the batch's when it has its size; otherwise (the batch was merged into
  // it) it is symbolic too, since it changes with the batch.
  const batchOf = (t: Tensor) => (!dynamicBatch || t.ndim === 0 ? null : t.shape[0] === examples[0]!.shape[0] ? 'batch' : `${outputName}_dim0`);
  const valueInfo = (name: string, t: Tensor, batch: string | null) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: elemType(t.dtype),
          shape: { dim: t.shape.map((d, i) => (i === 0 && batch ? { dimParam: batch } : { dimValue: d })) },
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
      input: examples.map((t, i) => valueInfo(inputNames[i]!, t, dynamicBatch ? 'batch' : null)),
      output: [valueInfo(out, output, batchOf(output))],
    },
  });
  return onnx.ModelProto.encode(modelProto).finish();
}

/**
 * What the walk from the output meets, in its order: each op or exporter module, and each tensor no op
 * produced that is not the model's state (with its values). Two traces of a faithful model agree on it.
 */
function walkSignature(t0: Tensor, inputs: Tensor[], calls: [Tensor, Call][], state: ReadonlySet<Tensor>): { steps: string[]; constants: [string, Tensor][] } {
  const callOf = new Map(calls);
  const seen = new Set<Tensor>(inputs);
  const steps: string[] = [];
  const constants: [string, Tensor][] = [];
  const stack: [Tensor, string][] = [[t0, 'the output']];
  while (stack.length > 0) {
    const [t, user] = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const call = callOf.get(t);
    if (call?.exporter) steps.push(`module "${call.path}"`);
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
function checkTraceIsGeneral(model: AnyModule, examples: Tensor[], first: ReturnType<typeof trace>, state: ReadonlySet<Tensor>): void {
  const g = new Generator(20240611);
  const other = examples.map((t) => (isFloat(t.dtype) ? randn(t.shape, { dtype: t.dtype, generator: g }).mul(3) : t));
  const second = trace(model, other);
  const a = walkSignature(first.output, first.inputs, first.calls, state);
  const b = walkSignature(second.output, second.inputs, second.calls, state);
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

function runExporter(call: Call, output: Tensor, graph: GraphBuilder, names: Map<Tensor, string>, dynamicBatch: boolean): string {
  const w = where(call.path, call.module);
  const ctx: ModuleExportContext = {
    path: call.path,
    graph,
    inputs: call.inputs.map((t) => names.get(t)!),
    inputTensors: call.inputs,
    output,
    dynamicBatch,
    scalar: (v) => graph.constant([v], [], call.inputs[0]?.dtype === 'float64' ? 'float64' : 'float32', `${call.path || 'c'}/c`),
    fail: (reason) => {
      throw new OnnxExportError(`exportOnnx: ${w} cannot be exported: ${reason}`);
    },
  };
  return call.exporter!(call.module, ctx);
}

/**
 * Runs one forward pass in eval mode with every module's forward wrapped, the inputs made leaves that
 * require grad so every op records its node, and everything put back afterwards.
 */
function trace(model: AnyModule, examples: Tensor[]): { inputs: Tensor[]; output: Tensor; calls: [Tensor, Call][] } {
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
        value: (...args: unknown[]) => {
          const out = (forward as (...a: unknown[]) => unknown).apply(m, args);
          const tensorsIn = args.filter((a): a is Tensor => a instanceof Tensor);
          // A module that hands back an input (Dropout and Identity in eval mode) adds nothing to the graph.
          if (out instanceof Tensor && !tensorsIn.includes(out)) calls.push([out, { path, module: m, exporter: exporters[i]!, inputs: tensorsIn }]);
          return out;
        },
      });
    });
    const output = enableGrad(() => (model.forward as (...xs: Tensor[]) => unknown)(...inputs));
    if (!(output instanceof Tensor)) {
      throw new OnnxExportError(`exportOnnx: the model's forward returned ${output === null ? 'null' : typeof output}, not a Tensor; export a module whose forward returns one tensor`);
    }
    if (inputs.includes(output)) throw new OnnxExportError('exportOnnx: the model returns its input unchanged; there is nothing to export');
    // Keep the innermost call for a tensor several modules return (a Sequential returns its last child's output).
    const first = new Map<Tensor, Call>();
    for (const [t, c] of calls) if (!first.has(t)) first.set(t, c);
    return { inputs, output, calls: [...first] };
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
