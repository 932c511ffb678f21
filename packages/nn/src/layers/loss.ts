// Losses as modules (PyTorch's nn.*Loss): options fixed at construction, forward(input, target).
// Class and element weights are fields, so they are buffers and travel with the state dict, as in PyTorch.
import { describeValue, type Tensor } from '@tensile/tensor';
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, huberLoss, klDiv, l1Loss, mseLoss, nllLoss, smoothL1Loss,
  type BinaryCrossEntropyOptions, type BinaryCrossEntropyWithLogitsOptions, type CrossEntropyOptions, type HuberLossOptions,
  type KlDivOptions, type NllLossOptions, type Reduction, type ReductionOptions, type SmoothL1LossOptions,
} from '../losses.js';
import { checkLossOptions } from '../loss-options.js';
import { Module } from '../module.js';

function checkReduction(where: string, r: unknown, allowed: readonly string[]): void {
  if (r !== undefined && !allowed.includes(r as string)) {
    throw new RangeError(`${where}: reduction must be ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(r)}`);
  }
}

/**
 * The base of the loss modules: `forward(input, target)` returns the loss. The options are checked at
 * construction: `reduction` and the subclass's `known` keys, nothing else.
 */
export abstract class Loss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: Reduction;

  constructor(opts: ReductionOptions = {}, known: readonly string[] = []) {
    super();
    checkLossOptions(new.target.name, opts, known);
    checkReduction(new.target.name, opts.reduction, ['mean', 'sum', 'none']);
    this.reduction = opts.reduction ?? 'mean';
  }
}

/** `crossEntropy` as a module. @example new CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(logits, labels) */
export class CrossEntropyLoss extends Loss {
  weight: Tensor | null;
  readonly ignoreIndex: number | undefined;
  readonly labelSmoothing: number;

  constructor(opts: CrossEntropyOptions = {}) {
    super(opts, ['weight', 'ignoreIndex', 'labelSmoothing']);
    this.weight = opts.weight ?? null;
    this.ignoreIndex = opts.ignoreIndex;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/** `nllLoss` as a module. @example new NLLLoss().forward(logSoftmax(logits, 1), labels) */
export class NLLLoss extends Loss {
  weight: Tensor | null;
  readonly ignoreIndex: number;

  constructor(opts: NllLossOptions = {}) {
    super(opts, ['weight', 'ignoreIndex']);
    this.weight = opts.weight ?? null;
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** `mseLoss` as a module. @example new MSELoss().forward(pred, target) */
export class MSELoss extends Loss {
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/** `l1Loss` as a module. @example new L1Loss({ reduction: 'sum' }).forward(pred, target) */
export class L1Loss extends Loss {
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/** `huberLoss` as a module. @example new HuberLoss({ delta: 0.5 }).forward(pred, target) */
export class HuberLoss extends Loss {
  readonly delta: number;

  constructor(opts: HuberLossOptions = {}) {
    super(opts, ['delta']);
    this.delta = opts.delta ?? 1;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/** `smoothL1Loss` as a module. @example new SmoothL1Loss({ beta: 0.5 }).forward(pred, target) */
export class SmoothL1Loss extends Loss {
  readonly beta: number;

  constructor(opts: SmoothL1LossOptions = {}) {
    super(opts, ['beta']);
    this.beta = opts.beta ?? 1;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** `binaryCrossEntropy` as a module. @example new BCELoss().forward(sigmoid(logits), labels) */
export class BCELoss extends Loss {
  weight: Tensor | null;

  constructor(opts: BinaryCrossEntropyOptions = {}) {
    super(opts, ['weight']);
    this.weight = opts.weight ?? null;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** `binaryCrossEntropyWithLogits` as a module. @example new BCEWithLogitsLoss({ posWeight }).forward(logits, labels) */
export class BCEWithLogitsLoss extends Loss {
  /** PyTorch's state-dict name for the `posWeight` buffer. */
  static override readonly stateNames = { posWeight: 'pos_weight' };

  weight: Tensor | null;
  posWeight: Tensor | null;

  constructor(opts: BinaryCrossEntropyWithLogitsOptions = {}) {
    super(opts, ['weight', 'posWeight']);
    this.weight = opts.weight ?? null;
    this.posWeight = opts.posWeight ?? null;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}

/** `klDiv` as a module. @example new KLDivLoss({ reduction: 'batchmean' }).forward(logProbs, probs) */
export class KLDivLoss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: Reduction | 'batchmean';
  readonly logTarget: boolean;

  constructor(opts: KlDivOptions = {}) {
    super();
    checkLossOptions('KLDivLoss', opts, ['logTarget']);
    checkReduction('KLDivLoss', opts.reduction, ['mean', 'sum', 'none', 'batchmean']);
    this.reduction = opts.reduction ?? 'mean';
    this.logTarget = opts.logTarget ?? false;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}
