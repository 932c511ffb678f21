/** A model that cannot be written as ONNX; the message names the op or module and its path. */
export class OnnxExportError extends Error {
  override name = 'OnnxExportError';
}
