/** A checkpoint that does not fit: wrong optimizer, unknown or missing names, shapes that differ. Nothing was loaded. */
export class StateDictError extends Error {
  override name = 'StateDictError';
}

/** A parameter list an optimizer cannot use: duplicate names, a tensor under two names, a non-leaf tensor. */
export class ParameterError extends Error {
  override name = 'ParameterError';
}
