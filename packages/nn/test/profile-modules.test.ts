// The profiler sees module calls: a forward event per module call with its path, ops filed under the module
// they ran in, backward nodes under the module whose forward recorded them, and a per-module table.
import { describe, expect, test } from 'vitest';
import { isWatching, profile } from '@tensile/tensor';
import { asTensor, fixture, loadedNet, weightedSum } from './debug-model.js';

describe('profile with modules', () => {
  test('module events nest their ops; backward nodes carry the module path; rows group by module', () => {
    const net = loadedNet();
    const prof = profile(() => weightedSum(net.forward(asTensor(fixture.input, true))).backward());
    const modules = prof.events.filter((e) => e.kind === 'module');
    // Every called module once (the ModuleList is never called), outermost last (it ends last).
    expect(modules.map((e) => e.module).sort()).toEqual(
      net.namedModules().map(([n]) => n).filter((n) => n !== 'encoder.layers').sort(),
    );
    expect(modules.find((e) => e.module === 'encoder.layers.1.fc2')).toMatchObject({ name: 'Linear', moduleClass: 'Linear', pass: 'forward' });
    const root = modules.find((e) => e.module === '')!;
    expect(root.depth).toBe(0);
    expect(modules.find((e) => e.module === 'encoder.layers.0.fc1')!.depth).toBe(3); // Net → Encoder → Block → Linear
    const mm = prof.events.filter((e) => e.kind === 'op' && e.name === 'addmm' && e.pass === 'forward'); // Linear with a bias: one addmm
    expect(mm.map((e) => e.module).sort()).toEqual(['encoder.layers.0.fc1', 'encoder.layers.0.fc2', 'encoder.layers.1.fc1', 'encoder.layers.1.fc2', 'head', 'proj']);
    expect(prof.events.find((e) => e.name === 'conv2dBackward' || e.name === 'conv2dWeightGradBackward')?.module ?? 'conv').toBe('conv');
    const back = prof.events.filter((e) => e.kind === 'backward' && e.module === 'encoder.layers.1.fc2');
    expect(back.map((e) => e.name)).toEqual(expect.arrayContaining(['addmmBackward']));
    const rows = prof.rows({ groupBy: 'module' });
    const fc2 = rows.filter((r) => r.name === 'encoder.layers.1.fc2 (Linear)');
    expect(fc2.map((r) => r.pass).sort()).toEqual(['backward', 'forward']);
    expect(rows.find((r) => r.name === '(model) (Net)' && r.pass === 'forward')!.calls).toBe(1);
    expect(prof.table({ groupBy: 'module' }).split('\n')[1]).toMatch(/^Module\s+Kind/);
    const trace = prof.toChromeTrace();
    expect(trace.traceEvents.find((e) => e.cat === 'module' && e.name === 'encoder.layers.1.fc2: Linear')).toBeDefined();
    expect(isWatching()).toBe(false);
  });
});
