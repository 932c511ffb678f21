import { describe, expect, it } from 'vitest';
import { Linear, saveSafetensors } from '@tensile/nn';
import { SGD } from '@tensile/optim';
import { Generator, manualSeed, randn, tensor, type Tensor } from '@tensile/tensor';
import { CheckpointError } from './errors.js';
import { checkpointFromBytes, checkpointToBytes, CHECKPOINT_FORMAT } from './serialize.js';
import { captureState, restoreState, type TrainingState } from './state.js';

function smallState(): { state: TrainingState; model: Linear; opt: SGD } {
  manualSeed(4);
  const model = new Linear(3, 2, { generator: new Generator(1) });
  const opt = new SGD(model, { lr: 0.1, momentum: 0.9 });
  model.forward(randn([4, 3])).sum().backward();
  opt.step();
  return { state: captureState({ model, optimizer: opt, step: 1, extra: { config: { lr: 0.1, note: 'ünïcode ✓' }, worst: NaN } }), model, opt };
}

const values = (t: Tensor) => Array.from(t.toTypedArray() as ArrayLike<number>);

function readError(bytes: Uint8Array, source?: string): CheckpointError {
  try {
    checkpointFromBytes(bytes, source);
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return e as CheckpointError;
  }
  throw new Error('checkpointFromBytes did not throw');
}

describe('the checkpoint file', () => {
  it('round-trips every part exactly', () => {
    const { state } = smallState();
    const back = checkpointFromBytes(checkpointToBytes(state));
    expect([...back.tensors.keys()]).toEqual(['model.weight', 'model.bias', 'optimizer.weight.buffer', 'optimizer.bias.buffer']);
    for (const [k, t] of state.tensors) {
      expect(back.tensors.get(k)!.dtype).toBe(t.dtype);
      expect(values(back.tensors.get(k)!)).toEqual(values(t));
    }
    expect(back.optimizer).toEqual(state.optimizer);
    expect(back.generators).toEqual(state.generators);
    expect(back.loaders).toEqual({});
    expect(back.extra.config).toEqual({ lr: 0.1, note: 'ünïcode ✓' });
    expect(Number.isNaN(back.extra.worst)).toBe(true);
    expect([back.version, back.step, back.epoch]).toEqual([2, 1, 0]);
    // Writing what was read gives the same bytes: the format has one way to write a state.
    expect(checkpointToBytes(back)).toEqual(checkpointToBytes(state));
  });

  it('is a safetensors file any reader opens, with the documented metadata', () => {
    const { state } = smallState();
    const bytes = checkpointToBytes(state);
    const headerLen = new DataView(bytes.buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
    const meta = header.__metadata__ as Record<string, string>;
    expect(Object.keys(meta)).toEqual(['format', 'version', 'step', 'epoch', 'optimizer', 'loaders', 'generators', 'extra', 'checksum']);
    expect(meta.format).toBe(CHECKPOINT_FORMAT);
    expect(meta.version).toBe('2');
    expect(meta.checksum).toMatch(/^[0-9a-f]{8}$/);
    expect(JSON.parse(meta.optimizer!).state.weight).toEqual({ buffer: { tensor: 'optimizer.weight.buffer' } });
    expect(header['model.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
  });

  it('rejects a flipped bit anywhere, a torn file, a foreign file and a newer version, naming the source', () => {
    const { state } = smallState();
    const bytes = checkpointToBytes(state);
    const headerLen = new DataView(bytes.buffer).getUint32(0, true);
    // A bit in the tensor data, one in a metadata digit, one in the last byte.
    for (const at of [8 + headerLen + 5, bytes.length - 1]) {
      const bad = bytes.slice();
      bad[at]! ^= 0x10;
      const err = readError(bad, 'run.safetensors');
      expect(err.part).toBe('file');
      expect(err.message).toMatch(/^run\.safetensors is corrupt: its CRC-32 is [0-9a-f]{8} but the file says [0-9a-f]{8} \(a torn copy or changed bytes\)$/);
    }
    const text = new TextDecoder().decode(bytes);
    const stepAt = text.indexOf('"step":"1"') + 8;
    const meta = bytes.slice();
    meta[stepAt] = '7'.charCodeAt(0);
    expect(readError(meta).message).toMatch(/^the checkpoint is corrupt/);

    const torn = readError(bytes.subarray(0, bytes.length - 10), 'run.safetensors');
    expect(torn.part).toBe('file');
    expect(torn.message).toMatch(/^run\.safetensors is not a valid safetensors file: loadSafetensors: /);

    const weights = saveSafetensors(new Map([['w', tensor([1, 2])]]));
    const foreign = readError(weights, 'model.safetensors');
    expect(foreign.part).toBe('format');
    expect(foreign.message).toMatch(/^model\.safetensors is not a training checkpoint \(its metadata "format" is null, expected "tensile-training-checkpoint"\)/);

    const newer = checkpointToBytes({ ...state, version: 3 });
    expect(readError(newer, 'x').message).toBe('x has format version 3, written by a newer @tensile/train; this one reads versions 1 to 2');
  });

  it('a file that fails to read changes nothing, and one that reads restores into a fresh model exactly', () => {
    const { state, model } = smallState();
    const bytes = checkpointToBytes(state);
    const other = new Linear(3, 2, { generator: new Generator(9) });
    const before = values(other.weight);
    const bad = bytes.slice();
    bad[bad.length - 3]! ^= 1;
    expect(() => restoreState(checkpointFromBytes(bad), { model: other, optimizer: new SGD(other, { lr: 0.1, momentum: 0.9 }) })).toThrow(CheckpointError);
    expect(values(other.weight)).toEqual(before);
    const opt = new SGD(other, { lr: 0.1, momentum: 0.9 });
    restoreState(checkpointFromBytes(bytes), { model: other, optimizer: opt });
    expect(values(other.weight)).toEqual(values(model.weight));
    expect(opt.stepCount).toBe(1);
    expect(values(opt.state.get('weight')!.buffer as Tensor)).toEqual(values(state.tensors.get('optimizer.weight.buffer')!));
  });
});
