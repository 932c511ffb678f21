// The harness's own test category: one case per outcome the harness must recognise, including the ones that
// take a worker down (an endless loop, a promise that never settles, a stray exception, process.exit). Each
// name starts with the kind it must be classified as; test/harness.test.ts checks that it is, and that the
// cases after each casualty still ran.
import { category, err, ok } from '../harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Short limits: these hangs are on purpose. */
const SHORT = 1_000;

export default category('harness self-test', [
  { name: 'error: a typed error matching class and message', run: () => { throw new RangeError('f: x must be 1, got 2'); }, expect: err(RangeError, /^f:/, /got 2/) },
  { name: 'error: one of several accepted classes', run: () => { throw new TypeError('f: x must be a number'); }, expect: err([RangeError, TypeError], /f:/) },
  { name: 'right: the right answer', run: () => 1 + 1, expect: ok((v: number) => (v === 2 ? null : `got ${v}`)) },
  { name: 'right: an async answer', run: async () => (await sleep(5), 7), async: true, expect: ok((v: number) => (v === 7 ? null : `got ${v}`)) },
  { name: 'wrong: a value where an error is due', run: () => 1, expect: err(RangeError, /x/) },
  { name: 'wrong: a wrong value', run: () => 3, expect: ok((v: number) => (v === 2 ? null : `got ${v}`)) },
  { name: 'wrong: an un-awaited promise where an error is due', run: async () => { throw new RangeError('f: late'); }, expect: err(RangeError, /f/) },
  {
    name: 'wrong: a failed call that changed the state',
    setup: () => ({ n: 0 }),
    run: (s: { n: number }) => {
      s.n = 1;
      throw new RangeError('f: refused');
    },
    unchanged: (s: { n: number }) => s.n,
    expect: err(RangeError, /refused/),
  },
  { name: 'raw: Cannot read properties of undefined', run: () => (undefined as unknown as { x: { y: number } }).x.y, expect: err(TypeError, /x/) },
  { name: 'raw: Invalid typed array length', run: () => new Float32Array(-1), expect: err(RangeError, /length/) },
  { name: "raw: JSON.parse's bare SyntaxError", run: () => JSON.parse('{'), expect: err(SyntaxError, /JSON/) },
  { name: 'raw: a bare TypeError without a "where:" prefix', run: () => { throw new TypeError('bad thing happened'); }, expect: err(TypeError, /bad/) },
  { name: 'unexpected: another error class', run: () => { throw new TypeError('f: bad'); }, expect: err(RangeError, /f/) },
  { name: 'unexpected: another message', run: () => { throw new RangeError('f: bad'); }, expect: err(RangeError, /good/) },
  { name: 'unexpected: an error where an answer is due', run: () => { throw new RangeError('f: no'); }, expect: ok(() => null) },
  { name: 'unexpected: setup throws', setup: () => { throw new RangeError('setup: broken'); }, run: () => 1, expect: ok(() => null) },
  { name: 'hang: an endless loop', run: () => { for (;;); }, timeoutMs: SHORT, expect: ok(() => null) },
  { name: 'right: the case after a hang runs in a fresh worker', run: () => 'alive', expect: ok((v: string) => (v === 'alive' ? null : v)) },
  { name: 'hang: a promise that never settles', run: () => new Promise(() => undefined), async: true, timeoutMs: SHORT, expect: ok(() => null) },
  {
    name: 'unexpected: a stray exception kills the worker mid-case',
    run: async () => {
      setTimeout(() => {
        throw new RangeError('f: thrown from a timer');
      }, 0);
      await sleep(200);
      return 1;
    },
    async: true,
    expect: ok(() => null),
  },
  { name: 'unexpected: process.exit inside a case', run: () => process.exit(3), expect: ok(() => null) },
  { name: 'right: the last case still runs', run: () => 'end', expect: ok((v: string) => (v === 'end' ? null : v)) },
]);
