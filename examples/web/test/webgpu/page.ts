// The page of the WebGPU seam test: the same ops on the WebGPU test backend and on the JS backend, read back.
import { DeviceError, add, jsBackend, mul, neg, relu, setBackend, sub, tensor, type Tensor } from '@tensile/tensor';
import { GpuStorage, webgpuBackend } from './backend.js';

async function ops(): Promise<{ y: Tensor; results: unknown[] }> {
  const x = tensor([[1, -2, 3], [4, 5, -6]]);
  const w = tensor([[0.5, 2, -1], [1, -1, 0.25]]);
  const b = tensor([0.5, 1, 1.5]); // broadcast over rows: a stride-0 view
  const y = relu(add(mul(x, w), b));
  const z = neg(sub(y.t(), 1)); // a transposed operand, and a scalar (filled on the device)
  return { y, results: [await y.toArrayAsync(), await z.toArrayAsync(), Array.from(await y.narrow(1, 1, 2).toTypedArrayAsync()), await y.narrow(0, 1, 1).narrow(1, 0, 1).itemAsync()] };
}

(window as unknown as { run: () => Promise<unknown> }).run = async () => {
  setBackend(jsBackend);
  const cpu = await ops();
  const gpu = await webgpuBackend();
  setBackend(gpu);
  const dev = await ops();
  let syncRead = '';
  try {
    void dev.y.data;
  } catch (e) {
    syncRead = e instanceof DeviceError ? e.message : `not a DeviceError: ${String(e)}`;
  }
  return {
    cpu: cpu.results, gpu: dev.results, onGpu: dev.y.storage instanceof GpuStorage, submitted: gpu.submitted(), syncRead, printed: String(dev.y),
  };
};
(window as unknown as { ready: boolean }).ready = true;
