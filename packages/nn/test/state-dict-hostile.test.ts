// loadStateDict checks every key, shape and dtype before copying anything: each bad checkpoint below is
// rejected with a StateDictError (or a TypeError for something that is not a checkpoint at all) listing all
// its problems, and the model (values, gradients, train mode) is exactly as it was.
import { beforeEach, describe, expect, test } from 'vitest';
import { Generator, Tensor, randn, tensor, zeros } from '@tensile/tensor';
import {
  BatchNorm1d, Linear, Module, ModuleDict, Parameter, ReLU, Sequential, StateDictError, loadSafetensors, saveSafetensors, type StateDictInput,
} from '../src/index.js';
import { snapshot } from './helpers.js';

function model(): Sequential {
  const g = new Generator(11);
  return new Sequential(new Linear(4, 3, { generator: g }), new BatchNorm1d(3), new ReLU(), new Linear(3, 2, { generator: g }));
}

/** A checkpoint that fits `model()`, with values different from its own. */
function goodCheckpoint(): Map<string, Tensor> {
  const m = model();
  const g = new Generator(12);
  return new Map([...m.stateDict()].map(([k, t]) => [k, t.dtype === 'int32' ? tensor(5, { dtype: 'int32' }) : randn([...t.shape], { generator: g })]));
}

function withEntries(edit: (sd: Map<string, unknown>) => void): Map<string, Tensor> {
  const sd = goodCheckpoint() as Map<string, unknown>;
  edit(sd);
  return sd as Map<string, Tensor>;
}

/**
 * `t` with its storage, strides or offset replaced, bypassing any check the Tensor constructor makes: what
 * a hand-built view that does not fit its buffer looks like to loadStateDict.
 */
function forgeView(t: Tensor, patch: { data?: Float32Array; strides?: number[]; offset?: number }): Tensor {
  for (const [k, v] of Object.entries(patch)) Object.defineProperty(t, k, { value: v });
  return t;
}

const hostile: [string, () => unknown, RegExp, abstract new (...args: never[]) => Error][] = [
  ['a missing key', () => withEntries((sd) => sd.delete('3.bias')), /^loadStateDict\(Sequential\): missing "3\.bias"\. Nothing was loaded\.$/, StateDictError],
  ['several missing keys', () => withEntries((sd) => { sd.delete('0.weight'); sd.delete('1.running_var'); }), /missing "0\.weight", "1\.running_var"\. Nothing/, StateDictError],
  ['an unexpected key', () => withEntries((sd) => sd.set('3.b', zeros([2]))), /^loadStateDict\(Sequential\): unexpected "3\.b"\. Nothing was loaded\.$/, StateDictError],
  ['a shape mismatch', () => withEntries((sd) => sd.set('0.weight', zeros([4, 3]))), /"0\.weight" is \[4, 3\] in the checkpoint but \[3, 4\] in the model\. Nothing/, StateDictError],
  ['a rank mismatch', () => withEntries((sd) => sd.set('0.bias', zeros([1, 3]))), /"0\.bias" is \[1, 3\] in the checkpoint but \[3\] in the model/, StateDictError],
  ['a float64 value for a float32 parameter', () => withEntries((sd) => sd.set('0.bias', zeros([3], { dtype: 'float64' }))), /"0\.bias" is float64 in the checkpoint but float32 in the model \(convert the model with \.to\(dtype\) first\)\. Nothing/, StateDictError],
  ['a float value for the int32 counter', () => withEntries((sd) => sd.set('1.num_batches_tracked', zeros([]))), /"1\.num_batches_tracked" is float32 in the checkpoint but int32 in the model/, StateDictError],
  ['an int32 value for a float parameter', () => withEntries((sd) => sd.set('3.bias', zeros([2], { dtype: 'int32' }))), /"3\.bias" is int32 in the checkpoint but float32/, StateDictError],
  ['a number instead of a tensor', () => withEntries((sd) => sd.set('0.bias', 3)), /"0\.bias" is a number in the checkpoint, not a Tensor/, StateDictError],
  ['null instead of a tensor', () => withEntries((sd) => sd.set('0.bias', null)), /"0\.bias" is null in the checkpoint, not a Tensor/, StateDictError],
  ['a nested array instead of a tensor', () => withEntries((sd) => sd.set('0.bias', [1, 2, 3])), /"0\.bias" is an array in the checkpoint, not a Tensor/, StateDictError],
  ['a plain object instead of a tensor', () => withEntries((sd) => sd.set('0.bias', { shape: [3], data: [1, 2, 3] })), /"0\.bias" is a Object in the checkpoint, not a Tensor/, StateDictError],
  // An own "__proto__" key, as JSON.parse makes from untrusted text.
  ['an own "__proto__" key', () => Object.defineProperty(Object.fromEntries(goodCheckpoint()), '__proto__', { value: zeros([1]), enumerable: true }), /unexpected "__proto__"/, StateDictError],
  ['a non-string Map key', () => withEntries((sd) => (sd as Map<unknown, unknown>).set(7, zeros([1]))), /unexpected "7"/, StateDictError],
  // Views that point outside their storage, as a hand-built `new Tensor(data, shape, strides, offset)` can:
  // copying one would read past the buffer (NaN or a throw half-way through the load).
  ['a buffer shorter than the shape', () => withEntries((sd) => sd.set('0.bias', forgeView(zeros([3]), { data: new Float32Array(2) }))),
    /^loadStateDict\(Sequential\): "0\.bias" in the checkpoint does not fit its storage: a buffer of 2 elements cannot hold shape \[3\] with strides \[1\] at offset 0 \(it reaches element 2\)\. Nothing was loaded\.$/, StateDictError],
  ['an offset that runs past the buffer', () => withEntries((sd) => sd.set('3.bias', forgeView(zeros([2]), { offset: 1 }))),
    /"3\.bias" in the checkpoint does not fit its storage: a buffer of 2 elements cannot hold shape \[2\] with strides \[1\] at offset 1 \(it reaches element 2\)\. Nothing/, StateDictError],
  ['strides that run past the buffer', () => withEntries((sd) => sd.set('0.weight', forgeView(zeros([3, 4]), { strides: [5, 1] }))),
    /"0\.weight" in the checkpoint does not fit its storage: a buffer of 12 elements cannot hold shape \[3, 4\] with strides \[5, 1\] at offset 0 \(it reaches element 13\)/, StateDictError],
  ['a negative offset', () => withEntries((sd) => sd.set('0.bias', forgeView(zeros([3]), { offset: -1 }))),
    /"0\.bias" in the checkpoint does not fit its storage: offset must be a non-negative integer, got -1/, StateDictError],
  ['fewer strides than dimensions', () => withEntries((sd) => sd.set('0.weight', forgeView(zeros([3, 4]), { strides: [1] }))),
    /"0\.weight" in the checkpoint does not fit its storage: strides must be 2 non-negative integers for shape \[3, 4\], got \[1\]/, StateDictError],
  ['a bad view next to good entries', () => withEntries((sd) => { sd.set('1.running_var', forgeView(zeros([3]), { data: new Float32Array(0) })); }),
    /^loadStateDict\(Sequential\): "1\.running_var" in the checkpoint does not fit its storage: a buffer of 0 elements cannot hold shape \[3\] with strides \[1\] at offset 0 \(it reaches element 2\)\. Nothing was loaded\.$/, StateDictError],
  ['every problem at once', () => withEntries((sd) => { sd.delete('3.bias'); sd.set('x', zeros([1])); sd.set('0.weight', zeros([2, 2])); sd.set('1.weight', 'w'); }),
    /^loadStateDict\(Sequential\): missing "3\.bias"; unexpected "x"; "0\.weight" is \[2, 2\] in the checkpoint but \[3, 4\] in the model; "1\.weight" is a string in the checkpoint, not a Tensor\. Nothing was loaded\.$/, StateDictError],
  ['an empty checkpoint', () => new Map(), /missing "0\.weight", "0\.bias", "1\.weight", "1\.bias", "1\.running_mean", "1\.running_var", "1\.num_batches_tracked", "3\.weight", "3\.bias"\. Nothing/, StateDictError],
  ['null', () => null, /loadStateDict\(Sequential\): expected a Map or an object of name → Tensor, got null/, TypeError],
  ['an array of pairs', () => [...goodCheckpoint()], /expected a Map or an object of name → Tensor, got an array/, TypeError],
  ['a tensor', () => zeros([3]), /expected a Map or an object of name → Tensor, got a Tensor/, TypeError],
  ['a string', () => 'weights.safetensors', /got a string/, TypeError],
];

describe('loadStateDict on hostile checkpoints', () => {
  let m: Sequential;
  beforeEach(() => {
    m = model();
    // Some gradients and eval mode, so the test sees that those are left alone too.
    m.forward(randn([5, 4], { generator: new Generator(1) })).sum().backward();
    m.eval();
  });

  test.each(hostile)('%s is rejected and changes nothing', (_name, make, message, kind) => {
    const before = snapshot(m.stateEntries());
    const grads = snapshot(m.namedParameters().map(([n, p]) => [n, p.grad!]));
    const err = (() => {
      try {
        m.loadStateDict(make() as StateDictInput);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(kind);
    expect((err as Error).message).toMatch(message);
    expect(snapshot(m.stateEntries())).toEqual(before);
    expect(snapshot(m.namedParameters().map(([n, p]) => [n, p.grad!]))).toEqual(grads);
    expect(m.modules().every((x) => !x.training)).toBe(true);
  });

  test('the StateDictError lists the problems for code, too', () => {
    const sd = withEntries((s) => { s.delete('3.bias'); s.set('x', zeros([1])); s.set('0.weight', zeros([2, 2])); });
    const err = (() => { try { m.loadStateDict(sd); } catch (e) { return e as StateDictError; } return null; })()!;
    expect(err.missingKeys).toEqual(['3.bias']);
    expect(err.unexpectedKeys).toEqual(['x']);
    expect(err.mismatches).toEqual(['"0.weight" is [2, 2] in the checkpoint but [3, 4] in the model']);
  });

  test("the issue's example message, word for word", () => {
    const net = new Sequential(new Linear(784, 64), new ReLU(), new Linear(64, 10));
    const sd = { '0.weight': zeros([128, 784]), '0.bias': zeros([64]), '2.weight': zeros([10, 64]), '2.b': zeros([10]) };
    const err = (() => { try { net.loadStateDict(sd); } catch (e) { return e as Error; } return null; })();
    expect(err).toBeInstanceOf(StateDictError);
    expect(err!.message).toBe(
      'loadStateDict(Sequential): missing "2.bias"; unexpected "2.b"; "0.weight" is [128, 784] in the checkpoint but [64, 784] in the model. Nothing was loaded.',
    );
  });

  test('strict: false skips missing and unexpected keys but still refuses a wrong shape', () => {
    const sd = withEntries((s) => { s.delete('3.bias'); s.set('extra', zeros([1])); });
    const result = m.loadStateDict(sd, { strict: false });
    expect(result).toEqual({ missingKeys: ['3.bias'], unexpectedKeys: ['extra'], renamedKeys: [] });
    expect(Array.from(m.stateDict().get('0.weight')!.toTypedArray())).toEqual(Array.from(sd.get('0.weight')!.toTypedArray()));
    const before = snapshot(m.stateEntries());
    sd.set('0.bias', zeros([7]));
    expect(() => m.loadStateDict(sd, { strict: false })).toThrow(/"0\.bias" is \[7\] in the checkpoint but \[3\] in the model\. Nothing was loaded\./);
    expect(snapshot(m.stateEntries())).toEqual(before);
  });

  test('a good checkpoint loads every value (a Map, an object, non-contiguous views, its own state dict)', () => {
    const sd = goodCheckpoint();
    expect(m.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [], renamedKeys: [] });
    expect(snapshot(m.stateEntries())).toEqual(snapshot(sd));
    const other = model();
    other.loadStateDict(Object.fromEntries(m.stateDict()));
    expect(snapshot(other.stateEntries())).toEqual(snapshot(sd));
    // A transposed view is copied element by element, not storage order.
    const w = randn([4, 3], { generator: new Generator(3) });
    other.loadStateDict(withEntries((s) => s.set('0.weight', w.t())));
    expect((other.stateDict().get('0.weight')!.toArray())).toEqual(w.t().toArray());
    // Loading a model's own live state dict (the source aliases the target) keeps its values.
    const before = snapshot(m.stateEntries());
    m.loadStateDict(m.stateDict());
    expect(snapshot(m.stateEntries())).toEqual(before);
  });

  test('a loaded model owns its values: changing the checkpoint afterwards does not reach it', () => {
    const sd = goodCheckpoint();
    m.loadStateDict(sd);
    const before = snapshot(m.stateEntries());
    sd.get('0.weight')!.fill_(42);
    expect(snapshot(m.stateEntries())).toEqual(before);
  });

  test('a checkpoint whose entries are swapped views of the model itself loads the values it names', () => {
    // '1.weight' and '1.bias' (BatchNorm's, both [3]) swapped: copying in order would read a value the
    // previous copy just overwrote.
    const w = m.stateDict().get('1.weight')!.toArray();
    const b = m.stateDict().get('1.bias')!.toArray();
    const sd = m.stateDict();
    const swapped = new Map(sd);
    swapped.set('1.weight', sd.get('1.bias')!);
    swapped.set('1.bias', sd.get('1.weight')!);
    m.loadStateDict(swapped);
    expect(m.stateDict().get('1.weight')!.toArray()).toEqual(b);
    expect(m.stateDict().get('1.bias')!.toArray()).toEqual(w);
  });

  test('zero-element tensors: an empty buffer fits an empty shape, and a shape mismatch is still one', () => {
    const empty = new Linear(0, 2); // weight [2, 0], bias [2]
    const bias = tensor([1, 2]);
    expect(empty.loadStateDict({ weight: new Tensor(new Float32Array(0), [2, 0]), bias })).toEqual({ missingKeys: [], unexpectedKeys: [], renamedKeys: [] });
    expect(empty.bias!.toArray()).toEqual([1, 2]);
    expect(() => empty.loadStateDict({ weight: new Tensor(new Float32Array(0), [0, 2]), bias: tensor([3, 4]) })).toThrow(
      /^loadStateDict\(Linear\): "weight" is \[0, 2\] in the checkpoint but \[2, 0\] in the model\. Nothing was loaded\.$/,
    );
    expect(() => empty.loadStateDict({ weight: forgeView(zeros([2, 0]), { data: new Float32Array(0), offset: 5 }), bias: tensor([3, 4]) })).not.toThrow();
    expect(() => empty.loadStateDict({ weight: new Tensor(new Float32Array(0), [2, 0]), bias: forgeView(zeros([2]), { data: new Float32Array(0) }) })).toThrow(
      /^loadStateDict\(Linear\): "bias" in the checkpoint does not fit its storage: a buffer of 0 elements cannot hold shape \[2\] with strides \[1\] at offset 0 \(it reaches element 1\)\. Nothing was loaded\.$/,
    );
    expect(empty.bias!.toArray()).toEqual([3, 4]);
  });

  test('a module with no state accepts only an empty checkpoint', () => {
    class Empty extends Module {
      forward(x: Tensor): Tensor { return x; }
    }
    expect(new Empty().loadStateDict({})).toEqual({ missingKeys: [], unexpectedKeys: [], renamedKeys: [] });
    expect(() => new Empty().loadStateDict({ w: zeros([1]) })).toThrow(/^loadStateDict\(Empty\): unexpected "w"\. Nothing was loaded\.$/);
  });
});

describe('state-dict names that are Object.prototype members', () => {
  // A ModuleDict keeps any key but "" and dotted ones, and a field can be defined under any name.
  const keys = ['__proto__', 'constructor', 'hasOwnProperty', 'toString'];
  class Net extends Module {
    heads: ModuleDict;
    constructor(seed: number) {
      super();
      const g = new Generator(seed);
      this.heads = new ModuleDict(keys.map((k) => [k, new Linear(2, 2, { generator: g })] as [string, Linear]));
      for (const k of ['__proto__', 'constructor']) Object.defineProperty(this, k, { value: new Parameter(randn([3], { generator: g })), enumerable: true });
    }
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  const names = ['__proto__', 'constructor', ...keys.flatMap((k) => [`heads.${k}.weight`, `heads.${k}.bias`])];

  test('stateDict names them, and they survive safetensors and loadStateDict (Map and plain object)', () => {
    const a = new Net(1);
    expect([...a.stateDict().keys()]).toEqual(names);
    const { tensors } = loadSafetensors(saveSafetensors(a.stateDict()));
    expect([...tensors.keys()]).toEqual(names);
    const b = new Net(2);
    expect(snapshot(b.stateEntries())).not.toEqual(snapshot(a.stateEntries()));
    b.loadStateDict(tensors);
    expect(snapshot(b.stateEntries())).toEqual(snapshot(a.stateEntries()));
    const c = new Net(3);
    c.loadStateDict(Object.fromEntries(tensors));
    expect(snapshot(c.stateEntries())).toEqual(snapshot(a.stateEntries()));
    expect(({} as Record<string, unknown>).weight).toBeUndefined();
  });

  test('a missing "__proto__" is reported by name, under the class name even with a "constructor" field', () => {
    const sd = new Net(1).stateDict();
    sd.delete('__proto__');
    const b = new Net(2);
    const before = snapshot(b.stateEntries());
    expect(() => b.loadStateDict(sd)).toThrow(/^loadStateDict\(Net\): missing "__proto__"\. Nothing was loaded\.$/);
    expect(snapshot(b.stateEntries())).toEqual(before);
  });
});
