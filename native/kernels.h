// The native kernels: the interface of src/linalg/kernel-arena.ts over raw float64 pointers, for x86-64 with
// AVX2. Same exactness contract: every output entry is a sum whose terms are added one by one in ascending
// order of the summed index (from 0, or from the entry's value for the accumulating product); vector lanes
// carry different sums, never parts of one; multiplies and adds are never fused (no FMA, -ffp-contract=off).
// So the results are bit for bit those of the TypeScript reference and the WebAssembly kernels.
#ifndef NP_KERNELS_H
#define NP_KERNELS_H

#include "pool.h"

/** True when this CPU runs the kernels (AVX2). */
int np_supported(void);

/** σ(z) = max(z, αz)^p for p = 1 or 2, as src/model/activation.ts computes it. */
typedef struct {
  int p;
  double alpha;
} Act;

/**
 * out[j·n + i] = Σ_c A[j·aStride + c] · B[c·n + i]; with H, also H = σ(out) and, with Hs, Hs[i·rows + j] = H.
 */
void np_product_ab(Pool *pool, double *out, const double *A, int aStride, int rows, int inner, const double *B,
                   int n, double *H, double *Hs, Act act);
/** out[c·n + i] = Σ_j A[j·aStride + c] · B[j·n + i]; with Zp, each entry then times σ'(Zp[c·n + i]). */
void np_product_atb(Pool *pool, double *out, const double *A, int aStride, int rows, int cols, const double *B,
                    int n, const double *Zp, Act act);
/** out[j·oStride + c] += Σ_i D[j·n + i] · H[i·hStride + c], over the samples in order. */
void np_add_product_abt(Pool *pool, double *out, int oStride, int rows, int cols, const double *D, const double *H,
                        int hStride, int n);
void np_to_sample_major(double *out, const double *M, int k, int n);
void np_to_feature_major(double *out, const double *M, int n, int k);
void np_output_seed(double *dZ, const double *Z, const double *T, int n, int m, int mode, double scale,
                    double *out);
void np_candidate_pointwise(Pool *pool, double *values, double *Z, double *U, int R, int n, double inv, Act act);
void np_origin_chain(Pool *pool, double *values, const double *Z1, double *D1, const double *W, double *G,
                     const double *Y, int R, int n, int d, int L, int m, double inv, Act act);
/** Multiply-and-add pairs on 4-lane vectors in 12 independent chains, `rounds` times: for the peak GFLOP/s. */
double np_peak(long rounds);

#endif
