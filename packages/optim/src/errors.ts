// StateDictError is @tensile/nn's: one class for every checkpoint that does not fit (a model's, an
// optimizer's, a scheduler's), so `catch (e) { if (e instanceof StateDictError) … }` sees them all.
export { StateDictError } from '@tensile/nn';

/** A parameter list an optimizer cannot use: duplicate names, a tensor under two names, a non-leaf tensor. */
export class ParameterError extends Error {
  override name = 'ParameterError';
}
