// A strict JSON parser for untrusted headers. `JSON.parse` silently keeps the last of two equal keys and
// turns 1e999 into Infinity; this one reports both, with the position, and bounds the nesting depth.
// Objects come back as Maps: keys keep the text's order (an object would move "0" first) and a key such
// as "__proto__" is data, never a prototype.

/** A malformed document; the message says what and where (byte-free: character offsets into the text). */
export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
}

/** A parsed JSON value; an object is a `Map` from key to value, in the text's order. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

const MAX_DEPTH = 64;
/** The one-letter escapes, as a Map: no key can reach Object.prototype. */
const ESCAPES = new Map([['"', '"'], ['\\', '\\'], ['/', '/'], ['b', '\b'], ['f', '\f'], ['n', '\n'], ['r', '\r'], ['t', '\t']]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parses `text` as one JSON value (objects as Maps); duplicate keys, non-finite numbers and trailing text are errors. */
export function parseStrictJson(text: string): JsonValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at character ${pos}`);
  };
  const ws = (): void => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\n' || text[pos] === '\r' || text[pos] === '\t')) pos++;
  };
  const literal = (word: string, value: JsonValue): JsonValue => {
    if (text.startsWith(word, pos)) {
      pos += word.length;
      return value;
    }
    return fail(`unexpected ${JSON.stringify(text.slice(pos, pos + 8))}`);
  };
  const str = (): string => {
    pos++; // opening quote
    let out = '';
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text[pos]!;
      if (c === '"') {
        pos++;
        return out;
      }
      if (c < ' ') fail('control character in string');
      if (c !== '\\') {
        out += c;
        pos++;
        continue;
      }
      const e = text[pos + 1];
      const simple = e === undefined ? undefined : ESCAPES.get(e);
      if (simple !== undefined) {
        out += simple;
        pos += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
        out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
        pos += 6;
      } else fail('invalid escape in string');
    }
  };
  const num = (): number => {
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m === null) return fail(`unexpected ${JSON.stringify(text.slice(pos, pos + 8))}`);
    const v = Number(m[0]);
    if (!Number.isFinite(v)) fail(`the number ${m[0]} is not finite as a double`);
    pos += m[0].length;
    return v;
  };
  const value = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: JsonObject = new Map();
      ws();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail('expected a string key');
        const keyPos = pos;
        const key = str();
        if (obj.has(key)) {
          pos = keyPos;
          fail(`duplicate key ${JSON.stringify(key)}`);
        }
        ws();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        obj.set(key, value(depth + 1));
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return obj;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      const arr: JsonValue[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return arr;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    if (c === undefined) return fail('unexpected end of text');
    return num();
  };
  const result = value(0);
  ws();
  if (pos < text.length) fail('unexpected text after the JSON value');
  return result;
}
