// @tensile/blas's native part: a Node-API module that runs C = A·B through a CBLAS library (OpenBLAS) on
// memory that JS owns, in place: Float32Array/Float64Array operands, over Tensile's wasm memory or not. The
// library is opened with dlopen at run time (`open`), so this file builds with a C compiler and Node's
// headers alone, and a machine without the library gets an error that names it instead of a failed load.
#include <dlfcn.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double *, int, const double *, int, double, double *, int);

static sgemm_fn sgemm = NULL;
static dgemm_fn dgemm = NULL;
static void (*set_threads)(int) = NULL;
static char *(*get_config)(void) = NULL;
static char *(*get_corename)(void) = NULL;
static int threads_now = -1;

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "tensile_blas: a Node-API call failed"); return NULL; } } while (0)

static napi_value str_or_null(napi_env env, const char *s) {
  napi_value v;
  if (s == NULL) napi_get_null(env, &v);
  else napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

// open(path): loads a CBLAS library; returns null on success, else the loader's message.
static napi_value open_library(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  size_t len;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "tensile_blas.open: expected a library path");
    return NULL;
  }
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) return str_or_null(env, dlerror());
  sgemm_fn s = (sgemm_fn)dlsym(h, "cblas_sgemm");
  dgemm_fn d = (dgemm_fn)dlsym(h, "cblas_dgemm");
  if (s == NULL || d == NULL) {
    dlclose(h);
    return str_or_null(env, "the library has no cblas_sgemm/cblas_dgemm");
  }
  sgemm = s;
  dgemm = d;
  set_threads = (void (*)(int))dlsym(h, "openblas_set_num_threads");
  get_config = (char *(*)(void))dlsym(h, "openblas_get_config");
  get_corename = (char *(*)(void))dlsym(h, "openblas_get_corename");
  threads_now = -1;
  return str_or_null(env, NULL);
}

// info(): { config, coreName } (OpenBLAS's own words; null for another CBLAS).
static napi_value library_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o;
  CHECK(napi_create_object(env, &o));
  CHECK(napi_set_named_property(env, o, "config", str_or_null(env, get_config ? get_config() : NULL)));
  CHECK(napi_set_named_property(env, o, "coreName", str_or_null(env, get_corename ? get_corename() : NULL)));
  return o;
}

// The last element (in elements from the operand's start) a rows × cols operand reaches, stored
// row-major with leading dimension ld, or transposed (stored cols × rows).
static int64_t last_element(int64_t rows, int64_t cols, int trans, int64_t ld) {
  return trans ? (cols - 1) * ld + (rows - 1) : (rows - 1) * ld + (cols - 1);
}

// Whether a batch of rows × cols operands at element `offset` of an array of `length` elements, batch
// stride `batch_stride`, lies inside the array with a leading dimension BLAS accepts.
static int operand_ok(int64_t offset, int64_t batch, int64_t batch_stride, int64_t rows, int64_t cols, int trans,
                      int64_t ld, int64_t length) {
  if (offset < 0 || batch_stride < 0 || ld < 1 || ld > INT32_MAX) return 0;
  if (ld < (trans ? rows : cols)) return 0;
  return offset + batch_stride * (batch - 1) + last_element(rows, cols, trans, ld) < length;
}

// The data and length (elements) of a Float32Array (want32) or Float64Array argument, or NULL after
// throwing a TypeError naming it.
static void *float_array(napi_env env, napi_value v, int want32, const char *name, int64_t *length) {
  napi_typedarray_type type;
  size_t len;
  void *data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &len, &data, &buffer, &offset) != napi_ok
      || type != (want32 ? napi_float32_array : napi_float64_array)) {
    char msg[128];
    snprintf(msg, sizeof msg, "tensile_blas.gemm: %s must be a %s", name, want32 ? "Float32Array" : "Float64Array");
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  *length = (int64_t)len;
  return data != NULL ? data : (void *)"";
}

// gemm(f32, batch, m, n, k, A, aOffset, sab, transA, lda, B, bOffset, sbb, transB, ldb, C, cOffset, sc, ldc,
// threads): for each i < batch, C_i = op(A_i)·op(B_i) (C overwritten), row-major; offsets, batch strides and
// leading dimensions in elements of each array. Every operand is checked to lie inside its array first.
static napi_value gemm(napi_env env, napi_callback_info info) {
  size_t argc = 20;
  napi_value argv[20];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 20) {
    napi_throw_type_error(env, NULL, "tensile_blas.gemm: expected 20 arguments");
    return NULL;
  }
  if (sgemm == NULL) {
    napi_throw_error(env, NULL, "tensile_blas.gemm: no BLAS library is open");
    return NULL;
  }
  bool f32;
  if (napi_get_value_bool(env, argv[0], &f32) != napi_ok) {
    napi_throw_type_error(env, NULL, "tensile_blas.gemm: f32 must be a boolean");
    return NULL;
  }
  // The numbers: batch, m, n, k (argv 1–4); offset, batch stride, (flag), ld of A (6–9), B (11–14); C's (16–18); threads (19).
  static const int numbers[] = {1, 2, 3, 4, 6, 7, 9, 11, 12, 14, 16, 17, 18, 19};
  int64_t v[20] = {0};
  for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
    if (napi_get_value_int64(env, argv[numbers[i]], &v[numbers[i]]) != napi_ok) {
      napi_throw_type_error(env, NULL, "tensile_blas.gemm: sizes, offsets and strides must be numbers");
      return NULL;
    }
  }
  bool ta, tb;
  if (napi_get_value_bool(env, argv[8], &ta) != napi_ok || napi_get_value_bool(env, argv[13], &tb) != napi_ok) {
    napi_throw_type_error(env, NULL, "tensile_blas.gemm: the transpose flags must be booleans");
    return NULL;
  }
  int64_t alen, blen, clen;
  void *A = float_array(env, argv[5], f32, "A", &alen);
  if (A == NULL) return NULL;
  void *B = float_array(env, argv[10], f32, "B", &blen);
  if (B == NULL) return NULL;
  void *C = float_array(env, argv[15], f32, "C", &clen);
  if (C == NULL) return NULL;
  const int64_t batch = v[1], m = v[2], n = v[3], k = v[4];
  const int64_t aoff = v[6], sab = v[7], lda = v[9], boff = v[11], sbb = v[12], ldb = v[14];
  const int64_t coff = v[16], sc = v[17], ldc = v[18], threads = v[19];
  if (batch < 0 || m < 0 || n < 0 || k < 0 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX || threads < 1) {
    napi_throw_range_error(env, NULL, "tensile_blas.gemm: sizes must be non-negative 32-bit integers and threads at least 1");
    return NULL;
  }
  if (batch == 0 || m == 0 || n == 0) return NULL;
  // With k = 0 the product is zeros and A and B are not read.
  if ((k > 0 && (!operand_ok(aoff, batch, sab, m, k, ta, lda, alen) || !operand_ok(boff, batch, sbb, k, n, tb, ldb, blen)))
      || !operand_ok(coff, batch, sc, m, n, 0, ldc, clen)) {
    napi_throw_range_error(env, NULL, "tensile_blas.gemm: an operand does not lie inside its array, or has a leading dimension too small for its shape");
    return NULL;
  }
  if (set_threads != NULL && threads != threads_now) {
    set_threads((int)threads);
    threads_now = (int)threads;
  }
  for (int64_t i = 0; i < batch; i++) {
    if (f32) {
      float *c = (float *)C + coff + i * sc;
      if (k == 0) { for (int64_t r = 0; r < m; r++) memset(c + r * ldc, 0, (size_t)n * sizeof(float)); continue; }
      sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, (int)m, (int)n, (int)k, 1.0f,
            (const float *)A + aoff + i * sab, (int)lda, (const float *)B + boff + i * sbb, (int)ldb, 0.0f, c, (int)ldc);
    } else {
      double *c = (double *)C + coff + i * sc;
      if (k == 0) { for (int64_t r = 0; r < m; r++) memset(c + r * ldc, 0, (size_t)n * sizeof(double)); continue; }
      dgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, (int)m, (int)n, (int)k, 1.0,
            (const double *)A + aoff + i * sab, (int)lda, (const double *)B + boff + i * sbb, (int)ldb, 0.0, c, (int)ldc);
    }
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value f;
  CHECK(napi_create_function(env, "open", NAPI_AUTO_LENGTH, open_library, NULL, &f));
  CHECK(napi_set_named_property(env, exports, "open", f));
  CHECK(napi_create_function(env, "info", NAPI_AUTO_LENGTH, library_info, NULL, &f));
  CHECK(napi_set_named_property(env, exports, "info", f));
  CHECK(napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, gemm, NULL, &f));
  CHECK(napi_set_named_property(env, exports, "gemm", f));
  return exports;
}
