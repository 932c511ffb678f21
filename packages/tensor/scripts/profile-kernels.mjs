// Where a training step's time goes, per backend kernel: runs forward + backward of an MLP (784-128-10,
// batch 64) and of LeNet-5 (batch 64) with every kernel of the chosen backend wrapped in a timer.
// A quick guide for kernel work (which method to move to wasm next), not a benchmark. Needs `pnpm build`.
//   node scripts/profile-kernels.mjs [--backends js,wasm] [--steps 20]
import {
  add, conv2d, getBackend, grad, listBackends, logSoftmax, manualSeed, matmul, maxPool2d, mean, mul, oneHot, randint, randn,
  relu, reshape, setBackend, sum, t,
} from '../dist/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const backends = opt('backends', listBackends().join(',')).split(',');
const steps = Number(opt('steps', '20'));

function param(shape, fanIn) {
  const p = mul(randn(shape), Math.sqrt(2 / fanIn));
  p.requiresGrad = true;
  return p;
}
const linear = (x, w, b) => add(matmul(x, t(w)), b);
const crossEntropy = (logits, y) => mul(mean(sum(mul(logSoftmax(logits, -1), oneHot(y, 10)), -1)), -1);

manualSeed(0);
const mlp = { w1: param([128, 784], 784), b1: param([128], 784), w2: param([10, 128], 128), b2: param([10], 128) };
const lenet = {
  c1: param([6, 1, 5, 5], 25), cb1: param([6], 25), c2: param([16, 6, 5, 5], 150), cb2: param([16], 150),
  f1: param([120, 256], 256), fb1: param([120], 256), f2: param([84, 120], 120), fb2: param([84], 120), f3: param([10, 84], 84), fb3: param([10], 84),
};
const xMlp = randn([64, 784]);
const xImg = randn([64, 1, 28, 28]);
const y = randint(0, 10, [64], { dtype: 'int32' });

const models = {
  'MLP 784-128-10 b64': () => {
    const h = relu(linear(xMlp, mlp.w1, mlp.b1));
    const loss = crossEntropy(linear(h, mlp.w2, mlp.b2), y);
    return grad(loss, Object.values(mlp));
  },
  'LeNet-5 b64': () => {
    let h = maxPool2d(relu(conv2d(xImg, lenet.c1, lenet.cb1)), 2);
    h = maxPool2d(relu(conv2d(h, lenet.c2, lenet.cb2)), 2);
    h = reshape(h, [64, 256]);
    h = relu(linear(h, lenet.f1, lenet.fb1));
    h = relu(linear(h, lenet.f2, lenet.fb2));
    return grad(crossEntropy(linear(h, lenet.f3, lenet.fb3), y), Object.values(lenet));
  },
};

for (const [model, step] of Object.entries(models)) {
  for (const name of backends) {
    setBackend(name);
    const base = getBackend();
    const spent = new Map();
    const timed = { ...base, name: `${name}-timed` };
    for (const [key, fn] of Object.entries(base)) {
      if (typeof fn !== 'function') continue;
      timed[key] = (...a) => {
        const t0 = performance.now();
        const r = fn(...a);
        spent.set(key, (spent.get(key) ?? 0) + performance.now() - t0);
        return r;
      };
    }
    for (let i = 0; i < 5; i++) step();
    setBackend(timed);
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    const total = (performance.now() - t0) / steps;
    const kernels = [...spent].sort((p, q) => q[1] - p[1]).map(([k, ms]) => `${k} ${(ms / steps).toFixed(2)}`);
    const inKernels = [...spent.values()].reduce((s, v) => s + v, 0) / steps;
    console.log(`${model} [${name}]: ${total.toFixed(2)} ms/step (fwd+bwd), kernels ${inKernels.toFixed(2)} ms: ${kernels.join(', ')}`);
    setBackend(name);
  }
}
