// The native kernels (see kernels.h), in AVX2 without FMA: four float64 lanes, multiplies and adds apart.
// Register blocks keep several sums in flight (each lane its own sum); the cases of few rows or columns get
// blocks that still fill the lanes. Threads split the outputs, never a sum: samples for the two products,
// rows for the weight gradient, restarts for the NCF steps.
#include "kernels.h"

#include <immintrin.h>
#include <stddef.h>
#include <time.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC target("avx2")
#endif

typedef __m256d v4;
#define INLINE static inline __attribute__((always_inline))
#define ZERO _mm256_setzero_pd()
#define LD _mm256_loadu_pd
#define ST _mm256_storeu_pd
#define BC _mm256_set1_pd
#define ADD _mm256_add_pd
#define MUL _mm256_mul_pd

/** Below this many multiply-adds a call runs on the calling thread alone. */
#define PARALLEL_WORK 40000

static int min_int(int a, int b) { return a < b ? a : b; }
static int max_int(int a, int b) { return a > b ? a : b; }

// ------------------------------------------------------------------ activations (src/model/activation.ts)

INLINE double sig(double v, Act a) {
  double q = v > 0 ? v : a.alpha * v;
  return a.p == 2 ? q * q : q;
}
// σ': p = 1 → (z > 0 ? 1 : α); p = 2 → (z > 0 ? 2z : 2α²z), twoAlphaSq = (2α)α as JavaScript computes it.
INLINE double sigp(double v, Act a, double twoAlphaSq) {
  if (a.p == 1) return v > 0 ? 1 : a.alpha;
  return v > 0 ? 2 * v : twoAlphaSq * v;
}
INLINE v4 sig4(v4 v, Act a) {
  v4 q = _mm256_blendv_pd(MUL(BC(a.alpha), v), v, _mm256_cmp_pd(v, ZERO, _CMP_GT_OQ));
  return a.p == 2 ? MUL(q, q) : q;
}
INLINE v4 sigp4(v4 v, Act a, double twoAlphaSq) {
  v4 positive = _mm256_cmp_pd(v, ZERO, _CMP_GT_OQ);
  if (a.p == 1) return _mm256_blendv_pd(BC(a.alpha), BC(1.0), positive);
  return _mm256_blendv_pd(MUL(BC(twoAlphaSq), v), MUL(BC(2.0), v), positive);
}

/** r[k] = lane k of a, b, c, d gathered: the 4 × 4 transpose. */
INLINE void transpose4(v4 a, v4 b, v4 c, v4 d, v4 *r) {
  v4 t0 = _mm256_unpacklo_pd(a, b), t1 = _mm256_unpackhi_pd(a, b);
  v4 t2 = _mm256_unpacklo_pd(c, d), t3 = _mm256_unpackhi_pd(c, d);
  r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
  r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
  r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
  r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

INLINE double lane(v4 v, int k) {
  double x[4];
  ST(x, v);
  return x[k];
}

// ------------------------------------------------------------------ the two products

// out[r·n + i] = Σ_k A[r·rs + k·ks] · B[k·n + i]  (r < rows, k < inner): productAB with (rs, ks) = (aStride, 1),
// productAtB with (1, aStride). Lanes over samples i. Epilogue: none, forward (H = σ(out), Hs its
// sample-major copy) or backward (out ⊙ σ'(Zp)).
enum { EPI_NONE, EPI_FORWARD, EPI_BACKWARD };

typedef struct {
  double *out;
  const double *A;
  int rs, ks, rows, inner;
  const double *B;
  int n;
  int epi;
  double *H, *Hs;
  const double *Zp;
  Act act;
  double twoAlphaSq;
  int chunk; // samples per task
} Prod;

/** Samples per cache block: B's rows for these samples stay in L1 while every row block uses them. */
#define SAMPLE_BLOCK 96

INLINE void prod_epilogue(const Prod *p, int R, int V, int j, int i, v4 acc[4][8]) {
  double hs[4][32];
  for (int r = 0; r < R; r++) {
    for (int v = 0; v < V; v++) {
      size_t o = (size_t)(j + r) * (size_t)p->n + (size_t)(i + 4 * v);
      v4 z = acc[r][v];
      if (p->epi == EPI_BACKWARD) z = MUL(z, sigp4(LD(p->Zp + o), p->act, p->twoAlphaSq));
      ST(p->out + o, z);
      if (p->epi == EPI_FORWARD) {
        v4 h = sig4(z, p->act);
        ST(p->H + o, h);
        if (p->Hs) ST(&hs[r][4 * v], h);
      }
    }
  }
  if (p->epi == EPI_FORWARD && p->Hs) {
    for (int s = 0; s < 4 * V; s++) {
      double *row = p->Hs + (size_t)(i + s) * (size_t)p->rows + j;
      for (int r = 0; r < R; r++) row[r] = hs[r][s];
    }
  }
}

INLINE void prod_block(const Prod *p, int R, int V, int j, int i) {
  v4 acc[4][8];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) acc[r][v] = ZERO;
  const double *b = p->B + i;
  const double *a = p->A + (size_t)j * (size_t)p->rs;
  const size_t rs = (size_t)p->rs, ks = (size_t)p->ks, n = (size_t)p->n;
  for (int k = 0; k < p->inner; k++) {
    v4 bv[8];
    for (int v = 0; v < V; v++) bv[v] = LD(b + 4 * v);
    for (int r = 0; r < R; r++) {
      v4 x = BC(a[r * rs]);
      for (int v = 0; v < V; v++) acc[r][v] = ADD(acc[r][v], MUL(x, bv[v]));
    }
    b += n;
    a += ks;
  }
  prod_epilogue(p, R, V, j, i, acc);
}

INLINE void prod_scalar(const Prod *p, int R, int j, int i) {
  double acc[4] = {0, 0, 0, 0};
  const double *a = p->A + (size_t)j * (size_t)p->rs;
  const size_t rs = (size_t)p->rs, n = (size_t)p->n;
  for (int k = 0; k < p->inner; k++) {
    double b = p->B[(size_t)k * n + (size_t)i];
    for (int r = 0; r < R; r++) acc[r] = acc[r] + a[r * rs] * b;
    a += p->ks;
  }
  for (int r = 0; r < R; r++) {
    size_t o = (size_t)(j + r) * n + (size_t)i;
    double z = acc[r];
    if (p->epi == EPI_BACKWARD) z = z * sigp(p->Zp[o], p->act, p->twoAlphaSq);
    p->out[o] = z;
    if (p->epi == EPI_FORWARD) {
      double h = sig(z, p->act);
      p->H[o] = h;
      if (p->Hs) p->Hs[(size_t)i * (size_t)p->rows + (size_t)(j + r)] = h;
    }
  }
}

// Rows j … j + R − 1 over samples [i0, i1): blocks of 4V samples, then of 4, then one at a time.
#define PROD_ROWS(R, V)                                                                                              \
  do {                                                                                                               \
    int i = i0;                                                                                                      \
    for (; i + 4 * (V) <= i1; i += 4 * (V)) prod_block(p, R, V, j, i);                                               \
    for (; i + 4 <= i1; i += 4) prod_block(p, R, 1, j, i);                                                           \
    for (; i < i1; i++) prod_scalar(p, R, j, i);                                                                     \
  } while (0)

static void prod_range(const Prod *p, int from, int to) {
  for (int b0 = from; b0 < to; b0 += SAMPLE_BLOCK) {
    int i0 = b0, i1 = min_int(to, b0 + SAMPLE_BLOCK);
    int j = 0;
    for (; j + 4 <= p->rows; j += 4) PROD_ROWS(4, 2);
    switch (p->rows - j) {
    case 3: PROD_ROWS(3, 3); break;
    case 2: PROD_ROWS(2, 4); break;
    case 1: PROD_ROWS(1, 8); break;
    default: break;
    }
  }
}

static void prod_task(void *ctx, int task) {
  const Prod *p = ctx;
  prod_range(p, task * p->chunk, min_int(p->n, (task + 1) * p->chunk));
}

static void prod_run(Pool *pool, Prod *p) {
  const long work = (long)p->rows * p->inner * p->n;
  const int threads = pool_threads(pool);
  if (threads == 1 || work < PARALLEL_WORK || p->n < 64) {
    prod_range(p, 0, p->n);
    return;
  }
  // about four tasks per thread, each a whole number of 16-sample blocks
  int tasks = min_int(4 * threads, (p->n + 31) / 32);
  p->chunk = ((p->n + tasks - 1) / tasks + 15) & ~15;
  pool_run(pool, prod_task, p, (p->n + p->chunk - 1) / p->chunk);
}

void np_product_ab(Pool *pool, double *out, const double *A, int aStride, int rows, int inner, const double *B,
                   int n, double *H, double *Hs, Act act) {
  Prod p = {out, A, aStride, 1, rows, inner, B, n, H ? EPI_FORWARD : EPI_NONE, H, Hs, NULL, act, 0, 0};
  prod_run(pool, &p);
}

void np_product_atb(Pool *pool, double *out, const double *A, int aStride, int rows, int cols, const double *B,
                    int n, const double *Zp, Act act) {
  Prod p = {out, A,   1,   aStride, cols, rows, B, n, Zp ? EPI_BACKWARD : EPI_NONE, NULL, NULL, Zp, act,
            2 * act.alpha * act.alpha, 0};
  prod_run(pool, &p);
}

// ------------------------------------------------------------------ the weight gradient

// out[j·os + c] += Σ_i D[j·n + i] · H[i·hs + c]: lanes over columns c (H is sample-major); for the last
// columns (fewer than 4) of a 4-row block, lanes over rows (D transposed four samples at a time). Samples in
// cache blocks: each sum goes on from the value stored at the end of the previous block, so its terms are
// still added one by one in order.
typedef struct {
  double *out;
  int os, rows, cols;
  const double *D, *H;
  int hs, n;
  int sampleBlock;
  int rowsPerTask;
} Abt;

INLINE void abt_block(const Abt *q, int R, int V, int j, int c, int i0, int i1) {
  v4 acc[4][4];
  double *o = q->out + (size_t)j * (size_t)q->os + c;
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) acc[r][v] = LD(o + (size_t)r * (size_t)q->os + 4 * v);
  const double *h = q->H + (size_t)i0 * (size_t)q->hs + c;
  const double *d = q->D + (size_t)j * (size_t)q->n;
  const size_t n = (size_t)q->n;
  for (int i = i0; i < i1; i++) {
    v4 hv[4];
    for (int v = 0; v < V; v++) hv[v] = LD(h + 4 * v);
    for (int r = 0; r < R; r++) {
      v4 x = BC(d[r * n + (size_t)i]);
      for (int v = 0; v < V; v++) acc[r][v] = ADD(acc[r][v], MUL(x, hv[v]));
    }
    h += q->hs;
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) ST(o + (size_t)r * (size_t)q->os + 4 * v, acc[r][v]);
}

/** The last T < 4 columns of rows j … j + 3: lanes over the four rows. */
INLINE void abt_rows4(const Abt *q, int T, int j, int c, int i0, int i1) {
  const size_t os = (size_t)q->os, n = (size_t)q->n;
  double *o = q->out + (size_t)j * os + c;
  v4 acc[3];
  for (int t = 0; t < T; t++) acc[t] = _mm256_set_pd(o[3 * os + t], o[2 * os + t], o[os + t], o[t]);
  const double *d0 = q->D + (size_t)j * n, *d1 = d0 + n, *d2 = d1 + n, *d3 = d2 + n;
  int i = i0;
  for (; i + 4 <= i1; i += 4) {
    v4 dv[4];
    transpose4(LD(d0 + i), LD(d1 + i), LD(d2 + i), LD(d3 + i), dv);
    for (int s = 0; s < 4; s++) {
      const double *h = q->H + (size_t)(i + s) * (size_t)q->hs + c;
      for (int t = 0; t < T; t++) acc[t] = ADD(acc[t], MUL(dv[s], BC(h[t])));
    }
  }
  for (; i < i1; i++) {
    v4 dv = _mm256_set_pd(d3[i], d2[i], d1[i], d0[i]);
    const double *h = q->H + (size_t)i * (size_t)q->hs + c;
    for (int t = 0; t < T; t++) acc[t] = ADD(acc[t], MUL(dv, BC(h[t])));
  }
  for (int t = 0; t < T; t++) {
    double x[4];
    ST(x, acc[t]);
    for (int r = 0; r < 4; r++) o[(size_t)r * os + t] = x[r];
  }
}

INLINE void abt_scalar(const Abt *q, int R, int T, int j, int c, int i0, int i1) {
  const size_t os = (size_t)q->os, n = (size_t)q->n;
  double *o = q->out + (size_t)j * os + c;
  double acc[4][3];
  for (int r = 0; r < R; r++)
    for (int t = 0; t < T; t++) acc[r][t] = o[r * os + t];
  for (int i = i0; i < i1; i++) {
    const double *h = q->H + (size_t)i * (size_t)q->hs + c;
    for (int r = 0; r < R; r++) {
      double x = q->D[(size_t)(j + r) * n + (size_t)i];
      for (int t = 0; t < T; t++) acc[r][t] = acc[r][t] + x * h[t];
    }
  }
  for (int r = 0; r < R; r++)
    for (int t = 0; t < T; t++) o[r * os + t] = acc[r][t];
}

// Rows j … j + R − 1, all columns, samples [i0, i1): column blocks of 4V, then of 4, then the last few.
#define ABT_ROWS(R, V)                                                                                               \
  do {                                                                                                               \
    int c = 0;                                                                                                       \
    for (; c + 4 * (V) <= q->cols; c += 4 * (V)) abt_block(q, R, V, j, c, i0, i1);                                   \
    for (; c + 4 <= q->cols; c += 4) abt_block(q, R, 1, j, c, i0, i1);                                               \
    if (c < q->cols) {                                                                                               \
      if ((R) == 4) abt_rows4(q, q->cols - c, j, c, i0, i1);                                                         \
      else abt_scalar(q, R, q->cols - c, j, c, i0, i1);                                                              \
    }                                                                                                                \
  } while (0)

static void abt_range(const Abt *q, int from, int to) {
  for (int i0 = 0; i0 < q->n; i0 += q->sampleBlock) {
    int i1 = min_int(q->n, i0 + q->sampleBlock);
    int j = from;
    for (; j + 4 <= to; j += 4) ABT_ROWS(4, 2);
    switch (to - j) {
    case 3: ABT_ROWS(3, 2); break;
    case 2: ABT_ROWS(2, 4); break;
    case 1: ABT_ROWS(1, 4); break;
    default: break;
    }
  }
}

static void abt_task(void *ctx, int task) {
  const Abt *q = ctx;
  abt_range(q, task * q->rowsPerTask, min_int(q->rows, (task + 1) * q->rowsPerTask));
}

void np_add_product_abt(Pool *pool, double *out, int oStride, int rows, int cols, const double *D, const double *H,
                        int hStride, int n) {
  // about 24 KiB of H per sample block, in whole quads of samples
  int block = max_int(16, min_int(512, 3072 / max_int(cols, 1))) & ~3;
  Abt q = {out, oStride, rows, cols, D, H, hStride, n, block, rows};
  const long work = (long)rows * cols * n;
  const int threads = pool_threads(pool);
  if (threads == 1 || work < PARALLEL_WORK || rows < 8) {
    abt_range(&q, 0, rows);
    return;
  }
  int tasks = min_int(2 * threads, rows / 4);
  q.rowsPerTask = ((rows + tasks - 1) / tasks + 3) & ~3;
  pool_run(pool, abt_task, &q, (rows + q.rowsPerTask - 1) / q.rowsPerTask);
}

// ------------------------------------------------------------------ layouts and the output seed

void np_to_sample_major(double *out, const double *M, int k, int n) {
  for (int c = 0; c < k; c++) {
    const double *row = M + (size_t)c * (size_t)n;
    for (int i = 0; i < n; i++) out[(size_t)i * (size_t)k + (size_t)c] = row[i];
  }
}

void np_to_feature_major(double *out, const double *M, int n, int k) {
  for (int c = 0; c < k; c++) {
    double *row = out + (size_t)c * (size_t)n;
    for (int i = 0; i < n; i++) row[i] = M[(size_t)i * (size_t)k + (size_t)c];
  }
}

void np_output_seed(double *dZ, const double *Z, const double *T, int n, int m, int mode, double scale,
                    double *out) {
  double value = 0;
  for (int i = 0; i < n; i++) {
    for (int c = 0; c < m; c++) {
      size_t k = (size_t)c * (size_t)n + (size_t)i;
      double z = Z[k], t = T[(size_t)i * (size_t)m + (size_t)c];
      if (mode == 0) {
        double e = z - t;
        value = value + e * e;
        dZ[k] = e * scale;
      } else {
        value = value + t * z;
        dZ[k] = t * scale;
      }
    }
  }
  out[0] = value;
}

// ------------------------------------------------------------------ the candidate NCF's pointwise step

// Four restarts at a time, lanes over samples for the element-wise part and over restarts for the values
// (each lane one restart's sum, its samples added in order). A last group of fewer than four restarts
// repeats its last restart in the spare lanes: they compute the same numbers from the same inputs.
typedef struct {
  double *values, *Z, *U;
  int R, n;
  double inv;
  Act act;
  double twoAlphaSq;
  int groupsPerTask;
} Cand;

static void cand_group(const Cand *q, int r) {
  const size_t n = (size_t)q->n;
  double *z[4], *u[4];
  for (int k = 0; k < 4; k++) {
    size_t row = (size_t)min_int(r + k, q->R - 1) * n;
    z[k] = q->Z + row;
    u[k] = q->U + row;
  }
  const v4 iv = BC(q->inv);
  v4 value = ZERO;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v4 zv[4], uv[4], us[4], ds[4], sv[4], t[4];
    for (int k = 0; k < 4; k++) {
      zv[k] = LD(z[k] + i);
      uv[k] = LD(u[k] + i);
    }
    for (int k = 0; k < 4; k++) {
      sv[k] = sig4(zv[k], q->act);
      ds[k] = sigp4(zv[k], q->act, q->twoAlphaSq);
      us[k] = MUL(uv[k], sv[k]);
    }
    for (int k = 0; k < 4; k++) {
      ST(z[k] + i, MUL(MUL(uv[k], ds[k]), iv));
      ST(u[k] + i, MUL(sv[k], iv));
    }
    transpose4(us[0], us[1], us[2], us[3], t);
    value = ADD(value, t[0]);
    value = ADD(value, t[1]);
    value = ADD(value, t[2]);
    value = ADD(value, t[3]);
  }
  for (; i < n; i++) {
    double zs[4], us[4], ss[4], dss[4], uu[4];
    for (int k = 0; k < 4; k++) {
      zs[k] = z[k][i];
      uu[k] = u[k][i];
    }
    for (int k = 0; k < 4; k++) {
      ss[k] = sig(zs[k], q->act);
      dss[k] = sigp(zs[k], q->act, q->twoAlphaSq);
      us[k] = uu[k] * ss[k];
    }
    for (int k = 0; k < 4; k++) {
      z[k][i] = uu[k] * dss[k] * q->inv;
      u[k][i] = ss[k] * q->inv;
    }
    value = ADD(value, _mm256_set_pd(us[3], us[2], us[1], us[0]));
  }
  for (int k = 0; k < 4 && r + k < q->R; k++) q->values[r + k] = lane(value, k) * q->inv;
}

static void cand_task(void *ctx, int task) {
  const Cand *q = ctx;
  for (int g = task * q->groupsPerTask; g < (task + 1) * q->groupsPerTask && 4 * g < q->R; g++) cand_group(q, 4 * g);
}

void np_candidate_pointwise(Pool *pool, double *values, double *Z, double *U, int R, int n, double inv, Act act) {
  Cand q = {values, Z, U, R, n, inv, act, 2 * act.alpha * act.alpha, 1};
  const int groups = (R + 3) / 4;
  if (pool_threads(pool) == 1 || (long)R * n < PARALLEL_WORK / 4 || groups < 2) {
    q.groupsPerTask = groups;
    cand_task(&q, 0);
    return;
  }
  q.groupsPerTask = max_int(1, groups / (4 * pool_threads(pool)));
  pool_run(pool, cand_task, &q, (groups + q.groupsPerTask - 1) / q.groupsPerTask);
}

// ------------------------------------------------------------------ the origin NCF's scalar chain

// Four restarts at a time, lanes over restarts: every sum of a restart (its value, the gradient of its middle
// and output weights) is one lane, its samples added in order. Z1 and D1 move through 4 × 4 transposes.
typedef struct {
  double *values;
  const double *Z1;
  double *D1;
  const double *W;
  double *G;
  const double *Y;
  int R, n, d, L, m;
  double inv;
  Act act;
  double twoAlphaSq;
  int groupsPerTask;
} Origin;

/** One sample of four restarts: s = z_1 in, ∂N/∂z_1 out; sums into total, gmid, gout. */
INLINE v4 origin_sample(const Origin *q, v4 s, const double *y, const v4 *wmid, const v4 *wout, v4 *gmid, v4 *gout,
                        v4 *total, v4 *z, v4 *h) {
  const int L = q->L, m = q->m;
  const v4 iv = BC(q->inv);
  z[1] = s;
  h[1] = sig4(s, q->act);
  for (int l = 2; l < L; l++) {
    z[l] = MUL(wmid[l - 2], h[l - 1]);
    h[l] = sig4(z[l], q->act);
  }
  const v4 last = h[L - 1];
  v4 u = ZERO; // y_i · w_L
  for (int c = 0; c < m; c++) u = ADD(u, MUL(BC(y[c]), wout[c]));
  *total = ADD(*total, MUL(u, last));
  const v4 ti = MUL(last, iv);
  const v4 nonzero = _mm256_cmp_pd(last, ZERO, _CMP_NEQ_UQ);
  for (int c = 0; c < m; c++) gout[c] = _mm256_blendv_pd(gout[c], ADD(gout[c], MUL(ti, BC(y[c]))), nonzero);
  v4 dh = MUL(u, iv);
  for (int l = L - 1; l >= 2; l--) {
    v4 dz = MUL(dh, sigp4(z[l], q->act, q->twoAlphaSq));
    gmid[l - 2] = ADD(gmid[l - 2], MUL(dz, h[l - 1]));
    dh = MUL(dz, wmid[l - 2]);
  }
  return MUL(dh, sigp4(s, q->act, q->twoAlphaSq));
}

static void origin_group(const Origin *q, int r) {
  const int L = q->L, m = q->m, d = q->d;
  const size_t n = (size_t)q->n, dim = (size_t)(d + (L - 2) + m);
  const double *z1[4], *w[4];
  double *d1[4], *g[4];
  for (int k = 0; k < 4; k++) {
    size_t row = (size_t)min_int(r + k, q->R - 1);
    z1[k] = q->Z1 + row * n;
    d1[k] = q->D1 + row * n;
    w[k] = q->W + row * dim;
    g[k] = q->G + row * dim;
  }
  v4 wmid[L > 2 ? L - 2 : 1], gmid[L > 2 ? L - 2 : 1], wout[m], gout[m], z[L], h[L];
  for (int l = 0; l < L - 2; l++) {
    size_t o = (size_t)(d + l);
    wmid[l] = _mm256_set_pd(w[3][o], w[2][o], w[1][o], w[0][o]);
    gmid[l] = _mm256_set_pd(g[3][o], g[2][o], g[1][o], g[0][o]);
  }
  for (int c = 0; c < m; c++) {
    size_t o = (size_t)(d + L - 2 + c);
    wout[c] = _mm256_set_pd(w[3][o], w[2][o], w[1][o], w[0][o]);
    gout[c] = _mm256_set_pd(g[3][o], g[2][o], g[1][o], g[0][o]);
  }
  v4 total = ZERO;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v4 s[4], out[4], back[4];
    transpose4(LD(z1[0] + i), LD(z1[1] + i), LD(z1[2] + i), LD(z1[3] + i), s);
    for (int k = 0; k < 4; k++) {
      const double *y = q->Y + (i + (size_t)k) * (size_t)m;
      out[k] = origin_sample(q, s[k], y, wmid, wout, gmid, gout, &total, z, h);
    }
    transpose4(out[0], out[1], out[2], out[3], back);
    for (int k = 0; k < 4; k++) ST(d1[k] + i, back[k]);
  }
  for (; i < n; i++) {
    v4 s = _mm256_set_pd(z1[3][i], z1[2][i], z1[1][i], z1[0][i]);
    v4 out = origin_sample(q, s, q->Y + i * (size_t)m, wmid, wout, gmid, gout, &total, z, h);
    double x[4];
    ST(x, out);
    for (int k = 0; k < 4; k++) d1[k][i] = x[k];
  }
  for (int k = 0; k < 4 && r + k < q->R; k++) {
    q->values[r + k] = lane(total, k) * q->inv;
    for (int l = 0; l < L - 2; l++) g[k][d + l] = lane(gmid[l], k);
    for (int c = 0; c < m; c++) g[k][d + L - 2 + c] = lane(gout[c], k);
  }
}

static void origin_task(void *ctx, int task) {
  const Origin *q = ctx;
  for (int g = task * q->groupsPerTask; g < (task + 1) * q->groupsPerTask && 4 * g < q->R; g++)
    origin_group(q, 4 * g);
}

void np_origin_chain(Pool *pool, double *values, const double *Z1, double *D1, const double *W, double *G,
                     const double *Y, int R, int n, int d, int L, int m, double inv, Act act) {
  Origin q = {values, Z1, D1, W, G, Y, R, n, d, L, m, inv, act, 2 * act.alpha * act.alpha, 1};
  const int groups = (R + 3) / 4;
  if (pool_threads(pool) == 1 || (long)R * n * (L + m) < PARALLEL_WORK / 2 || groups < 2) {
    q.groupsPerTask = groups;
    origin_task(&q, 0);
    return;
  }
  q.groupsPerTask = max_int(1, groups / (4 * pool_threads(pool)));
  pool_run(pool, origin_task, &q, (groups + q.groupsPerTask - 1) / q.groupsPerTask);
}

// ------------------------------------------------------------------ peak

double np_peak(long rounds) {
  v4 a[6], p[6];
  const v4 x = BC(1e-9), y = BC(1 - 1e-12);
  for (int k = 0; k < 6; k++) {
    a[k] = BC(k);
    p[k] = BC(k + 1);
  }
  for (long t = 0; t < rounds; t++) {
    for (int k = 0; k < 6; k++) {
      a[k] = ADD(a[k], x);
      p[k] = MUL(p[k], y);
    }
    __asm__ volatile("" : "+x"(a[0]), "+x"(a[1]), "+x"(a[2]), "+x"(a[3]), "+x"(a[4]), "+x"(a[5]));
  }
  v4 s = ZERO;
  for (int k = 0; k < 6; k++) s = ADD(s, ADD(a[k], p[k]));
  return lane(s, 0);
}

#if defined(__clang__)
#pragma clang attribute pop
#endif
