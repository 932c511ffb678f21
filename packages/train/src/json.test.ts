import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson, jsonProblem } from './json.js';
import { crc32 } from './crc32.js';

describe('encodeJson / decodeJson', () => {
  it('keeps NaN, ±Infinity and −0, and every finite double bit for bit', () => {
    const values = [NaN, Infinity, -Infinity, -0, 0, 0.1 + 0.2, 5e-324, 1.7976931348623157e308, -1 / 3];
    const back = decodeJson(encodeJson({ values })) as { values: number[] };
    expect(back.values).toHaveLength(values.length);
    back.values.forEach((v, i) => expect(Object.is(v, values[i])).toBe(true));
    expect(encodeJson([NaN, -0])).toBe('[{"$float":"NaN"},{"$float":"-0"}]');
  });

  it('leaves other objects alone, even ones with a $float key among others', () => {
    expect(decodeJson('{"$float":"NaN","x":1}')).toEqual({ $float: 'NaN', x: 1 });
    expect(decodeJson('{"$float":"nope"}')).toEqual({ $float: 'nope' });
  });

  it('jsonProblem names the path of what JSON cannot hold', () => {
    expect(jsonProblem({ a: [1, { b: 'x' }], c: null }, 'extra')).toBeNull();
    expect(jsonProblem({ a: { f: () => 1 } }, 'extra')).toBe('extra.a.f is a function, which JSON cannot hold');
    expect(jsonProblem({ m: new Map() }, 'extra')).toMatch(/^extra\.m is a Map, not plain JSON/);
    expect(jsonProblem([1, undefined], 'x')).toBe('x[1] is undefined, which JSON cannot hold');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(jsonProblem(cyclic, 'extra')).toBe('extra.self refers back to itself');
  });
});

describe('crc32', () => {
  it('gives the standard check value and continues across pieces', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(crc32(bytes)).toBe(0xcbf43926); // the CRC-32/ISO-HDLC check value
    expect(crc32(bytes.subarray(4), crc32(bytes.subarray(0, 4)))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
