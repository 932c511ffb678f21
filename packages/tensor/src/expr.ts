// Elementwise expressions: a per-element update written once, as a few assignments over named arrays and
// scalars, which a backend runs in one pass over memory. This file parses and checks the expression and
// gives it a canonical form (names replaced by their positions), so a backend can recognise an expression it
// has a hand-written kernel for without knowing what it is for. Running it is the backend's job
// (backend/js/expr.ts compiles it to one JS loop).

/** A node of an expression. */
export type ExprNode =
  | { readonly t: 'num'; readonly value: number }
  | { readonly t: 'array'; readonly index: number }
  | { readonly t: 'scalar'; readonly index: number }
  | { readonly t: 'local'; readonly index: number }
  | { readonly t: 'neg'; readonly x: ExprNode }
  | { readonly t: 'bin'; readonly op: '+' | '-' | '*' | '/'; readonly a: ExprNode; readonly b: ExprNode }
  | { readonly t: 'call'; readonly fn: ExprFunction; readonly args: readonly ExprNode[] };

/**
 * The functions an expression may call. `max`/`min` propagate NaN (as `maximum`/`minimum`), `sign` keeps
 * ±0 and NaN (as `sign`).
 */
export type ExprFunction = 'sqrt' | 'abs' | 'sign' | 'exp' | 'log' | 'max' | 'min';
const ARITY: Readonly<Record<ExprFunction, number>> = { sqrt: 1, abs: 1, sign: 1, exp: 1, log: 1, max: 2, min: 2 };

/** One statement: a local (a value kept in a register) or a written array's new value gets `value`. */
export type ExprStatement = { readonly target: { readonly t: 'array' | 'local'; readonly index: number }; readonly value: ExprNode };

/** What `defineElementwise` takes. */
export interface ElementwiseSpec {
  /** For messages (`elementwise_(name)`) and the version counter's "last written by". */
  readonly name: string;
  /** Arrays updated in place, in this order. The first is the one the NaN guard checks. */
  readonly write: readonly string[];
  /** Arrays only read. */
  readonly read?: readonly string[];
  /** Per-call numbers. */
  readonly scalars?: readonly string[];
  /**
   * Assignments separated by `;` or new lines: `name = expression`. Reading an array gives its element
   * (or the value assigned to it above); assigning to a written array sets its new value, stored once at
   * the end of the element's statements; any other assigned name is a local. Expressions have numbers,
   * `+ - * /`, unary minus, parentheses and `sqrt abs sign exp log max min`. Evaluation order is exactly as
   * written (`a + b + c` is `(a + b) + c`), so an expression can reproduce a sequence of tensor ops.
   */
  readonly body: string;
}

/** A checked, parsed elementwise expression (`defineElementwise`). Backends cache what they build from it. */
export interface ElementwiseKernel {
  readonly name: string;
  readonly write: readonly string[];
  readonly read: readonly string[];
  readonly scalars: readonly string[];
  readonly body: string;
  /** Arrays are numbered write first, then read. */
  readonly statements: readonly ExprStatement[];
  readonly locals: number;
  /** The statements with every name replaced by its kind and position: equal for equal computations. */
  readonly canonical: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses and checks an elementwise update. Every problem (an unknown name, a read array assigned to, a
 * written array never assigned, a syntax error) is a `SyntaxError` or `TypeError` naming it.
 * @example
 * const momentum = defineElementwise({
 *   name: 'momentum', write: ['param', 'buf'], read: ['grad'], scalars: ['mu', 'lr'],
 *   body: 'buf = buf * mu + grad; param = param - buf * lr',
 * });
 * noGrad(() => elementwise_(momentum, { param: w, buf, grad: w.grad! }, { mu: 0.9, lr: 0.1 }));
 */
export function defineElementwise(spec: ElementwiseSpec): ElementwiseKernel {
  if (typeof spec !== 'object' || spec === null) throw new TypeError('defineElementwise: expected { name, write, read?, scalars?, body }');
  const { name, write, read = [], scalars = [], body } = spec;
  if (typeof name !== 'string' || name === '') throw new TypeError(`defineElementwise: name must be a non-empty string, got ${String(name)}`);
  const who = `defineElementwise(${name})`;
  for (const [label, list] of [['write', write], ['read', read], ['scalars', scalars]] as const) {
    if (!Array.isArray(list)) throw new TypeError(`${who}: ${label} must be an array of names`);
    for (const n of list) if (typeof n !== 'string' || !IDENT.test(n) || n in ARITY) throw new TypeError(`${who}: ${label} has the invalid name ${JSON.stringify(n)}`);
  }
  if (write.length === 0) throw new TypeError(`${who}: write must name at least one array`);
  const all = [...write, ...read, ...scalars];
  const dup = all.find((n, i) => all.indexOf(n) !== i);
  if (dup !== undefined) throw new TypeError(`${who}: the name "${dup}" is declared twice`);
  if (typeof body !== 'string') throw new TypeError(`${who}: body must be a string`);

  const arrays = [...write, ...read];
  const locals: string[] = [];
  const assigned = new Set<string>();
  const statements: ExprStatement[] = [];
  for (const raw of body.split(/[;\n]/)) {
    const text = raw.trim();
    if (text === '') continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)$/s.exec(text);
    if (m === null) throw new SyntaxError(`${who}: expected "name = expression", got "${text}"`);
    const [, target, rhs] = m as unknown as [string, string, string];
    const value = new Parser(who, rhs, (id) => {
      const a = arrays.indexOf(id);
      if (a >= 0) return { t: 'array', index: a };
      const s = scalars.indexOf(id);
      if (s >= 0) return { t: 'scalar', index: s };
      const l = locals.indexOf(id);
      if (l >= 0) return { t: 'local', index: l };
      throw new TypeError(`${who}: "${id}" is not a declared array or scalar, nor a local assigned above (in "${text}")`);
    }).parse();
    let t: ExprStatement['target'];
    if (read.includes(target)) throw new TypeError(`${who}: "${target}" is read-only (listed in read); list it in write to update it`);
    if (scalars.includes(target)) throw new TypeError(`${who}: "${target}" is a scalar and cannot be assigned`);
    if (target in ARITY) throw new TypeError(`${who}: "${target}" is a function name`);
    if (write.includes(target)) t = { t: 'array', index: write.indexOf(target) };
    else {
      if (!locals.includes(target)) locals.push(target);
      t = { t: 'local', index: locals.indexOf(target) };
    }
    assigned.add(target);
    statements.push({ target: t, value });
  }
  const unassigned = write.filter((n) => !assigned.has(n));
  if (unassigned.length > 0) throw new TypeError(`${who}: ${unassigned.map((n) => `"${n}"`).join(', ')} listed in write but never assigned`);
  const canonical = `w${write.length} r${read.length} s${scalars.length}: ${statements.map((s) => `${s.target.t[0]}${s.target.index}=${exprText(s.value)}`).join('; ')}`;
  return Object.freeze({
    name, write: [...write], read: [...read], scalars: [...scalars], body, statements, locals: locals.length, canonical,
  });
}

/**
 * An expression tree as text, each name by its kind and position (`a0`, `s1`, `l2`): the canonical form's
 * statements, and valid JS source for the JS backend's loop. Negative constants (-0 included, which `String`
 * would print as 0) are parenthesised, so the text is the same computation and never reads as `--`.
 */
export function exprText(n: ExprNode): string {
  switch (n.t) {
    case 'num': return n.value < 0 || Object.is(n.value, -0) ? `(${Object.is(n.value, -0) ? '-0' : String(n.value)})` : String(n.value);
    case 'array': return `a${n.index}`;
    case 'scalar': return `s${n.index}`;
    case 'local': return `l${n.index}`;
    case 'neg': return `(-${exprText(n.x)})`;
    case 'bin': return `(${exprText(n.a)}${n.op}${exprText(n.b)})`;
    case 'call': return `${n.fn}(${n.args.map(exprText).join(',')})`;
  }
}

/** A recursive-descent parser of one right-hand side; left-associative `+ -` and `* /`, unary minus. */
class Parser {
  private readonly tokens: string[];
  private at = 0;

  constructor(private readonly who: string, private readonly text: string, private readonly resolve: (id: string) => ExprNode) {
    const tokens = text.match(/\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\S))/g) ?? [];
    this.tokens = tokens.map((t) => t.trim());
    for (const t of this.tokens) if (!/^(?:[\d.][\d.eE+-]*|[A-Za-z_]\w*|[-+*/(),])$/.test(t)) this.fail(`unexpected "${t}"`);
  }

  parse(): ExprNode {
    if (this.tokens.length === 0) this.fail('empty expression');
    const e = this.sum();
    if (this.at < this.tokens.length) this.fail(`unexpected "${this.tokens[this.at]}"`);
    return e;
  }

  private fail(what: string): never {
    throw new SyntaxError(`${this.who}: ${what} in "${this.text.trim()}"`);
  }

  private peek(): string | undefined {
    return this.tokens[this.at];
  }

  private sum(): ExprNode {
    let a = this.product();
    for (let op = this.peek(); op === '+' || op === '-'; op = this.peek()) {
      this.at++;
      a = { t: 'bin', op, a, b: this.product() };
    }
    return a;
  }

  private product(): ExprNode {
    let a = this.unary();
    for (let op = this.peek(); op === '*' || op === '/'; op = this.peek()) {
      this.at++;
      a = { t: 'bin', op, a, b: this.unary() };
    }
    return a;
  }

  private unary(): ExprNode {
    if (this.peek() === '-') {
      this.at++;
      return { t: 'neg', x: this.unary() };
    }
    return this.primary();
  }

  private primary(): ExprNode {
    const tok = this.tokens[this.at++];
    if (tok === undefined) this.fail('the expression ends too early');
    if (tok === '(') {
      const e = this.sum();
      if (this.tokens[this.at++] !== ')') this.fail('missing ")"');
      return e;
    }
    if (/^[\d.]/.test(tok)) {
      const value = Number(tok);
      if (!Number.isFinite(value)) this.fail(`bad number "${tok}"`);
      return { t: 'num', value };
    }
    if (!/^[A-Za-z_]/.test(tok)) this.fail(`unexpected "${tok}"`);
    if (this.peek() !== '(') return this.resolve(tok);
    if (!Object.hasOwn(ARITY, tok)) this.fail(`unknown function "${tok}" (known: ${Object.keys(ARITY).join(', ')})`);
    const fn = tok as ExprFunction;
    this.at++;
    const args: ExprNode[] = [];
    if (this.peek() !== ')') {
      args.push(this.sum());
      while (this.peek() === ',') {
        this.at++;
        args.push(this.sum());
      }
    }
    if (this.tokens[this.at++] !== ')') this.fail(`missing ")" after the arguments of ${fn}`);
    if (args.length !== ARITY[fn]) this.fail(`${fn} takes ${ARITY[fn]} argument${ARITY[fn] === 1 ? '' : 's'}, got ${args.length}`);
    return { t: 'call', fn, args };
  }
}
