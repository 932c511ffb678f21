// The public surface of @tensile/onnx (re-exports only). Browser-safe: no `node:` imports.
export { exportOnnx, ONNX_OPSET, type ExportOnnxOptions, type ExampleInput } from './export.js';
export { OnnxExportError } from './errors.js';
export { registerOnnxExporter, type ModuleExporter, type ModuleExportContext } from './modules.js';
export { SUPPORTED_OPS } from './ops.js';
// The sequence layers' exporters register themselves (RNN, LSTM, GRU, MultiheadAttention).
export { SEQUENCE_LAYERS } from './sequence.js';
export type { OnnxGraph, Attr, Attrs } from './graph.js';
