// JSON for the non-tensor part of a checkpoint and for metrics files, exact for every double: JSON has no
// NaN, ±Infinity or −0, so they are written as {"$float": "NaN" | "Infinity" | "-Infinity" | "-0"} and
// read back as the numbers. Everything else is plain JSON (finite doubles round-trip exactly).

/** A value that survives `encodeJson` / `decodeJson`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

function special(v: number): string | null {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return null;
}

/**
 * Why `value` cannot be stored as JSON (a function, a class instance, a cycle, a bigint, undefined in an
 * array), with its path (`extra.config.lr`); null when it can.
 */
export function jsonProblem(value: unknown, path: string, seen: Set<object> = new Set()): string | null {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return null;
  if (typeof value !== 'object') return `${path} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, which JSON cannot hold`;
  if (seen.has(value)) return `${path} refers back to itself`;
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    return `${path} is a ${(value as object).constructor?.name ?? 'class instance'}, not plain JSON (numbers, strings, booleans, null, arrays and plain objects)`;
  }
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const p = jsonProblem(value[i], `${path}[${i}]`, seen);
        if (p) return p;
      }
    } else {
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue; // dropped, as JSON.stringify does
        const p = jsonProblem(v, `${path}.${k}`, seen);
        if (p) return p;
      }
    }
  } finally {
    seen.delete(value);
  }
  return null;
}

/** JSON text of `value`, with NaN, ±Infinity and −0 kept (see the file comment). */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number') {
      const s = special(v);
      if (s !== null) return { $float: s };
    }
    return v;
  });
}

/** Parses `encodeJson`'s output (or plain JSON). Throws a SyntaxError on malformed text. */
export function decodeJson(text: string): JsonValue {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const s = (v as { $float?: unknown }).$float;
      if (keys.length === 1 && typeof s === 'string' && s in SPECIAL) return SPECIAL[s];
    }
    return v;
  }) as JsonValue;
}
