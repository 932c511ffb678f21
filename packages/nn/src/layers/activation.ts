import { elu, leakyRelu, logSoftmax, relu, sigmoid, softmax, tanh, type Tensor } from '@tensile/tensor';
import { gelu, softplus, type GeluOptions, type SoftplusOptions } from '../functional.js';
import { Module } from '../module.js';
import { pyFloat } from '../repr.js';
import { checkInput, checkLayerOptions } from './common.js';

/** max(x, 0). @example new ReLU().forward(tensor([-1, 2])) // [0, 2] */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    checkInput('ReLU', x);
    return relu(x);
  }
}

/** x for x > 0, negativeSlope·x otherwise (default 0.01). @example new LeakyReLU(0.2) */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkInput('LeakyReLU', x);
    return leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/** x for x > 0, α(eˣ − 1) otherwise (default α = 1). @example new ELU(0.5) */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    checkInput('ELU', x);
    return elu(x, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/** x·Φ(x), exact by default or with the tanh approximation. @example new GELU({ approximate: 'tanh' }) */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(opts: GeluOptions = {}) {
    super();
    checkLayerOptions('GELU', opts, ['approximate']);
    this.approximate = opts.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new RangeError(`GELU: approximate must be 'none' or 'tanh', got ${JSON.stringify(this.approximate)}`);
    }
  }

  forward(x: Tensor): Tensor {
    checkInput('GELU', x);
    return gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** 1/(1 + e⁻ˣ). @example new Sigmoid().forward(logits) */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    checkInput('Sigmoid', x);
    return sigmoid(x);
  }
}

/** tanh x. @example new Tanh().forward(x) */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    checkInput('Tanh', x);
    return tanh(x);
  }
}

/** (1/β)·log(1 + e^(βx)), linear above βx > threshold (defaults β = 1, threshold 20). @example new Softplus({ beta: 2 }) */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(opts: SoftplusOptions = {}) {
    super();
    checkLayerOptions('Softplus', opts, ['beta', 'threshold']);
    this.beta = opts.beta ?? 1;
    this.threshold = opts.threshold ?? 20;
  }

  forward(x: Tensor): Tensor {
    checkInput('Softplus', x);
    return softplus(x, { beta: this.beta, threshold: this.threshold });
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** eˣ/Σeˣ along `dim`. @example new Softmax(1).forward(logits) */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
    if (!Number.isInteger(dim)) throw new TypeError(`Softmax: dim must be an integer, got ${String(dim)}`);
  }

  forward(x: Tensor): Tensor {
    checkInput(`Softmax(dim=${this.dim})`, x);
    return softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** x − log Σeˣ along `dim`, computed stably. @example new LogSoftmax(1).forward(logits) */
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
    if (!Number.isInteger(dim)) throw new TypeError(`LogSoftmax: dim must be an integer, got ${String(dim)}`);
  }

  forward(x: Tensor): Tensor {
    checkInput(`LogSoftmax(dim=${this.dim})`, x);
    return logSoftmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
