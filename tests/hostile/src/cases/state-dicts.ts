// Module.loadStateDict with checkpoints that do not fit. Every problem is reported in one StateDictError
// (or a TypeError for something that is not a state dict at all) and the model is left exactly as it was.
import { DTypeError, ShapeError, Tensor, Generator, ones, tensor, zeros } from '@tensile/tensor';
import { BatchNorm1d, Linear, Sequential, ReLU, StateDictError } from '@tensile/nn';
import { category, err, ok } from '../harness.js';
import { bad, snapModel, valuesProblem } from '../checks.js';


/** Linear(3, 2): weight [2, 3], bias [2], seeded. */
const model = () => new Linear(3, 2, { generator: new Generator(7) });
/** A checkpoint for `model()`: weight 1…6, bias [10, 20]. */
const good = () => ({ weight: tensor([[1, 2, 3], [4, 5, 6]]), bias: tensor([10, 20]) });
const net = () => new Sequential(new Linear(3, 4, { generator: new Generator(1) }), new ReLU(), new Linear(4, 2, { generator: new Generator(2) }));

type M = Linear;
const same = (m: M) => snapModel(m);

export default category('state dicts', [
  { name: 'a missing key', setup: model, run: (m: M) => m.loadStateDict({ weight: good().weight }), unchanged: same, expect: err(StateDictError, /loadStateDict/, /missing "bias"/, /Nothing was loaded/) },
  { name: 'an unexpected key', setup: model, run: (m: M) => m.loadStateDict({ ...good(), scale: ones([2]) }), unchanged: same, expect: err(StateDictError, /unexpected "scale"/) },
  { name: 'a mis-shaped weight', setup: model, run: (m: M) => m.loadStateDict({ ...good(), weight: ones([3, 2]) }), unchanged: same, expect: err(StateDictError, /"weight"/, /\[3, 2\]/, /\[2, 3\]/) },
  { name: 'a float64 weight for a float32 model', setup: model, run: (m: M) => m.loadStateDict({ ...good(), weight: ones([2, 3], { dtype: 'float64' }) }), unchanged: same, expect: err(StateDictError, /"weight"/, /float64/, /float32/) },
  { name: 'an int32 bias', setup: model, run: (m: M) => m.loadStateDict({ ...good(), bias: tensor([1, 2], { dtype: 'int32' }) }), unchanged: same, expect: err(StateDictError, /"bias"/, /int32/) },
  { name: 'a plain array for a value', setup: model, run: (m: M) => m.loadStateDict({ ...good(), bias: bad([1, 2]) }), unchanged: same, expect: err(StateDictError, /"bias"/, /array/, /not a Tensor/) },
  { name: 'null for a value', setup: model, run: (m: M) => m.loadStateDict({ ...good(), bias: bad(null) }), unchanged: same, expect: err(StateDictError, /"bias"/, /null/) },
  { name: 'a Float32Array for a value', setup: model, run: (m: M) => m.loadStateDict({ ...good(), bias: bad(new Float32Array(2)) }), unchanged: same, expect: err(StateDictError, /"bias"/, /Float32Array/) },
  {
    name: 'every problem in one error: missing, unexpected and mis-shaped',
    setup: model,
    run: (m: M) => m.loadStateDict({ weight: ones([1, 3]), b: ones([2]) }),
    unchanged: same,
    expect: err(StateDictError, /missing "bias"/, /unexpected "b"/, /\[1, 3\]/),
  },
  { name: 'a tensor whose buffer does not cover its shape', setup: model, run: (m: M) => m.loadStateDict({ ...good(), weight: new Tensor(new Float32Array(2), [2, 3]) }), unchanged: same, expect: err([StateDictError, ShapeError, RangeError], /\[2, 3\]/) },
  { name: 'a checkpoint that is null', setup: model, run: (m: M) => m.loadStateDict(bad(null)), unchanged: same, expect: err(TypeError, /loadStateDict/, /null/) },
  { name: 'a checkpoint that is a Tensor', setup: model, run: (m: M) => m.loadStateDict(bad(ones([2]))), unchanged: same, expect: err(TypeError, /loadStateDict/, /\b[Tt]ensor\b/) },
  { name: 'a checkpoint that is an array of pairs', setup: model, run: (m: M) => m.loadStateDict(bad(Object.entries(good()))), unchanged: same, expect: err(TypeError, /loadStateDict/, /array/) },
  { name: 'a checkpoint with a key "constructor"', setup: model, run: (m: M) => m.loadStateDict({ ...good(), constructor: ones([1]) }), unchanged: same, expect: err(StateDictError, /unexpected "constructor"/) },
  { name: 'loadStateDict with a misspelt option strcit', setup: model, run: (m: M) => m.loadStateDict(good(), bad({ strcit: false })), unchanged: same, expect: err(TypeError, /loadStateDict/, /unknown option "strcit"/, /strict/) },
  { name: "loadStateDict with strict: 'no'", setup: model, run: (m: M) => m.loadStateDict(good(), bad({ strict: 'no' })), unchanged: same, expect: err(TypeError, /loadStateDict/, /strict/) },
  {
    name: 'strict: false loads what fits and lists the rest',
    setup: model,
    run: (m: M) => ({ result: m.loadStateDict({ weight: good().weight, extra: ones([1]) }, { strict: false }), weight: Array.from(m.weight.toTypedArray()) }),
    expect: ok(({ result, weight }: { result: { missingKeys: string[]; unexpectedKeys: string[]; renamedKeys: [string, string][] }; weight: number[] }) =>
      JSON.stringify(result) !== JSON.stringify({ missingKeys: ['bias'], unexpectedKeys: ['extra'], renamedKeys: [] }) ? `returned ${JSON.stringify(result)}` : valuesProblem(weight, [1, 2, 3, 4, 5, 6])),
  },
  { name: 'strict: false still refuses a mis-shaped key, as PyTorch', setup: model, run: (m: M) => m.loadStateDict({ weight: ones([3, 2]) }, { strict: false }), unchanged: same, expect: err(StateDictError, /"weight"/, /\[3, 2\]/) },
  {
    name: 'a transposed (non-contiguous) tensor loads by value',
    setup: model,
    run: (m: M) => (m.loadStateDict({ weight: tensor([[1, 4], [2, 5], [3, 6]]).t(), bias: tensor([10, 20]) }), Array.from(m.weight.toTypedArray())),
    expect: ok((w: number[]) => valuesProblem(w, [1, 2, 3, 4, 5, 6])),
  },
  {
    name: 'NaN values load as they are, as PyTorch',
    setup: model,
    run: (m: M) => (m.loadStateDict({ weight: zeros([2, 3]).add(NaN), bias: tensor([1, 2]) }), Array.from(m.weight.toTypedArray())),
    expect: ok((w: number[]) => valuesProblem(w, [NaN, NaN, NaN, NaN, NaN, NaN])),
  },
  {
    name: 'a Map with a number key',
    setup: model,
    run: (m: M) => m.loadStateDict(bad(new Map<unknown, Tensor>([['weight', good().weight], ['bias', good().bias], [0, ones([1])]]))),
    unchanged: same,
    expect: err([StateDictError, TypeError], /0/),
  },
  {
    name: 'a nested model: a wrong shape deep inside changes no layer',
    setup: net,
    run: (m: Sequential) => {
      const sd = m.stateDict();
      sd.set('0.weight', ones([4, 3]));
      sd.set('2.weight', ones([2, 5]));
      return m.loadStateDict(sd);
    },
    unchanged: (m: Sequential) => snapModel(m),
    expect: err(StateDictError, /"2\.weight"/, /\[2, 5\]/, /\[2, 4\]/),
  },
  {
    name: 'a batch-norm buffer of the wrong dtype',
    setup: () => new BatchNorm1d(2),
    run: (m: BatchNorm1d) => {
      const sd = new Map(m.stateDict());
      const key = [...sd.keys()].find((k) => /num_?batches_?tracked/i.test(k))!;
      sd.set(key, ones([], { dtype: 'float32' }));
      sd.set([...sd.keys()].find((k) => /running_?mean/i.test(k))!, ones([2]).mul(5));
      return m.loadStateDict(sd);
    },
    unchanged: (m: BatchNorm1d) => snapModel(m),
    expect: err([StateDictError, DTypeError], /batches/i, /float32/),
  },
  {
    name: 'loading a model’s own state dict changes nothing',
    setup: model,
    run: (m: M) => {
      const before = snapModel(m);
      m.loadStateDict(m.stateDict());
      return JSON.stringify(before) === JSON.stringify(snapModel(m));
    },
    expect: ok((same: boolean) => (same ? null : 'the weights changed')),
  },
]);
