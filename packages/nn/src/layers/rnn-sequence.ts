// A whole recurrence over the sequence as one differentiable op, with backpropagation through time written
// out by hand. Recording every step's dozen ops instead costs far more than the arithmetic: each step's
// slice of the input projection gets a gradient the size of the whole projection, and W_hh gets one
// [G, P] gradient per step to sum. Here backward collects the gate gradients of all steps and forms
// ∂W_hh with one matmul, and ∂gi with one stack. For double backward (createGraph), backward replays the
// recurrence with the recorded step functions of rnn-cells.ts and differentiates that.
import {
  cat, defineBuiltinOp, enableGrad, getBackend, grad, isGradEnabled, matmul, relu, sigmoid, stack, sum, tanh, zeros, type Tensor, type TypedArray,
} from '@tensile/tensor';
import { gruStep, lstmStep, rnnStep } from './rnn-cells.js';

export type Mode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

interface SeqAttrs {
  mode: Mode;
  /** Walk the sequence from the last step to the first (the reverse direction of a bidirectional layer). */
  reverse: boolean;
  /** Inputs after [gi, h0, whh]: LSTM's c0, the bias the step adds (GRU's b_hh, LSTM's b_ih + b_hh), LSTM's W_hr. */
  hasC: boolean;
  hasBhh: boolean;
  hasWhr: boolean;
}

/**
 * The op's inputs, named: gi [T, N, G] (x·W_ihᵀ, plus RNN's and GRU's b_ih), h0 [N, P], whh [G, P], then c0 [N, H],
 * bhh [G] (the bias each step adds: GRU's b_hh, which r multiplies; LSTM's b_ih + b_hh, fused into its kernel), whr [P, H].
 */
interface SeqInputs {
  gi: Tensor;
  h0: Tensor;
  whh: Tensor;
  c0: Tensor | null;
  bhh: Tensor | null;
  whr: Tensor | null;
}

function unpack(inputs: readonly Tensor[], a: SeqAttrs): SeqInputs {
  let k = 3;
  const c0 = a.hasC ? inputs[k++]! : null;
  const bhh = a.hasBhh ? inputs[k++]! : null;
  const whr = a.hasWhr ? inputs[k++]! : null;
  return { gi: inputs[0]!, h0: inputs[1]!, whh: inputs[2]!, c0, bhh, whr };
}

/** A tensor's elements as a contiguous typed array (a subarray when it is contiguous already, else a copy). */
function flatData(t: Tensor): TypedArray {
  const c = t.contiguous();
  return c.data.subarray(c.offset, c.offset + c.numel);
}

/** The time index of step `s`. */
const timeOf = (a: SeqAttrs, steps: number, s: number): number => (a.reverse ? steps - 1 - s : s);

/** The recurrence with recorded ops, step by step: the reference the fused op replays for double backward. */
function composed(a: SeqAttrs, x: SeqInputs): Tensor {
  const steps = x.gi.shape[0]!;
  const hs: Tensor[] = new Array<Tensor>(steps);
  let h = x.h0;
  let c = x.c0;
  for (let s = 0; s < steps; s++) {
    const t = timeOf(a, steps, s);
    const git = x.gi.narrow(0, t, 1).squeeze(0);
    if (a.mode === 'LSTM') [h, c] = lstmStep(git, h, c!, x.whh, x.bhh, x.whr);
    else if (a.mode === 'GRU') h = gruStep(git, h, x.whh, x.bhh);
    else h = rnnStep(git, h, x.whh, null, a.mode === 'RNN_TANH' ? 'tanh' : 'relu');
    hs[t] = h;
  }
  return pack(hs, c);
}

/** Every step's h, flattened in time order, then (LSTM) the final c: `[T·N·P (+ N·H)]`. */
function pack(hs: Tensor[], c: Tensor | null): Tensor {
  const parts = hs.map((h) => h.reshape([h.numel]));
  if (c !== null) parts.push(c.reshape([c.numel]));
  return cat(parts, 0);
}

const sequenceOp = defineBuiltinOp<Tensor[], SeqAttrs>({
  name: 'rnnSequence',
  forward: (ctx, inputs) => {
    const a = ctx.attrs;
    const x = unpack(inputs, a);
    const steps = x.gi.shape[0]!;
    const whhT = x.whh.t();
    const whrT = x.whr?.t() ?? null;
    const [n, p] = x.h0.shape as [number, number];
    const block = n * p;
    const hid = x.c0?.shape[1] ?? 0;
    // The packed output (see rnnSequence); each step writes its h into its block.
    const out = zeros([steps * block + n * hid], { dtype: x.h0.dtype });
    const blockOf = (t: number): Tensor => out.narrow(0, t * block, block).reshape([n, p]);
    const bias = x.bhh === null ? null : flatData(x.bhh);
    // Per step, in step order: what backward reads (see each mode's backward).
    const saved: Tensor[] = [];
    let h = x.h0;
    let c = x.c0!;
    for (let s = 0; s < steps; s++) {
      const t = timeOf(a, steps, s);
      const git = x.gi.narrow(0, t, 1).squeeze(0);
      if (a.mode === 'LSTM') {
        // The gate math (with the bias and the sum gi + h·W_hhᵀ) is one pass of the backend's lstmCell kernel.
        const opts = { dtype: c.dtype };
        const [acts, c2, tc] = [zeros([n, 4 * hid], opts), zeros(c.shape, opts), zeros(c.shape, opts)];
        const m = whrT === null ? blockOf(t) : zeros(c.shape, opts);
        getBackend().lstmCell(flatData(git), matmul(h, whhT).data, bias, flatData(c), hid, acts.data, c2.data, tc.data, flatData(m));
        saved.push(h, c, acts, tc);
        if (whrT !== null) {
          saved.push(m);
          h = matmul(m, whrT);
          getBackend().copy(h, blockOf(t));
        } else {
          h = m;
        }
        c = c2;
      } else if (a.mode === 'GRU') {
        let gh = matmul(h, whhT);
        if (x.bhh !== null) gh = gh.add(x.bhh);
        const rz = sigmoid(git.narrow(1, 0, 2 * p).add(gh.narrow(1, 0, 2 * p)));
        const ghn = gh.narrow(1, 2 * p, p);
        const nGate = tanh(git.narrow(1, 2 * p, p).add(rz.narrow(1, 0, p).mul(ghn)));
        saved.push(h, rz, nGate, ghn);
        h = nGate.add(rz.narrow(1, p, p).mul(h.sub(nGate)));
        getBackend().copy(h, blockOf(t));
      } else {
        saved.push(h);
        const pre = git.add(matmul(h, whhT));
        h = a.mode === 'RNN_TANH' ? tanh(pre) : relu(pre);
        getBackend().copy(h, blockOf(t));
        saved.push(h);
      }
    }
    if (a.mode === 'LSTM') getBackend().copy(c, out.narrow(0, steps * block, n * hid).reshape([n, hid]));
    if (ctx.recording) ctx.save(inputs[0]!, ...inputs.slice(1), ...saved);
    return out;
  },
  backward: (ctx, gOut) => {
    const a = ctx.attrs;
    const nIn = 3 + Number(a.hasC) + Number(a.hasBhh) + Number(a.hasWhr);
    const inputs = ctx.saved.slice(0, nIn);
    const x = unpack(inputs, a);
    const needs = ctx.needsInputGrad;
    if (isGradEnabled()) return replayGrads(a, inputs, needs, gOut);
    const steps = x.gi.shape[0]!;
    const p = x.h0.shape[1]!;
    const saved = ctx.saved.slice(nIn);
    const per = a.mode === 'LSTM' ? (a.hasWhr ? 5 : 4) : a.mode === 'GRU' ? 4 : 2;
    const n = x.h0.shape[0]!;
    const block = n * p;
    const dGi: Tensor[] = new Array<Tensor>(steps); // in time order
    // LSTM's kernel writes each step's gate gradients straight into their place.
    const dGates = a.mode === 'LSTM' ? zeros([steps, n, x.whh.shape[0]!], { dtype: gOut.dtype }) : null;
    const dGh: Tensor[] = []; // GRU: the gradients of h·W_hhᵀ + b_hh, in step order
    const hPrev: Tensor[] = new Array<Tensor>(steps); // the h each step read, in time order
    const dH: Tensor[] = []; // LSTM with projection: ∂h and m per step, for ∂W_hr
    const ms: Tensor[] = [];
    let dhNext: Tensor | null = null;
    // c's own gradient reaches only the final c (the last block of the output)
    let dcNext: Tensor | null = a.mode === 'LSTM' ? gOut.narrow(0, steps * block, n * x.c0!.shape[1]!).reshape([n, x.c0!.shape[1]!]) : null;
    for (let s = steps - 1; s >= 0; s--) {
      const t = timeOf(a, steps, s);
      const sv = saved.slice(s * per, (s + 1) * per);
      let dh = gOut.narrow(0, t * block, block).reshape([n, p]);
      if (dhNext !== null) dh = dh.add(dhNext);
      let dg: Tensor;
      let dgh: Tensor;
      if (a.mode === 'LSTM') {
        const [h, c, acts, tc] = sv as [Tensor, Tensor, Tensor, Tensor];
        const hid = c.shape[1]!;
        let dm = dh;
        if (x.whr !== null) {
          dH.push(dh);
          ms.push(sv[4]!);
          dm = matmul(dh, x.whr); // m·W_hrᵀ ⇒ ∂m = ∂h·W_hr
        }
        // c' = f·c + i·g, m = o·tanh(c'): the backend's lstmCellBackward gives ∂gates and ∂c from ∂m and ∂c'.
        dg = dGates!.narrow(0, t, 1).squeeze(0);
        const dc = zeros(c.shape, { dtype: c.dtype });
        getBackend().lstmCellBackward(acts.data, flatData(c), tc.data, flatData(dm), flatData(dcNext!), hid, flatData(dg), dc.data);
        dgh = dg;
        dcNext = dc;
        hPrev[t] = h;
      } else if (a.mode === 'GRU') {
        const [h, rz, n, ghn] = sv as [Tensor, Tensor, Tensor, Tensor];
        const hid = h.shape[1]!;
        const [r, z] = [rz.narrow(1, 0, hid), rz.narrow(1, hid, hid)];
        // h' = n + z·(h − n), n = tanh(gi_n + r·gh_n)
        const dn = dh.mul(z.neg().add(1)).mul(n.square().neg().add(1));
        const drz = cat([dn.mul(ghn), dh.mul(h.sub(n))], 1).mul(rz).mul(rz.neg().add(1));
        dg = cat([drz, dn], 1);
        dgh = cat([drz, dn.mul(r)], 1);
        dGh[t] = dgh;
        dh = dh.mul(z);
        hPrev[t] = h;
      } else {
        const [h, hOut] = sv as [Tensor, Tensor];
        // tanh' = 1 − tanh², relu' = [out > 0]
        dg = a.mode === 'RNN_TANH' ? dh.mul(hOut.square().neg().add(1)) : dh.mul(hOut.gt(0).to(dh.dtype));
        dgh = dg;
        hPrev[t] = h;
      }
      if (dGates === null) dGi[t] = dg;
      // ∂h_prev = ∂(h·W_hhᵀ)·W_hh, plus GRU's direct path z·∂h'
      const viaW = matmul(dgh, x.whh);
      dhNext = a.mode === 'GRU' ? dh.add(viaW) : viaW;
    }
    const flat = (ts: Tensor[]) => (ts.length === 1 ? ts[0]! : cat(ts, 0));
    const dGiAll = dGates ?? stack(dGi, 0);
    // Outside GRU, ∂(h·W_hhᵀ) is ∂gi, already stacked.
    const dGhAll = a.mode === 'GRU' ? flat(dGh) : dGiAll.reshape([steps * n, x.whh.shape[0]!]);
    const out: (Tensor | null)[] = [
      needs[0] ? dGiAll : null,
      needs[1] ? dhNext : null,
      // h·W_hhᵀ summed over steps ⇒ ∂W_hh = Σ ∂ghᵀ·h = (all steps' ∂gh)ᵀ·(all steps' h), one matmul
      needs[2] ? matmul(dGhAll.t(), flat(hPrev)) : null,
    ];
    if (a.hasC) out.push(needs[out.length] ? dcNext : null);
    if (a.hasBhh) out.push(needs[out.length] ? sum(dGhAll, 0) : null); // GRU's b_hh, LSTM's b_ih + b_hh
    if (a.hasWhr) out.push(needs[out.length] ? matmul(flat(dH).t(), flat(ms)) : null);
    return out;
  },
});

/** Double backward: the gradients of the recorded recurrence, with their own graph. */
function replayGrads(a: SeqAttrs, inputs: Tensor[], needs: readonly boolean[], gOut: Tensor): (Tensor | null)[] {
  const wanted = inputs.filter((_, i) => needs[i]);
  const y = enableGrad(() => composed(a, unpack(inputs, a)));
  const gs = grad(y, wanted, { gradOutputs: [gOut], createGraph: true, allowUnused: true });
  let k = 0;
  return inputs.map((t, i) => (needs[i] ? gs[k++] ?? t.mul(0) : null));
}

/**
 * Runs one layer and direction of a recurrent layer over the sequence: `gi` `[T, N, G]` is the input projection
 * (with b_ih and, for RNN, b_hh), `bhh` the bias each step adds (GRU's b_hh; LSTM's b_ih + b_hh), `h0` `[N, P]`, `c0` `[N, H]` (LSTM), `whh`
 * `[G, P]`, `whr` `[P, H]` (LSTM with projection). Returns the h of every step flattened in time order
 * (`[T·N·P]`), followed for LSTM by the final c (`[N·H]`).
 */
export function rnnSequence(mode: Mode, reverse: boolean, gi: Tensor, h0: Tensor, whh: Tensor, extra: { c0?: Tensor; bhh?: Tensor | null; whr?: Tensor | null } = {}): Tensor {
  const inputs = [gi, h0, whh];
  const attrs: SeqAttrs = { mode, reverse, hasC: extra.c0 !== undefined, hasBhh: extra.bhh != null, hasWhr: extra.whr != null };
  if (extra.c0 !== undefined) inputs.push(extra.c0);
  if (extra.bhh != null) inputs.push(extra.bhh);
  if (extra.whr != null) inputs.push(extra.whr);
  return sequenceOp(inputs, attrs);
}
