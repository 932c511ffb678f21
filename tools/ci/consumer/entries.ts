// Type-checks every public entry point of the packed packages (the `/node` ones included), so a declaration that
// only breaks when imported is caught too. Compiled, never run.
import * as tensor from '@tensile/tensor';
import * as tensorNode from '@tensile/tensor/node';
import * as nn from '@tensile/nn';
import * as nnNode from '@tensile/nn/node';
import * as optim from '@tensile/optim';
import * as data from '@tensile/data';
import * as dataNode from '@tensile/data/node';
import * as train from '@tensile/train';
import * as trainNode from '@tensile/train/node';

export const entries = [tensor, tensorNode, nn, nnNode, optim, data, dataNode, train, trainNode];
// Types re-exported through namespaces must stay types: `F.Conv2dOptions` once compiled to a value.
export const convOptions: nn.F.Conv2dOptions = { stride: 1, padding: 'same' };
export const generatorState: tensor.GeneratorState = new tensor.Generator(0).getState();
