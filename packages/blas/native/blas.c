// @tensile/blas's native part: a Node-API module that runs C = A·B through a CBLAS library (OpenBLAS) on
// memory that JS owns, in place: Tensile's wasm linear memory, reached through a Uint8Array over it. The
// library is opened with dlopen at run time (`open`), so this file builds with a C compiler and Node's
// headers alone, and a machine without the library gets an error that names it instead of a failed load.
#include <dlfcn.h>
#include <node_api.h>
#include <stdint.h>
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

static int operand_ok(int64_t at, int64_t batch, int64_t batch_stride, int64_t rows, int64_t cols, int trans, int64_t ld,
                      int64_t size, int64_t bytes) {
  if (at < 0 || at % size != 0 || batch_stride < 0 || ld < 1 || ld > INT32_MAX) return 0;
  if (ld < (trans ? rows : cols)) return 0;
  int64_t last = batch_stride * (batch - 1) + last_element(rows, cols, trans, ld);
  return at + (last + 1) * size <= bytes;
}

// gemm(memory, f32, batch, m, n, k, a, sab, transA, lda, b, sbb, transB, ldb, c, sc, ldc, threads):
// for each i < batch, C_i = op(A_i)·op(B_i), row-major, addresses in bytes into `memory`, batch strides and
// leading dimensions in elements. Every operand is checked to lie inside `memory` before anything runs.
static napi_value gemm(napi_env env, napi_callback_info info) {
  size_t argc = 18;
  napi_value argv[18];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 18) {
    napi_throw_type_error(env, NULL, "tensile_blas.gemm: expected 18 arguments");
    return NULL;
  }
  if (sgemm == NULL) {
    napi_throw_error(env, NULL, "tensile_blas.gemm: no BLAS library is open");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "tensile_blas.gemm: memory must be a Uint8Array");
    return NULL;
  }
  bool f32;
  CHECK(napi_get_value_bool(env, argv[1], &f32));
  int64_t v[16];
  for (int i = 0; i < 16; i++) {
    if (i == 6 || i == 10) { // the transpose flags
      bool t;
      if (napi_get_value_bool(env, argv[i + 2], &t) != napi_ok) {
        napi_throw_type_error(env, NULL, "tensile_blas.gemm: the transpose flags must be booleans");
        return NULL;
      }
      v[i] = t;
    } else if (napi_get_value_int64(env, argv[i + 2], &v[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "tensile_blas.gemm: sizes, addresses and strides must be numbers");
      return NULL;
    }
  }
  const int64_t batch = v[0], m = v[1], n = v[2], k = v[3];
  const int64_t a = v[4], sab = v[5], lda = v[7], b = v[8], sbb = v[9], ldb = v[11], c = v[12], sc = v[13], ldc = v[14];
  const int ta = v[6] != 0, tb = v[10] != 0;
  const int64_t threads = v[15];
  if (batch < 0 || m < 0 || n < 0 || k < 0 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX || threads < 1) {
    napi_throw_range_error(env, NULL, "tensile_blas.gemm: sizes must be non-negative 32-bit integers and threads at least 1");
    return NULL;
  }
  if (batch == 0 || m == 0 || n == 0) return NULL;
  const int64_t size = f32 ? 4 : 8, bytes = (int64_t)length;
  // With k = 0 the product is zeros and A and B are not read.
  if ((k > 0 && (!operand_ok(a, batch, sab, m, k, ta, lda, size, bytes) || !operand_ok(b, batch, sbb, k, n, tb, ldb, size, bytes)))
      || !operand_ok(c, batch, sc, m, n, 0, ldc, size, bytes)) {
    napi_throw_range_error(env, NULL, "tensile_blas.gemm: an operand does not lie inside memory, is misaligned, or has a leading dimension too small for its shape");
    return NULL;
  }
  if (set_threads != NULL && threads != threads_now) {
    set_threads((int)threads);
    threads_now = (int)threads;
  }
  uint8_t *base = (uint8_t *)data;
  for (int64_t i = 0; i < batch; i++) {
    if (f32) {
      float *C = (float *)(base + c) + i * sc;
      if (k == 0) { for (int64_t r = 0; r < m; r++) memset(C + r * ldc, 0, (size_t)n * sizeof(float)); continue; }
      sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, (int)m, (int)n, (int)k, 1.0f,
            (const float *)(base + a) + i * sab, (int)lda, (const float *)(base + b) + i * sbb, (int)ldb, 0.0f, C, (int)ldc);
    } else {
      double *C = (double *)(base + c) + i * sc;
      if (k == 0) { for (int64_t r = 0; r < m; r++) memset(C + r * ldc, 0, (size_t)n * sizeof(double)); continue; }
      dgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, (int)m, (int)n, (int)k, 1.0,
            (const double *)(base + a) + i * sab, (int)lda, (const double *)(base + b) + i * sbb, (int)ldb, 0.0, C, (int)ldc);
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
