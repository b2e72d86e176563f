// The N-API face of the native kernels (src/native/kernels-native.ts drives it). Every kernel takes the
// arena's ArrayBuffer and byte offsets into it, like the WebAssembly kernels take offsets into their memory,
// and checks that every panel it touches lies inside the buffer. Each Node environment (the main thread, each
// worker thread) has its own thread pool; the kernels themselves keep no state.
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"
#include "pool.h"

int np_supported(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
#else
  return 0;
#endif
}

typedef struct {
  Pool *pool; // NULL: one thread
} Instance;

static void instance_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Instance *instance = data;
  pool_destroy(instance->pool);
  free(instance);
}

static Instance *instance_of(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

#define MAX_ARGS 16

/** A call's arguments: the arena's memory, then integers and doubles. */
typedef struct {
  napi_env env;
  napi_value argv[MAX_ARGS];
  size_t argc;
  char *base;
  size_t bytes;
  int failed;
} Call;

static int begin(napi_env env, napi_callback_info info, Call *call, size_t expected, int withBuffer) {
  call->env = env;
  call->argc = MAX_ARGS;
  call->failed = 0;
  if (napi_get_cb_info(env, info, &call->argc, call->argv, NULL, NULL) != napi_ok || call->argc != expected) {
    napi_throw_type_error(env, NULL, "native kernels: wrong number of arguments");
    return 0;
  }
  if (!withBuffer) return 1;
  void *data = NULL;
  if (napi_get_arraybuffer_info(env, call->argv[0], &data, &call->bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "native kernels: the first argument must be the arena's ArrayBuffer");
    return 0;
  }
  call->base = data;
  return 1;
}

static int32_t int_arg(Call *call, int k) {
  int32_t v = 0;
  if (!call->failed && napi_get_value_int32(call->env, call->argv[k], &v) != napi_ok) {
    napi_throw_type_error(call->env, NULL, "native kernels: an integer argument is not a number");
    call->failed = 1;
  }
  return v;
}

static double double_arg(Call *call, int k) {
  double v = 0;
  if (!call->failed && napi_get_value_double(call->env, call->argv[k], &v) != napi_ok) {
    napi_throw_type_error(call->env, NULL, "native kernels: a number argument is not a number");
    call->failed = 1;
  }
  return v;
}

/** The panel at byte offset `offset` holding `count` doubles (NULL, with a RangeError thrown, outside the buffer). */
static double *panel(Call *call, int32_t offset, int64_t count) {
  if (call->failed) return NULL;
  if (count <= 0) return (double *)(call->base + (offset >= 0 ? offset : 0));
  if (offset < 0 || (offset & 7) != 0 || (uint64_t)offset + (uint64_t)count * 8 > call->bytes) {
    napi_throw_range_error(call->env, NULL, "native kernels: a panel lies outside the arena");
    call->failed = 1;
    return NULL;
  }
  return (double *)(call->base + offset);
}

static int dims_ok(Call *call, int ok) {
  if (!call->failed && !ok) {
    napi_throw_range_error(call->env, NULL, "native kernels: negative or zero dimension");
    call->failed = 1;
  }
  return !call->failed;
}

static Act act_arg(Call *call, int k) {
  Act act = {int_arg(call, k), double_arg(call, k + 1)};
  if (!call->failed && act.p != 1 && act.p != 2) {
    napi_throw_range_error(call->env, NULL, "native kernels: only p = 1 and p = 2 run natively");
    call->failed = 1;
  }
  return act;
}

/** Rows of `width` doubles, `stride` apart: the doubles they span. */
static int64_t span(int64_t rows, int64_t stride, int64_t width) { return rows <= 0 ? 0 : (rows - 1) * stride + width; }

// productAB(buffer, out, A, aStride, rows, inner, B, n) and forwardLayer(…, H, Hs (0: none), p, alpha)
static napi_value product_ab(napi_env env, napi_callback_info info, int fused) {
  Call c;
  if (!begin(env, info, &c, fused ? 12 : 8, 1)) return NULL;
  int aStride = int_arg(&c, 3), rows = int_arg(&c, 4), inner = int_arg(&c, 5), n = int_arg(&c, 7);
  if (!dims_ok(&c, rows > 0 && inner > 0 && n > 0 && aStride >= inner)) return NULL;
  double *out = panel(&c, int_arg(&c, 1), (int64_t)rows * n);
  const double *A = panel(&c, int_arg(&c, 2), span(rows, aStride, inner));
  const double *B = panel(&c, int_arg(&c, 6), (int64_t)inner * n);
  double *H = NULL, *Hs = NULL;
  Act act = {1, 1};
  if (fused) {
    H = panel(&c, int_arg(&c, 8), (int64_t)rows * n);
    int32_t hs = int_arg(&c, 9);
    Hs = hs ? panel(&c, hs, (int64_t)rows * n) : NULL;
    act = act_arg(&c, 10);
  }
  if (c.failed) return NULL;
  np_product_ab(instance_of(env)->pool, out, A, aStride, rows, inner, B, n, H, Hs, act);
  return NULL;
}
static napi_value product_ab_plain(napi_env env, napi_callback_info info) { return product_ab(env, info, 0); }
static napi_value forward_layer(napi_env env, napi_callback_info info) { return product_ab(env, info, 1); }

// productAtB(buffer, out, A, aStride, rows, cols, B, n) and backwardLayer(…, Zp, p, alpha)
static napi_value product_atb(napi_env env, napi_callback_info info, int fused) {
  Call c;
  if (!begin(env, info, &c, fused ? 11 : 8, 1)) return NULL;
  int aStride = int_arg(&c, 3), rows = int_arg(&c, 4), cols = int_arg(&c, 5), n = int_arg(&c, 7);
  if (!dims_ok(&c, rows > 0 && cols > 0 && n > 0 && aStride >= cols)) return NULL;
  double *out = panel(&c, int_arg(&c, 1), (int64_t)cols * n);
  const double *A = panel(&c, int_arg(&c, 2), span(rows, aStride, cols));
  const double *B = panel(&c, int_arg(&c, 6), (int64_t)rows * n);
  const double *Zp = NULL;
  Act act = {1, 1};
  if (fused) {
    Zp = panel(&c, int_arg(&c, 8), (int64_t)cols * n);
    act = act_arg(&c, 9);
  }
  if (c.failed) return NULL;
  np_product_atb(instance_of(env)->pool, out, A, aStride, rows, cols, B, n, Zp, act);
  return NULL;
}
static napi_value product_atb_plain(napi_env env, napi_callback_info info) { return product_atb(env, info, 0); }
static napi_value backward_layer(napi_env env, napi_callback_info info) { return product_atb(env, info, 1); }

// addProductABt(buffer, out, oStride, rows, cols, D, H, hStride, n)
static napi_value add_product_abt(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, 9, 1)) return NULL;
  int oStride = int_arg(&c, 2), rows = int_arg(&c, 3), cols = int_arg(&c, 4), hStride = int_arg(&c, 7),
      n = int_arg(&c, 8);
  if (!dims_ok(&c, rows > 0 && cols > 0 && n > 0 && oStride >= cols && hStride >= cols)) return NULL;
  double *out = panel(&c, int_arg(&c, 1), span(rows, oStride, cols));
  const double *D = panel(&c, int_arg(&c, 5), (int64_t)rows * n);
  const double *H = panel(&c, int_arg(&c, 6), span(n, hStride, cols));
  if (c.failed) return NULL;
  np_add_product_abt(instance_of(env)->pool, out, oStride, rows, cols, D, H, hStride, n);
  return NULL;
}

// toSampleMajor(buffer, out, M, k, n) and toFeatureMajor(buffer, out, M, n, k)
static napi_value layout(napi_env env, napi_callback_info info, int toSample) {
  Call c;
  if (!begin(env, info, &c, 5, 1)) return NULL;
  int a = int_arg(&c, 3), b = int_arg(&c, 4);
  if (!dims_ok(&c, a > 0 && b > 0)) return NULL;
  double *out = panel(&c, int_arg(&c, 1), (int64_t)a * b);
  const double *M = panel(&c, int_arg(&c, 2), (int64_t)a * b);
  if (c.failed) return NULL;
  if (toSample) np_to_sample_major(out, M, a, b);
  else np_to_feature_major(out, M, a, b);
  return NULL;
}
static napi_value to_sample_major(napi_env env, napi_callback_info info) { return layout(env, info, 1); }
static napi_value to_feature_major(napi_env env, napi_callback_info info) { return layout(env, info, 0); }

// outputSeed(buffer, dZ, Z, T, n, m, mode, scale, out)
static napi_value output_seed(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, 9, 1)) return NULL;
  int n = int_arg(&c, 4), m = int_arg(&c, 5), mode = int_arg(&c, 6);
  double scale = double_arg(&c, 7);
  if (!dims_ok(&c, n > 0 && m > 0)) return NULL;
  double *dZ = panel(&c, int_arg(&c, 1), (int64_t)n * m);
  const double *Z = panel(&c, int_arg(&c, 2), (int64_t)n * m);
  const double *T = panel(&c, int_arg(&c, 3), (int64_t)n * m);
  double *out = panel(&c, int_arg(&c, 8), 1);
  if (c.failed) return NULL;
  np_output_seed(dZ, Z, T, n, m, mode, scale, out);
  return NULL;
}

// candidatePointwise(buffer, values, Z, U, R, n, inv, p, alpha)
static napi_value candidate_pointwise(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, 9, 1)) return NULL;
  int R = int_arg(&c, 4), n = int_arg(&c, 5);
  double inv = double_arg(&c, 6);
  Act act = act_arg(&c, 7);
  if (!dims_ok(&c, R > 0 && n > 0)) return NULL;
  double *values = panel(&c, int_arg(&c, 1), R);
  double *Z = panel(&c, int_arg(&c, 2), (int64_t)R * n);
  double *U = panel(&c, int_arg(&c, 3), (int64_t)R * n);
  if (c.failed) return NULL;
  np_candidate_pointwise(instance_of(env)->pool, values, Z, U, R, n, inv, act);
  return NULL;
}

// originChain(buffer, values, Z1, D1, W, G, Y, R, n, d, L, m, inv, p, alpha)
static napi_value origin_chain(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, 15, 1)) return NULL;
  int R = int_arg(&c, 7), n = int_arg(&c, 8), d = int_arg(&c, 9), L = int_arg(&c, 10), m = int_arg(&c, 11);
  double inv = double_arg(&c, 12);
  Act act = act_arg(&c, 13);
  if (!dims_ok(&c, R > 0 && n > 0 && d > 0 && L >= 2 && L <= 64 && m > 0)) return NULL;
  const int64_t dim = (int64_t)d + (L - 2) + m;
  double *values = panel(&c, int_arg(&c, 1), R);
  const double *Z1 = panel(&c, int_arg(&c, 2), (int64_t)R * n);
  double *D1 = panel(&c, int_arg(&c, 3), (int64_t)R * n);
  const double *W = panel(&c, int_arg(&c, 4), R * dim);
  double *G = panel(&c, int_arg(&c, 5), R * dim);
  const double *Y = panel(&c, int_arg(&c, 6), (int64_t)n * m);
  if (c.failed) return NULL;
  np_origin_chain(instance_of(env)->pool, values, Z1, D1, W, G, Y, R, n, d, L, m, inv, act);
  return NULL;
}

// setThreads(n): the threads kernels may use, the calling one included (1: no pool).
static napi_value set_threads(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, 1, 0)) return NULL;
  int threads = int_arg(&c, 0);
  if (!dims_ok(&c, threads >= 1 && threads <= 64)) return NULL;
  Instance *instance = instance_of(env);
  if (pool_threads(instance->pool) == threads) return NULL;
  pool_destroy(instance->pool);
  instance->pool = threads > 1 ? pool_create(threads) : NULL;
  return NULL;
}

static napi_value threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_int32(env, pool_threads(instance_of(env)->pool), &result);
  return result;
}

typedef struct {
  long rounds;
  double sink;
} Peak;

static void peak_task(void *ctx, int task) {
  (void)task;
  Peak *peak = ctx;
  peak->sink += np_peak(peak->rounds); // a data race on a sink nobody reads: only keeps the loop alive
}

// peak(rounds, tasks): seconds to run the 48-flop peak loop `rounds` times in each of `tasks` tasks on the pool.
static napi_value peak(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, 2, 0)) return NULL;
  Peak p = {int_arg(&c, 0), 0};
  int tasks = int_arg(&c, 1);
  if (!dims_ok(&c, p.rounds > 0 && tasks > 0)) return NULL;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pool_run(instance_of(env)->pool, peak_task, &p, tasks);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  napi_value result;
  napi_create_double(env, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value supported;
  napi_get_boolean(env, np_supported(), &supported);
  napi_set_named_property(env, exports, "supported", supported);
  if (!np_supported()) return exports;
  Instance *instance = calloc(1, sizeof(Instance));
  if (!instance || napi_set_instance_data(env, instance, instance_free, NULL) != napi_ok) return exports;
  const struct {
    const char *name;
    napi_callback fn;
  } functions[] = {
      {"productAB", product_ab_plain},
      {"forwardLayer", forward_layer},
      {"productAtB", product_atb_plain},
      {"backwardLayer", backward_layer},
      {"addProductABt", add_product_abt},
      {"toSampleMajor", to_sample_major},
      {"toFeatureMajor", to_feature_major},
      {"outputSeed", output_seed},
      {"candidatePointwise", candidate_pointwise},
      {"originChain", origin_chain},
      {"setThreads", set_threads},
      {"threads", threads},
      {"peak", peak},
  };
  for (size_t k = 0; k < sizeof functions / sizeof functions[0]; k++) {
    napi_value f;
    napi_create_function(env, functions[k].name, NAPI_AUTO_LENGTH, functions[k].fn, NULL, &f);
    napi_set_named_property(env, exports, functions[k].name, f);
  }
  return exports;
}
