// How a strided matrix operand of the products the wasm backend offers maps onto BLAS's row-major arguments.

/** A matrix as BLAS takes it in row-major order: whether it is stored transposed, and its leading dimension. */
export interface BlasOperand {
  readonly trans: boolean;
  readonly ld: number;
}

/**
 * The BLAS form of a `rows × cols` matrix whose element (i, j) lies at `i·rowStride + j·colStride`, or null
 * when BLAS cannot address it: neither stride is 1, or a stride is too small for the other extent (a
 * broadcast operand with stride 0 along an axis longer than 1, say). A row or column of one accepts any
 * stride along its single index.
 */
export function blasOperand(rows: number, cols: number, rowStride: number, colStride: number): BlasOperand | null {
  if ((colStride === 1 || cols === 1) && (rows === 1 || rowStride >= Math.max(cols, 1))) {
    return { trans: false, ld: rows === 1 ? Math.max(cols, 1) : rowStride };
  }
  if ((rowStride === 1 || rows === 1) && (cols === 1 || colStride >= Math.max(rows, 1))) {
    return { trans: true, ld: cols === 1 ? Math.max(rows, 1) : colStride };
  }
  return null;
}
