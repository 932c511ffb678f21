// The hostile-input suite under vitest: one describe per category, one test per case. Each category runs in
// worker threads under the harness's watchdog (see src/harness.ts); the table of outcomes per category is
// printed at the end, and a case fails its test unless it gave a clear error or the right answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILURE_KINDS, formatReport, listCases, runCategory, tally, type CategoryReport } from '../src/harness.js';

/** The case modules in src/cases/, in report order. */
const ALL = ['tensor-ops', 'autograd', 'state-dicts', 'optimizers', 'safetensors', 'data', 'command-line'];
/** `HOSTILE_ONLY=tensor-ops,data npx vitest run` runs some categories; `HOSTILE_VERBOSE=1` lists every outcome. */
const only = process.env.HOSTILE_ONLY?.split(',').map((s) => s.trim());
const FILES = only ? ALL.filter((f) => only.includes(f)) : ALL;

const lists = await Promise.all(FILES.map((f) => listCases(`cases/${f}`)));
const reports: CategoryReport[] = [];

afterAll(() => {
  if (reports.length > 0) console.log(formatReport(reports, process.env.HOSTILE_VERBOSE === '1'));
});

FILES.forEach((file, k) => {
  const { title, names } = lists[k]!;
  describe(title, () => {
    let report: CategoryReport;
    beforeAll(async () => {
      report = await runCategory(`cases/${file}`);
      reports.push(report);
      const t = tally(report);
      console.log(
        `${title}: ${report.outcomes.length} inputs tried, ${t.error} clear errors, ${t.right} right answers; ` +
          `${t.wrong} wrong, ${t.hang} hangs, ${t.raw} raw engine errors, ${t.unexpected} unexpected`,
      );
    });

    names.forEach((name, i) => {
      it(name, () => {
        const o = report.outcomes[i];
        expect(o, 'the case never reported').toBeDefined();
        if (FAILURE_KINDS.includes(o!.kind)) {
          // The outcome is the whole story: no stack or code frame of this file under it.
          const e = new Error(`${o!.kind.toUpperCase()}: ${o!.detail}`);
          e.stack = e.message;
          throw e;
        }
      });
    });
  });
});
