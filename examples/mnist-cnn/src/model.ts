import { BatchNorm2d, Conv2d, Dropout, Flatten, Identity, Linear, MaxPool2d, Module } from '@tensile/nn';
import { relu, type DType, type Generator, type Tensor } from '@tensile/tensor';

/** Options of `CNN`. */
export interface CNNOptions {
  /** Batch normalisation after each convolution (then the convolutions need no bias). */
  batchNorm?: boolean;
  /** Dropout before each fully connected layer (0: none). */
  dropout?: number;
  classes?: number;
  dtype?: DType;
  /** Draws the initial weights (PyTorch's default init). */
  generator?: Generator;
  dropoutGenerator?: Generator;
}

/**
 * A LeNet-style CNN for 28×28 images: two blocks of 5×5 convolution (padding 2) → (BatchNorm) → ReLU →
 * 2×2 max-pool, taking 1×28×28 to 16×14×14 to 32×7×7, then Linear(1568, 128) → ReLU → Linear(128, 10),
 * with (Dropout) before each Linear.
 * @example
 * const cnn = new CNN({ batchNorm: true, dropout: 0.25 });
 * cnn.forward(images); // [N, 1, 28, 28] → [N, 10]
 */
export class CNN extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d | Identity;
  conv2: Conv2d;
  bn2: BatchNorm2d | Identity;
  pool = new MaxPool2d(2);
  flatten = new Flatten();
  dropout: Dropout;
  fc1: Linear;
  fc2: Linear;

  constructor(opts: CNNOptions = {}) {
    super();
    const { batchNorm = false, classes = 10, dtype, generator } = opts;
    this.conv1 = new Conv2d(1, 16, 5, { padding: 2, bias: !batchNorm, dtype, generator });
    this.bn1 = batchNorm ? new BatchNorm2d(16, { dtype }) : new Identity();
    this.conv2 = new Conv2d(16, 32, 5, { padding: 2, bias: !batchNorm, dtype, generator });
    this.bn2 = batchNorm ? new BatchNorm2d(32, { dtype }) : new Identity();
    this.dropout = new Dropout(opts.dropout ?? 0, { generator: opts.dropoutGenerator });
    this.fc1 = new Linear(32 * 7 * 7, 128, { dtype, generator });
    this.fc2 = new Linear(128, classes, { dtype, generator });
  }

  forward(x: Tensor): Tensor {
    x = this.pool.forward(relu(this.bn1.forward(this.conv1.forward(x))));
    x = this.pool.forward(relu(this.bn2.forward(this.conv2.forward(x))));
    x = relu(this.fc1.forward(this.dropout.forward(this.flatten.forward(x))));
    return this.fc2.forward(this.dropout.forward(x));
  }
}
