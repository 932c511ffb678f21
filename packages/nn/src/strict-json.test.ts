import { describe, expect, test } from 'vitest';
import { JsonSyntaxError, parseStrictJson } from './strict-json.js';

describe('parseStrictJson', () => {
  test('parses what JSON.parse parses, objects as Maps in the order of the text', () => {
    const asMaps = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(asMaps) : v !== null && typeof v === 'object' ? new Map(Object.entries(v).map(([k, x]) => [k, asMaps(x)])) : v;
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e3, 0.125, true, false, null, "x\\n\\u00e9\\"\\\\\\/"]} ', '"s"', '0', '-0', '1E+2']) {
      expect(parseStrictJson(text)).toEqual(asMaps(JSON.parse(text)));
    }
    // An object would list the integer-like key first; the Map keeps the text's order.
    expect([...(parseStrictJson('{"b": 1, "0": 2, "a": {"1": 3}}') as Map<string, unknown>).keys()]).toEqual(['b', '0', 'a']);
  });

  test('rejects what JSON.parse silently accepts or bends', () => {
    expect(() => parseStrictJson('{"a": 1, "a": 2}')).toThrow(/duplicate key "a" at character 9/);
    expect(() => parseStrictJson('[1e400]')).toThrow(/the number 1e400 is not finite as a double/);
    expect(() => parseStrictJson('{"__proto__": 1}')).not.toThrow();
    expect([...(parseStrictJson('{"__proto__": 1, "constructor": {"prototype": 2}}') as Map<string, unknown>).keys()]).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).prototype).toBeUndefined();
  });

  test('rejects malformed text with the position', () => {
    const bad: [string, RegExp][] = [
      ['', /unexpected end of text at character 0/],
      ['{', /expected a string key at character 1/],
      ['{"a" 1}', /expected ':' at character 5/],
      ['[1 2]', /expected ',' or '\]' at character 3/],
      ['[01]', /expected ',' or '\]' at character 2/],
      ['["a\u0001"]', /control character in string/],
      ['["\\x"]', /invalid escape in string/],
      ['"abc', /unterminated string/],
      ['tru', /unexpected "tru"/],
      ['{} x', /unexpected text after the JSON value at character 3/],
      ['[' .repeat(70) + ']'.repeat(70), /nesting deeper than 64/],
    ];
    for (const [text, message] of bad) {
      expect(() => parseStrictJson(text), text).toThrow(JsonSyntaxError);
      expect(() => parseStrictJson(text), text).toThrow(message);
    }
  });
});
