// The harness itself: every outcome kind is recognised, hangs and dying workers fail only their own case,
// and the cases after them still run.
import { describe, expect, it } from 'vitest';
import { classify, diff, formatReport, isRawEngineError, runCategory, tally } from '../src/harness.js';
import selfTest from '../src/self-test/harness-cases.js';

describe('the harness', () => {
  it('classifies each self-test case as its name says, in worker threads under the watchdog', async () => {
    const report = await runCategory('self-test/harness-cases');
    expect(report.names).toEqual(selfTest.cases.map((c) => c.name));
    const kinds = report.outcomes.map((o) => o.kind);
    expect(kinds).toEqual(selfTest.cases.map((c) => c.name.split(':')[0]));
    const detail = (prefix: string) => report.outcomes[report.names.findIndex((n) => n.startsWith(prefix))]!.detail;
    expect(detail('hang: an endless loop')).toMatch(/did not finish within 1 s/);
    expect(detail('wrong: a failed call')).toMatch(/changed the state: value: 0 became 1/);
    expect(detail('unexpected: a stray exception')).toMatch(/the worker died: RangeError: f: thrown from a timer/);
    expect(detail('unexpected: process.exit')).toMatch(/exited with code 3/);
    expect(tally(report)).toEqual({ error: 2, right: 4, wrong: 4, hang: 2, raw: 4, unexpected: 6 });
  }, 60_000);

  it('prints a table with a row per category, a total and the failures', () => {
    const report = { file: 'x', title: 'demo', names: ['a', 'b', 'c'], outcomes: [{ kind: 'error', detail: 'ok' }, { kind: 'right', detail: 'ok' }, { kind: 'raw', detail: 'boom' }] } as const;
    const text = formatReport([report]);
    expect(text).toMatch(/demo\s+3\s+1\s+1\s+0\s+0\s+1\s+0/);
    expect(text).toMatch(/total\s+3\s+1\s+1\s+0\s+0\s+1\s+0/);
    expect(text).toMatch(/\[RAW\] demo › c: boom/);
    expect(text).not.toMatch(/› a:/);
  });

  it('tells engine errors from ours', () => {
    expect(isRawEngineError(new TypeError("Cannot read properties of undefined (reading 'length')"))).toBe(true);
    expect(isRawEngineError(new RangeError('Invalid typed array length: -3'))).toBe(true);
    expect(isRawEngineError(new TypeError('g.normal is not a function'))).toBe(true);
    expect(isRawEngineError(new SyntaxError('Unexpected end of JSON input'))).toBe(true);
    expect(isRawEngineError('a string')).toBe(true);
    expect(isRawEngineError(new RangeError('zeros: sizes must be non-negative integers, got shape [-1]'))).toBe(false);
    expect(isRawEngineError(new TypeError('loadStateDict(Linear): expected a Map, got null'))).toBe(false);
    class ShapeError extends Error {}
    expect(isRawEngineError(new ShapeError('a shape without a prefix'))).toBe(false);
  });

  it('a value where an error is due is a silent wrong answer; a matching error is clear', () => {
    expect(classify({ error: RangeError, message: /f/ }, { threw: false, value: 3 }).kind).toBe('wrong');
    expect(classify({ error: RangeError, message: /f/ }, { threw: true, error: new RangeError('f: no') }).kind).toBe('error');
    expect(classify({ error: RangeError, message: [/f/, /yes/] }, { threw: true, error: new RangeError('f: no') }).kind).toBe('unexpected');
    expect(classify({ check: () => null }, { threw: false, value: 3 }).kind).toBe('right');
  });

  it('compares snapshots with NaN equal to NaN', () => {
    expect(diff({ a: [1, NaN] }, { a: [1, NaN] })).toBeNull();
    expect(diff({ a: [1, 2] }, { a: [1, 3] })).toBe('a[1]: 2 became 3');
    expect(diff([1], [1, 2])).toBe('value: length 1 became 2');
  });
});
