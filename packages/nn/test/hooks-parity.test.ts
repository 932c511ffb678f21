// Module and tensor hooks against PyTorch 1.13 (tools/fixtures/make_debug_fixtures.py): the order in which
// they are called, removal, what they see, and where a returned value replaces an input, an output or a
// gradient. The model is the fixture's Net with PyTorch's float64 weights.
import { describe, expect, test } from 'vitest';
import { Tensor } from '@tensile/tensor';
import {
  registerModuleForwardHook, registerModuleForwardPreHook, registerModuleFullBackwardHook, type AnyModule,
} from '../src/index.js';
import { expectAllClose } from './helpers.js';
import { Block, asTensor, fixture, loadedNet, weightedSum, type Net } from './debug-model.js';

const tol = { rtol: 1e-10, atol: 1e-12 };
/** Compares flattened values (the fixture stores flat lists). */
function close(actual: Tensor | null, expected: number[], label: string): void {
  expectAllClose(actual === null ? null : actual.reshape([-1]), expected, { ...tol, label });
}
const flat = (t: Tensor | null): number[] | null => (t === null ? null : Array.from(t.toTypedArray() as Float64Array));

function pathsOf(net: Net): Map<AnyModule, string> {
  return new Map(net.namedModules().map(([n, m]) => [m, n]));
}

describe('hooks: call order as PyTorch 1.13', () => {
  test('forward: global pre-hooks, the module’s own pre-hooks, forward, global hooks, its own hooks; a removed hook is not called', () => {
    const net = loadedNet();
    const names = pathsOf(net);
    const order: string[] = [];
    const handles = [
      registerModuleForwardPreHook((m) => void order.push(`global-pre:${names.get(m)}`)),
      registerModuleForwardHook((m) => void order.push(`global-fwd:${names.get(m)}`)),
    ];
    for (const [n, m] of net.namedModules()) {
      handles.push(m.registerForwardPreHook(() => void order.push(`pre:${n}`)));
      handles.push(m.registerForwardHook(() => void order.push(`fwd:${n}`)));
    }
    net.head.registerForwardHook(() => void order.push('removed')).remove();
    net.forward(asTensor(fixture.input));
    for (const h of handles) h.remove();
    expect(order).toEqual(fixture.forwardOrder);
    // Removed global hooks are gone too.
    order.length = 0;
    net.forward(asTensor(fixture.input));
    expect(order).toEqual([]);
  });

  test('backward: full backward hooks fire from the output back to the input, global ones first', () => {
    const net = loadedNet();
    const names = pathsOf(net);
    const order: string[] = [];
    const g = registerModuleFullBackwardHook((m) => void order.push(`global:${names.get(m)}`));
    for (const [n, m] of net.namedModules()) m.registerFullBackwardHook(() => void order.push(n));
    net.forward(asTensor(fixture.input, true)).sum().backward();
    g.remove();
    expect(order).toEqual(fixture.backwardOrder);
  });
});

function run(net: Net, x: Tensor): { y: Tensor; xGrad: Tensor | null } {
  const y = net.forward(x);
  weightedSum(y).backward();
  return { y, xGrad: x.grad };
}

function expectCase(name: string, net: Net, y: Tensor, xGrad: Tensor | null): void {
  const want = fixture.cases[name]!;
  close(y, want.output, `${name}: output`);
  if (want.xGrad !== undefined) close(xGrad, want.xGrad, `${name}: x.grad`);
  close(net.proj.weight.grad, want.projWeightGrad, `${name}: proj.weight.grad`);
  if (want.headWeightGrad !== undefined) close(net.head.weight.grad, want.headWeightGrad, `${name}: head.weight.grad`);
}

describe('hooks: returned values replace inputs, outputs and gradients as in PyTorch', () => {
  test('without hooks the model matches PyTorch (the baseline of the cases below)', () => {
    const net = loadedNet();
    const { y, xGrad } = run(net, asTensor(fixture.input, true));
    expectCase('plain', net, y, xGrad);
    expect(net.head.bias!.grad).toBeNull(); // frozen
  });

  test('a forward pre-hook returning one tensor replaces the single input', () => {
    const net = loadedNet();
    net.head.registerForwardPreHook((_m, [x]) => (x as Tensor).mul(2));
    const { y, xGrad } = run(net, asTensor(fixture.input, true));
    expectCase('preReplaces', net, y, xGrad);
  });

  test('a forward hook’s return value replaces the output', () => {
    const net = loadedNet();
    net.encoder.layers.at(0).fc2.registerForwardHook((_m, _i, out) => (out as Tensor).add(1));
    const { y, xGrad } = run(net, asTensor(fixture.input, true));
    expectCase('fwdReplaces', net, y, xGrad);
  });

  test('a full backward hook sees gradInput and gradOutput; its return value replaces gradInput', () => {
    const net = loadedNet();
    const seen: Record<string, (number[] | null)[]> = {};
    (net.encoder.layers.at(1) as Block).registerFullBackwardHook((_m, gi, go) => {
      seen['block1GradInput'] = gi.map(flat);
      seen['block1GradOutput'] = go.map(flat);
      return gi.map((g) => (g === null ? null : g.mul(3)));
    });
    net.head.registerFullBackwardHook((_m, gi, go) => {
      seen['headGradInput'] = gi.map(flat);
      seen['headGradOutput'] = go.map(flat);
    });
    const { y, xGrad } = run(net, asTensor(fixture.input, true));
    expectCase('bwdSeesAndReplaces', net, y, xGrad);
    const want = fixture.cases['bwdSeesAndReplaces']!.seen as Record<string, number[][]>;
    for (const key of ['block1GradInput', 'block1GradOutput', 'headGradInput', 'headGradOutput']) {
      expect(seen[key]!.length, key).toBe(want[key]!.length);
      seen[key]!.forEach((g, i) => expectAllClose(new Tensor(new Float64Array(g!), [g!.length]), want[key]![i]!, { ...tol, label: `${key}[${i}]` }));
    }
  });

  test('a full backward hook on a module whose input needs no gradient sees null for it', () => {
    const net = loadedNet();
    const seen: Record<string, unknown> = {};
    net.conv.registerFullBackwardHook((_m, gi, go) => {
      seen['convGradInput'] = gi.map(flat);
      seen['convGradOutputSum'] = go[0]!.sum().item();
    });
    const x = asTensor(fixture.input);
    const { y } = run(net, x);
    const want = fixture.cases['convNoInputGrad']!;
    close(y, want.output, 'output');
    close(net.proj.weight.grad, want.projWeightGrad, 'proj.weight.grad');
    expect(seen['convGradInput']).toEqual(want.seen['convGradInput']);
    expect(seen['convGradOutputSum']).toBeCloseTo(want.seen['convGradOutputSum'] as number, 10);
    // Returning gradients there is an error, as in PyTorch.
    const net2 = loadedNet();
    net2.conv.registerFullBackwardHook((_m, gi) => gi.map(() => net2.conv.weight));
    expect(() => weightedSum(net2.forward(asTensor(fixture.input))).backward()).toThrow(/no input requires gradient should always return nothing/);
  });

  test('tensor hooks run in registration order, replace the gradient, and reach a leaf before .grad', () => {
    const net = loadedNet();
    const x = asTensor(fixture.input, true);
    const calls: string[] = [];
    x.registerHook((g) => (calls.push('x1'), g.mul(2)));
    x.registerHook((g) => (calls.push('x2'), g.add(1)));
    x.registerHook(() => void calls.push('removed')).remove();
    net.proj.weight.registerHook((g) => (calls.push('w'), g.neg()));
    net.encoder.layers.at(0).fc1.registerForwardHook((_m, _i, o) => void (o as Tensor).registerHook((g) => (calls.push('mid'), g.mul(0.5))));
    const { y, xGrad } = run(net, x);
    expectCase('tensorHooks', net, y, xGrad);
    expect(calls).toEqual((fixture.cases['tensorHooks']!.seen as { calls: string[] }).calls);
  });
});

describe('hooks: errors', () => {
  test('a tensor that needs no gradient takes no hook; hooks must be functions; a hook may not change the shape', () => {
    const net = loadedNet();
    expect(() => asTensor(fixture.input).registerHook((g) => g)).toThrow(/cannot register a hook on a tensor that doesn't require gradient/);
    expect(() => net.registerForwardHook(3 as never)).toThrow(/Net\.registerForwardHook: expected a function, got number/);
    const x = asTensor(fixture.input, true);
    x.registerHook((g) => g.sum());
    expect(() => weightedSum(net.forward(x)).backward()).toThrow(/a hook changed the gradient's shape from \[2, 1, 8, 8\] to \[\]/);
  });

  test('a full backward hook returning the wrong number of gradients is refused', () => {
    const net = loadedNet();
    net.head.registerFullBackwardHook(() => []);
    expect(() => weightedSum(net.forward(asTensor(fixture.input, true))).backward()).toThrow(/returned an invalid number of grad_input, got 0, but expected 1/);
  });

  test('removing a handle twice is harmless, and super.forward calls open no second module call', () => {
    const net = loadedNet();
    const h = net.registerForwardHook(() => undefined);
    h.remove();
    h.remove();
    class Twice extends Block {
      override forward(x: Tensor): Tensor {
        return super.forward(x);
      }
    }
    const t = new Twice().to('float64');
    let n = 0;
    t.registerForwardHook(() => void n++);
    t.forward(asTensor({ shape: [1, 6], values: [1, 2, 3, 4, 5, 6] }));
    expect(n).toBe(1);
  });
});
