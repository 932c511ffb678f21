// Exporters of the sequence layers. RNN, LSTM and GRU become ONNX's own RNN, LSTM and GRU operators, one per
// layer (ONNX's hold a single layer), with the gates reordered and the biases split as ONNX lays them out;
// MultiheadAttention is written as the products, softmax and reshapes it computes (with addBiasKv's and
// addZeroAttn's appended key/value rows and the masks padded to match). TransformerEncoderLayer
// and TransformerEncoder need no exporter: they are traced, their attention written by the one below.
// Nothing here freezes the batch size or the sequence length into the file.
import { GRU, LSTM, MultiheadAttention, RNN, type AnyModule } from '@tensile/nn';
import { cat, transpose, zeros, type Tensor } from '@tensile/tensor';
import type { OnnxGraph } from './graph.js';
import { registerOnnxExporter, type ModuleExportContext } from './modules.js';

const ints = (v: readonly number[]) => ({ ints: v });
const int = (v: number) => ({ int: v });
const hint = (ctx: ModuleExportContext, what: string): string => (ctx.path === '' ? what : ctx.path);
const i64 = (g: OnnxGraph, values: readonly number[], name: string) => g.constant(values, [values.length], 'int64', name);

/**
 * PyTorch's gate blocks in ONNX's order: LSTM i,f,g,o → i,o,f,c; GRU r,z,n → z,r,h; RNN has one. Each entry
 * is the PyTorch block that goes to that ONNX position.
 */
const GATE_ORDER = { RNN: [0], LSTM: [0, 3, 1, 2], GRU: [1, 0, 2] } as const;

type Recurrent = RNN | LSTM | GRU;

/** `t` `[G·H, …]` with its G gate blocks of H rows put in `order`. */
function reorder(t: Tensor, order: readonly number[], h: number): Tensor {
  return order.length === 1 ? t : cat(order.map((k) => t.narrow(0, k * h, h)), 0);
}

function exportRecurrent(m: Recurrent, ctx: ModuleExportContext, kind: 'RNN' | 'LSTM' | 'GRU'): string[] {
  const name = hint(ctx, kind);
  const g = ctx.graph;
  const x = ctx.inputTensors[0]!;
  if (m.projSize > 0) {
    ctx.fail(`projSize ${m.projSize}: ONNX's LSTM has no projection of h (weight_hr_l*), so an LSTM with projSize cannot be written as ONNX's LSTM; export it with projSize 0`);
  }
  if (x.ndim !== 3) {
    ctx.fail(`an unbatched ${x.ndim}-d input (shape [${x.shape.join(', ')}]) is not exported; give it a batch dimension (${m.batchFirst ? '[N, T, features]' : '[T, N, features]'})`);
  }
  // The initial states are the call's further tensors: h0 (RNN, GRU) or h0 and c0 (LSTM), in that order.
  const states = ctx.inputs.slice(1);
  const stateTensors = ctx.inputTensors.slice(1);
  const wantStates = kind === 'LSTM' ? 2 : 1;
  if (states.length !== 0 && states.length !== wantStates) ctx.fail(`expected ${kind === 'LSTM' ? 'both h0 and c0' : 'h0'} or no initial state, got ${states.length} state tensor(s)`);
  for (const s of stateTensors) if (s.ndim !== 3) ctx.fail(`an unbatched ${s.ndim}-d initial state is not exported; pass [numLayers·numDirections, N, hidden]`);

  const d = m.numDirections;
  const hsz = m.hiddenSize;
  const order = GATE_ORDER[kind];
  const fields = m as unknown as Record<string, Tensor | undefined>;
  const attrs: Record<string, { int: number } | string | { strings: readonly string[] }> = {
    hidden_size: int(hsz),
    direction: d === 2 ? 'bidirectional' : 'forward',
  };
  if (kind === 'RNN') attrs.activations = { strings: Array<string>(d).fill((m as RNN).nonlinearity === 'relu' ? 'Relu' : 'Tanh') };
  // PyTorch's GRU multiplies r into (W_hn·h + b_hn): ONNX's linear_before_reset.
  if (kind === 'GRU') attrs.linear_before_reset = int(1);

  let seq = m.batchFirst ? g.node('Transpose', [ctx.inputs[0]!], { perm: ints([1, 0, 2]) }, name) : ctx.inputs[0]!; // [T, N, I]
  const hN: string[] = [];
  const cN: string[] = [];
  for (let layer = 0; layer < m.numLayers; layer++) {
    const ws: Tensor[] = [];
    const rs: Tensor[] = [];
    const bs: Tensor[] = [];
    for (let dir = 0; dir < d; dir++) {
      const sfx = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
      const wih = fields[`weight_ih${sfx}`]!;
      const whh = fields[`weight_hh${sfx}`]!;
      ws.push(reorder(wih, order, hsz).unsqueeze(0));
      rs.push(reorder(whh, order, hsz).unsqueeze(0));
      const gates = order.length * hsz;
      const bih = fields[`bias_ih${sfx}`] ?? zeros([gates], { dtype: wih.dtype });
      const bhh = fields[`bias_hh${sfx}`] ?? zeros([gates], { dtype: wih.dtype });
      // ONNX's B is [Wb, Rb] for each direction: the input biases, then the recurrent ones.
      bs.push(cat([reorder(bih, order, hsz), reorder(bhh, order, hsz)], 0).unsqueeze(0));
    }
    const ln = `${ctx.path || kind.toLowerCase()}.onnx_l${layer}`;
    const inputs = [seq, g.tensor(cat(ws, 0).contiguous(), `${ln}.W`), g.tensor(cat(rs, 0).contiguous(), `${ln}.R`), g.tensor(cat(bs, 0).contiguous(), `${ln}.B`), ''];
    const slice = (state: string) => g.node('Slice', [state, i64(g, [layer * d], `${ln}/start`), i64(g, [(layer + 1) * d], `${ln}/end`), i64(g, [0], `${ln}/axis`)], {}, name);
    if (states.length > 0) inputs.push(slice(states[0]!));
    if (kind === 'LSTM' && states.length > 0) inputs.push(slice(states[1]!));
    while (inputs[inputs.length - 1] === '') inputs.pop();
    const outs = g.multiNode(kind, inputs, kind === 'LSTM' ? 3 : 2, attrs, `${name}.l${layer}`);
    // Y [T, D, N, H] → [T, N, D·H], PyTorch's layout of the directions' outputs side by side.
    const y = g.node('Transpose', [outs[0]!], { perm: ints([0, 2, 1, 3]) }, name);
    seq = g.node('Reshape', [y, i64(g, [0, 0, -1], `${ln}/shape`)], {}, name);
    hN.push(outs[1]!);
    if (kind === 'LSTM') cN.push(outs[2]!);
  }
  const output = m.batchFirst ? g.node('Transpose', [seq], { perm: ints([1, 0, 2]) }, name) : seq;
  const joined = (parts: string[]) => (parts.length === 1 ? g.node('Identity', [parts[0]!], {}, name) : g.node('Concat', parts, { axis: int(0) }, name));
  return kind === 'LSTM' ? [output, joined(hN), joined(cN)] : [output, joined(hN)];
}

registerOnnxExporter(RNN, (m, ctx) => exportRecurrent(m, ctx, 'RNN'));
registerOnnxExporter(LSTM, (m, ctx) => exportRecurrent(m, ctx, 'LSTM'));
registerOnnxExporter(GRU, (m, ctx) => exportRecurrent(m, ctx, 'GRU'));

interface AttentionCallOptions {
  keyPaddingMask?: Tensor | null;
  attnMask?: Tensor | null;
  needWeights?: boolean;
  averageAttnWeights?: boolean;
  isCausal?: boolean;
}

registerOnnxExporter(MultiheadAttention, (m, ctx) => {
  const name = hint(ctx, 'MultiheadAttention');
  const g = ctx.graph;
  const [query, key, value] = ctx.args as [Tensor, Tensor, Tensor];
  const opts = (ctx.args[3] ?? {}) as AttentionCallOptions;
  const nameOf = (t: Tensor) => ctx.inputs[ctx.inputTensors.indexOf(t)]!;
  if (query.ndim !== 3) ctx.fail(`an unbatched ${query.ndim}-d query is not exported; give it a batch dimension`);
  const dtype = query.dtype;
  const scalar = (v: number) => g.constant([v], [], dtype === 'float64' ? 'float64' : 'float32', `${name}/c`);
  const e = m.embedDim;
  const h = m.numHeads;
  const hd = m.headDim;
  const toBatchFirst = (t: Tensor) => (m.batchFirst ? nameOf(t) : g.node('Transpose', [nameOf(t)], { perm: ints([1, 0, 2]) }, name));
  const q0 = toBatchFirst(query);
  const k0 = key === query ? q0 : toBatchFirst(key);
  const v0 = value === key ? k0 : toBatchFirst(value);

  // The projections, each x·Wᵀ + b with W the rows of in_proj_weight (or q/k/v_proj_weight) for q, k or v.
  const bias = m.in_proj_bias;
  const project = (x: string, w: Tensor, i: number, what: string) => {
    const wt = g.tensor(transpose(w, 0, 1).contiguous(), `${ctx.path || 'attn'}.onnx_${what}_proj_weight_t`);
    const y = g.node('MatMul', [x, wt], {}, name);
    return bias === null ? y : g.node('Add', [y, g.tensor(bias.narrow(0, i * e, e).contiguous(), `${ctx.path || 'attn'}.onnx_${what}_proj_bias`)], {}, name);
  };
  const w = m.in_proj_weight;
  const q = project(q0, w ? w.narrow(0, 0, e) : m.q_proj_weight!, 0, 'q');
  let k = project(k0, w ? w.narrow(0, e, e) : m.k_proj_weight!, 1, 'k');
  let v = project(v0, w ? w.narrow(0, 2 * e, e) : m.v_proj_weight!, 2, 'v');
  // addBiasKv, then addZeroAttn: a [1, 1, E] row broadcast to [N, 1, E] and appended to the projected keys and
  // values, the batch taken at run time.
  const append = (t: string, row: string) => {
    const shape = g.node('Concat', [g.node('Shape', [t], { end: int(1) }, name), i64(g, [1, e], `${name}/row_shape`)], { axis: int(0) }, name);
    return g.node('Concat', [t, g.node('Expand', [row, shape], {}, name)], { axis: int(1) }, name);
  };
  let extra = 0;
  if (m.bias_k !== null && m.bias_v !== null) {
    k = append(k, g.tensor(m.bias_k));
    v = append(v, g.tensor(m.bias_v));
    extra++;
  }
  if (m.addZeroAttn) {
    const z = g.tensor(zeros([1, 1, e], { dtype: m.out_proj.weight.dtype }), `${ctx.path || 'attn'}.onnx_zero_attn`);
    k = append(k, z);
    v = append(v, z);
    extra++;
  }
  /** `mask` with `extra` never-masked columns (false, or 0 for a float mask) appended along its last axis. */
  const padColumns = (mask: string, isBool: boolean) => {
    const shape = g.node('Concat', [g.node('Shape', [mask], { end: int(-1) }, name), i64(g, [extra], `${name}/extra`)], { axis: int(0) }, name);
    let cols = g.node('Expand', [scalar(0), shape], {}, name);
    if (isBool) cols = g.node('Cast', [cols], { to: int(9) }, name); // 9: ONNX's BOOL
    return g.node('Concat', [mask, cols], { axis: int(-1) }, name);
  };
  // [N, len, E] → [N, H, len, hd] (keys → [N, H, hd, S], ready for q·kᵀ).
  const heads = (t: string, perm: number[]) =>
    g.node('Transpose', [g.node('Reshape', [t, i64(g, [0, 0, h, hd], `${name}/heads`)], {}, name)], { perm: ints(perm) }, name);
  let scores = g.node('Mul', [g.node('MatMul', [heads(q, [0, 2, 1, 3]), heads(k, [0, 2, 3, 1])], {}, name), scalar(1 / Math.sqrt(hd))], {}, name);

  // Masks as MultiheadAttention applies them: a float attnMask and a float key padding mask are added, then
  // blocked positions (a bool attnMask, the causal mask, a bool key padding mask) become −∞.
  const { attnMask = null, keyPaddingMask = null, isCausal = false } = opts;
  let blocked: string | null = null;
  const block = (b: string) => {
    blocked = blocked === null ? b : g.node('Or', [blocked, b], {}, name);
  };
  if (attnMask !== null) {
    let mask = nameOf(attnMask);
    if (attnMask.ndim === 3) {
      // [N·H, L, S] → [N, H, L, S], the lengths taken at run time.
      const target = g.node('Concat', [i64(g, [-1, h], `${name}/mask_heads`), g.node('Shape', [mask], { start: int(1) }, name)], { axis: int(0) }, name);
      mask = g.node('Reshape', [mask, target], {}, name);
    }
    if (attnMask.dtype === 'bool') block(mask);
    else scores = g.node('Add', [scores, extra > 0 ? padColumns(mask, false) : mask], {}, name);
  } else if (isCausal) {
    // Position j is blocked for query i when j > i: built from the lengths at run time, not the example's.
    const len = (t: string) => g.node('Gather', [g.node('Shape', [t], {}, name), g.constant([1], [], 'int64', `${name}/axis1`)], { axis: int(0) }, name);
    const zero = g.constant([0], [], 'int64', `${name}/zero`);
    const one = g.constant([1], [], 'int64', `${name}/one`);
    const rows = g.node('Unsqueeze', [g.node('Range', [zero, len(q0), one], {}, name), i64(g, [1], `${name}/axes`)], {}, name);
    const cols = g.node('Unsqueeze', [g.node('Range', [zero, len(k0), one], {}, name), i64(g, [0], `${name}/axes`)], {}, name);
    block(g.node('Greater', [cols, rows], {}, name));
  }
  if (keyPaddingMask !== null) {
    // [N, S] → [N, 1, 1, S]: a bool one blocks keys, a float one is added to the scores.
    const padding = g.node('Unsqueeze', [nameOf(keyPaddingMask), i64(g, [1, 2], `${name}/axes`)], {}, name);
    if (keyPaddingMask.dtype === 'bool') block(padding);
    else scores = g.node('Add', [scores, extra > 0 ? padColumns(padding, false) : padding], {}, name);
  }
  // The masks above cover the caller's keys; the appended ones are never blocked.
  if (blocked !== null) scores = g.node('Where', [extra > 0 ? padColumns(blocked, true) : blocked, scalar(-Infinity), scores], {}, name);
  const weights = g.node('Softmax', [scores], { axis: int(-1) }, name);
  const o = g.node('MatMul', [weights, heads(v, [0, 2, 1, 3])], {}, name);
  const merged = g.node('Reshape', [g.node('Transpose', [o], { perm: ints([0, 2, 1, 3]) }, name), i64(g, [0, 0, e], `${name}/merge`)], {}, name);
  let out = g.node('MatMul', [merged, g.tensor(transpose(m.out_proj.weight, 0, 1).contiguous(), `${ctx.path || 'attn'}.onnx_out_proj_weight_t`)], {}, name);
  if (m.out_proj.bias) out = g.node('Add', [out, g.tensor(m.out_proj.bias)], {}, name);
  if (!m.batchFirst) out = g.node('Transpose', [out], { perm: ints([1, 0, 2]) }, name);
  if (ctx.outputs.length === 1) return [out];
  // The weights [N, H, L, S], averaged over the heads unless averageAttnWeights is false.
  const avg = opts.averageAttnWeights ?? true;
  return [out, avg ? g.node('ReduceMean', [weights], { axes: ints([1]), keepdims: int(0) }, name) : weights];
});

/** The layers this file writes (for the README's list and the tests). */
export const SEQUENCE_LAYERS: readonly (abstract new (...args: any[]) => AnyModule)[] = [RNN, LSTM, GRU, MultiheadAttention];
