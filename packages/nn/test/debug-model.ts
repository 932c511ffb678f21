// The `Net` of tools/fixtures/make_debug_fixtures.py, field for field, and the fixture's loader.
import { arange, relu, tensor, type Tensor } from '@tensile/tensor';
import { Conv2d, Flatten, Linear, MaxPool2d, Module, ModuleList, ReLU } from '../src/index.js';
import { loadJson } from './helpers.js';

export class Block extends Module {
  fc1 = new Linear(6, 8);
  act = new ReLU();
  fc2 = new Linear(8, 6);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x))).add(x);
  }
}

export class Encoder extends Module {
  layers = new ModuleList([new Block(), new Block()]);
  forward(x: Tensor): Tensor {
    for (const l of this.layers) x = (l as Block).forward(x);
    return x;
  }
}

export class Net extends Module {
  conv = new Conv2d(1, 4, 3);
  pool = new MaxPool2d(2);
  flatten = new Flatten();
  proj = new Linear(36, 6);
  encoder = new Encoder();
  head = new Linear(6, 3);
  constructor() {
    super();
    this.head.bias!.requiresGrad = false;
  }
  forward(x: Tensor): Tensor {
    return this.head.forward(this.encoder.forward(this.proj.forward(this.flatten.forward(this.pool.forward(relu(this.conv.forward(x)))))));
  }
}

export interface Flat {
  shape: number[];
  values: number[];
}

export interface CaseResult {
  output: number[];
  xGrad?: number[];
  projWeightGrad: number[];
  headWeightGrad?: number[];
  seen: Record<string, unknown>;
}

export interface SummaryFixtureRow {
  path: string;
  class: string;
  outputShape: number[] | null;
  params: number;
  trainable: number;
  depth: number;
  recursive: boolean;
  subtreeParams: number;
  subtreeTrainable: number;
}

export interface SummaryCase {
  inputShape: number[];
  rows: SummaryFixtureRow[];
  /** Modules PyTorch's forward never called and torchinfo does not list. */
  notCalled: string[];
  total: number;
  trainable: number;
}

export interface SummaryFixture {
  inputShape: number[];
  rows: SummaryFixtureRow[];
  total: number;
  trainable: number;
  paramBytes: number;
  gradBytes: number;
  adamStateBytes: number;
}

export interface DebugFixture {
  state: Record<string, Flat>;
  input: Flat;
  forwardOrder: string[];
  backwardOrder: string[];
  cases: Record<string, CaseResult>;
  summary: SummaryFixture;
  summaryCases: { twice: SummaryCase; sequence: SummaryCase };
}

export const fixture = loadJson<DebugFixture>('debug.json');

export const asTensor = (f: Flat, requiresGrad = false): Tensor =>
  tensor(new Float64Array(f.values), { shape: f.shape, requiresGrad });

/** A float64 Net holding PyTorch's weights. */
export function loadedNet(): Net {
  const net = new Net().to('float64');
  net.loadStateDict(new Map(Object.entries(fixture.state).map(([k, v]) => [k, asTensor(v)])));
  return net;
}

/** The loss the fixture differentiates: (y · [1, 2, 3]).sum(). */
export const weightedSum = (y: Tensor): Tensor => y.mul(arange(1, 4, 1, { dtype: 'float64' })).sum();
