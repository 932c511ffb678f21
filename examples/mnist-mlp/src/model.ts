import { Dropout, Linear, Module } from '@tensile/nn';
import { relu, type DType, type Generator, type Tensor } from '@tensile/tensor';

/** Options of `MLP`. */
export interface MLPOptions {
  inputs?: number;
  hidden?: number;
  classes?: number;
  /** Dropout on the hidden layer (0: none). */
  dropout?: number;
  dtype?: DType;
  /** Draws the initial weights (PyTorch's default init: U(±1/√fan_in)). */
  generator?: Generator;
  dropoutGenerator?: Generator;
}

/**
 * The 784-128-10 multilayer perceptron: Linear → ReLU → (Dropout) → Linear, logits out.
 * @example
 * const mlp = new MLP({ hidden: 128 });
 * mlp.forward(images.flatten(1)); // [N, 10]
 */
export class MLP extends Module {
  fc1: Linear;
  dropout: Dropout;
  fc2: Linear;

  constructor(opts: MLPOptions = {}) {
    super();
    const { inputs = 784, hidden = 128, classes = 10, dtype, generator } = opts;
    this.fc1 = new Linear(inputs, hidden, { dtype, generator });
    this.dropout = new Dropout(opts.dropout ?? 0, { generator: opts.dropoutGenerator });
    this.fc2 = new Linear(hidden, classes, { dtype, generator });
  }

  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.dropout.forward(relu(this.fc1.forward(x))));
  }
}
