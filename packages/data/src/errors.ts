/** What is wrong with an IDX file (see `IdxFormatError`). */
export type IdxProblem = 'truncated' | 'bad-magic' | 'unknown-type' | 'size-mismatch';

/**
 * A file that is not valid IDX: it ends early (`truncated`), does not start with `00 00 TT NN`
 * (`bad-magic`), names an element type IDX does not define (`unknown-type`), or holds more data than its
 * header's dimensions say (`size-mismatch`). `problem` says which, so callers need not parse the message.
 */
export class IdxFormatError extends Error {
  override name = 'IdxFormatError';
  readonly problem: IdxProblem;

  constructor(problem: IdxProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}

/** A dataset's files are not where a loader looked; the message says where it looked and how to get them. */
export class DatasetNotFoundError extends Error {
  override name = 'DatasetNotFoundError';
}
