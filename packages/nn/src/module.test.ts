import { describe, expect, test } from 'vitest';
import { Tensor, ones, tensor, zeros } from '@tensile/tensor';
import { Module, type AnyModule } from './module.js';
import { Parameter } from './parameter.js';
import { Linear } from './layers/linear.js';
import { BatchNorm1d } from './layers/batchnorm.js';
import { Dropout } from './layers/dropout.js';
import { ReLU } from './layers/activation.js';
import { Sequential } from './layers/container.js';

class Leaf extends Module {
  w = new Parameter(ones([2]));
  forward(x: Tensor): Tensor {
    return x.mul(this.w);
  }
}

describe('the walk over fields', () => {
  test('stateNames renames fields in every walk, is inherited, and old field-named checkpoints still load', () => {
    // A layer in the shape of PyTorch's MultiheadAttention: camelCase fields, snake_case state-dict names.
    class Attn extends Module {
      static override readonly stateNames = { inProjWeight: 'in_proj_weight', outProj: 'out_proj', steps: 'num_steps' };
      inProjWeight = new Parameter(tensor([1, 2]));
      outProj = new Linear(2, 2);
      steps = zeros([], { dtype: 'int32' });
      forward(x: Tensor): Tensor { return x; }
    }
    class Sub extends Attn {}
    const net = new Sequential(new Sub());
    expect(net.namedParameters().map(([n]) => n)).toEqual(['0.in_proj_weight', '0.out_proj.weight', '0.out_proj.bias']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['0.num_steps']);
    expect(net.at(0).namedChildren().map(([n]) => n)).toEqual(['out_proj']);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', '0', '0.out_proj']);
    expect([...net.stateDict().keys()]).toEqual(['0.in_proj_weight', '0.num_steps', '0.out_proj.weight', '0.out_proj.bias']);
    expect(net.toString()).toContain('(out_proj): Linear(');
    const old = { '0.inProjWeight': tensor([5, 6]), '0.steps': tensor(3, { dtype: 'int32' }), '0.outProj.weight': zeros([2, 2]), '0.outProj.bias': ones([2]) };
    expect(net.loadStateDict(old).renamedKeys).toEqual([
      ['0.inProjWeight', '0.in_proj_weight'], ['0.steps', '0.num_steps'], ['0.outProj.weight', '0.out_proj.weight'], ['0.outProj.bias', '0.out_proj.bias'],
    ]);
    expect((net.at(0) as Sub).inProjWeight.toArray()).toEqual([5, 6]);
    expect((net.at(0) as Sub).outProj.bias!.toArray()).toEqual([1, 1]);
    expect((net.at(0) as Sub).steps.item()).toBe(3);
  });

  test('parameters, buffers and children are found in fields, arrays and Maps, with dotted names', () => {
    class Net extends Module {
      a = new Leaf();
      layers = [new Leaf(), [new Leaf()]];
      byName = new Map<string, AnyModule>([['x', new Leaf()]]);
      scale = new Parameter(ones([1]));
      stats = zeros([3]);
      note = 'not walked';
      opts = { hidden: new Leaf() }; // plain objects are not walked (PyTorch ignores dicts too)
      forward(x: Tensor): Tensor { return x; }
    }
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['scale', 'a.w', 'layers.0.w', 'layers.1.0.w', 'byName.x.w']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['stats']);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['a', 'layers.0', 'layers.1.0', 'byName.x']);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'a', 'layers.0', 'layers.1.0', 'byName.x']);
    expect([...net.stateDict().keys()]).toEqual(['scale', 'stats', 'a.w', 'layers.0.w', 'layers.1.0.w', 'byName.x.w']);
  });

  test('the walk reads the fields on every call: nothing goes stale', () => {
    const net = new Sequential(new Linear(2, 2));
    const leaf = new Leaf();
    expect(leaf.namedParameters().map(([n]) => n)).toEqual(['w']);
    (leaf as unknown as { extra: Parameter }).extra = new Parameter(zeros([1]));
    expect(leaf.namedParameters().map(([n]) => n)).toEqual(['w', 'extra']);
    net.append(new Linear(2, 1));
    expect(net.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    const lin = net.at(1) as Linear;
    lin.bias = null;
    expect(net.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight']);
  });

  test('#private fields are not walked', () => {
    class Cached extends Module {
      w = new Parameter(ones([1]));
      #scratch = zeros([5]);
      forward(x: Tensor): Tensor { return x.add(this.#scratch.sum()); }
    }
    expect([...new Cached().stateDict().keys()]).toEqual(['w']);
  });

  test('a shared parameter or module appears once in parameters and modules, under every name in the state dict', () => {
    class Tied extends Module {
      enc = new Linear(3, 3);
      dec = new Linear(3, 3);
      again: Linear;
      constructor() {
        super();
        this.dec.weight = this.enc.weight;
        this.again = this.enc;
      }
      forward(x: Tensor): Tensor { return x; }
    }
    const m = new Tied();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['enc.weight', 'enc.bias', 'dec.bias']);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'enc', 'dec']);
    expect(m.numParameters()).toBe(9 + 3 + 3);
    expect([...m.stateDict().keys()]).toEqual(['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias', 'again.weight', 'again.bias']);
  });

  test('cycles end the walk', () => {
    class Node extends Module {
      w = new Parameter(ones([1]));
      other: Node | null = null;
      forward(x: Tensor): Tensor { return x; }
    }
    const a = new Node();
    const b = new Node();
    a.other = b;
    b.other = a;
    expect(a.namedParameters().map(([n]) => n)).toEqual(['w', 'other.w']);
    expect([...a.stateDict().keys()]).toEqual(['w', 'other.w']);
    expect(a.toString()).toBe('Node(\n  (other): Node(\n    (other): Node(…)\n  )\n)');
  });
});

describe('parameters() carries the names for optimizers', () => {
  test('an array of the parameters with a non-enumerable namedParameters()', () => {
    const net = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
    const params = net.parameters();
    expect(Array.isArray(params)).toBe(true);
    expect(params.length).toBe(4);
    expect(Object.keys(params)).toEqual(['0', '1', '2', '3']);
    expect(params.namedParameters()).toEqual(net.namedParameters());
    expect(params.namedParameters().map(([, p]) => p)).toEqual([...params]);
    // Each call returns fresh pairs, so a caller cannot corrupt the list.
    params.namedParameters().pop();
    expect(params.namedParameters().length).toBe(4);
  });
});

describe('modes, gradients and conversions', () => {
  test('train() and eval() reach every descendant', () => {
    const net = new Sequential(new Linear(2, 2), new Sequential(new Dropout(), new BatchNorm1d(2)));
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
  });

  test('apply() visits children before their parent', () => {
    const net = new Sequential(new Linear(2, 2), new Sequential(new ReLU()));
    const seen: string[] = [];
    net.apply((m) => seen.push(m.constructor.name));
    expect(seen).toEqual(['Linear', 'ReLU', 'Sequential', 'Sequential']);
  });

  test('zeroGrad() clears gradients; requiresGrad_() freezes and unfreezes', () => {
    const net = new Sequential(new Linear(2, 2));
    net.forward(ones([1, 2])).sum().backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    net.requiresGrad_(false);
    expect(net.numParameters({ trainableOnly: true })).toBe(0);
    expect(net.numParameters()).toBe(6);
    net.requiresGrad_();
    expect(net.numParameters({ trainableOnly: true })).toBe(6);
  });

  test("to('float64') converts float parameters and buffers in place, keeps ties and int buffers", () => {
    const lin = new Linear(2, 2);
    const net = new Sequential(lin, new BatchNorm1d(2), new Linear(2, 2));
    (net.at(2) as Linear).weight = lin.weight;
    const before = lin.weight.toArray();
    net.forward(ones([3, 2])).sum().backward();
    expect(net.to('float64')).toBe(net);
    for (const [n, t] of net.stateDict()) expect(t.dtype, n).toBe(n === '1.num_batches_tracked' ? 'int32' : 'float64');
    expect(net.stateDict().get('1.num_batches_tracked')!.dtype).toBe('int32');
    expect(lin.weight).toBeInstanceOf(Parameter);
    expect(lin.weight.requiresGrad).toBe(true);
    expect(lin.weight.grad!.dtype).toBe('float64');
    expect(lin.weight.toArray()).toEqual(before);
    expect((net.at(2) as Linear).weight).toBe(lin.weight);
    expect(net.forward(ones([3, 2], { dtype: 'float64' })).dtype).toBe('float64');
    expect(() => net.to('int32')).toThrow(/Sequential\.to: expected 'float32' or 'float64', got int32/);
  });

  test('stateDict() holds detached views that share storage with the model', () => {
    const lin = new Linear(2, 1);
    const sd = lin.stateDict();
    expect(sd.get('weight')!.requiresGrad).toBe(false);
    expect(sd.get('weight')).not.toBe(lin.weight);
    expect(sd.get('weight')!.data).toBe(lin.weight.data);
  });
});

describe('toString', () => {
  test('nests like PyTorch, with the extra repr first', () => {
    class Block extends Module {
      fc = new Linear(4, 4, { bias: false });
      act = new ReLU();
      forward(x: Tensor): Tensor { return this.act.forward(this.fc.forward(x)); }
      override extraRepr(): string { return 'width=4'; }
    }
    expect(new Sequential(new Block(), new ReLU()).toString()).toBe(
      'Sequential(\n  (0): Block(\n    width=4\n    (fc): Linear(in_features=4, out_features=4, bias=false)\n    (act): ReLU()\n  )\n  (1): ReLU()\n)',
    );
    expect(new Sequential().toString()).toBe('Sequential()');
    expect(new Leaf().toString()).toBe('Leaf()');
  });

  test('uses tensor-free fields only through extraRepr', () => {
    const m = new Leaf();
    (m as unknown as { t: Tensor }).t = tensor([1]);
    expect(m.toString()).toBe('Leaf()');
  });
});
