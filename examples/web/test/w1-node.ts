// Run by the browser test in a child Node process: the W1 workload of src/w1.ts, printed as JSON.
// Usage: node --import tsx test/w1-node.ts <steps> [threads]   (threads: the default when left out)
import { setNumThreads } from '@tensile/tensor';
import { w1 } from '../src/w1.js';

if (process.argv[3] !== undefined) setNumThreads(Number(process.argv[3]));
console.log(JSON.stringify(w1(Number(process.argv[2] ?? 200))));
