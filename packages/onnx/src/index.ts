// The public surface of @tensile/onnx (re-exports only). Browser-safe: no `node:` imports.
export { exportOnnx, ONNX_OPSET, type ExportOnnxOptions } from './export.js';
export { OnnxExportError } from './errors.js';
export { registerOnnxExporter, type ModuleExporter, type ModuleExportContext } from './modules.js';
export { SUPPORTED_OPS } from './ops.js';
export type { OnnxGraph, Attr, Attrs } from './graph.js';
