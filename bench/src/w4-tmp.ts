import { setNumThreads, getBackend } from '@tensile/tensor';
import { leNet, tensileTrainStep } from './models.js';
setNumThreads(1);
console.log(getBackend().name);
const step = tensileTrainStep(leNet(), 64, [1, 28, 28]);
for (let i = 0; i < 20; i++) step();
const t0 = performance.now(); let n = 0;
while (performance.now() - t0 < 3000) { step(); n++; }
console.log(((performance.now() - t0) / n).toFixed(1), 'ms/step');
