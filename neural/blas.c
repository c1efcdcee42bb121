/* neural/blas.c: the one place that owns OpenBLAS. Which kernel runs, and getting the fast
 * one: Debian's OpenBLAS 0.3.21 picks its kernel when the library loads, and on some machines
 * with AVX-512 it falls back to a generic one (Prescott) that runs sgemm 5x slower. It reads
 * OPENBLAS_CORETYPE at load time only, so when the kernel it picked is below what the CPU
 * can run and the user has not set that variable, nous sets it and executes itself again
 * (nn_blas_prepare, first thing in main). The products nous uses: sgemm for training and
 * search, dsyrk and dgemm in double for the PCA. How many threads: only OpenBLAS's own, set here
 * (threads of ours on top of its threads slow both down). Flush-to-zero for the training
 * thread, and a measured sgemm peak for the benchmark. */
#include "internal.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <xmmintrin.h>

/* Declared by OpenBLAS's cblas.h in some versions only. */
char *openblas_get_corename(void);
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

/* How wide a kernel's vectors are: 3 AVX-512, 2 AVX2 + FMA, 1 AVX, 0 older or unknown. */
static int kernel_class(const char *core)
{
    static const char *const avx512[] = {"SkylakeX", "Cooperlake", "SapphireRapids"};
    static const char *const avx2[] = {"Haswell", "Zen", "Excavator", "SkylakeX"};
    for (size_t i = 0; i < sizeof avx512 / sizeof avx512[0]; i++)
        if (strcasecmp(core, avx512[i]) == 0) return 3;
    for (size_t i = 0; i < sizeof avx2 / sizeof avx2[0]; i++)
        if (strcasecmp(core, avx2[i]) == 0) return 2;
    if (strcasecmp(core, "Sandybridge") == 0 || strcasecmp(core, "Bulldozer") == 0 ||
        strcasecmp(core, "Piledriver") == 0 || strcasecmp(core, "Steamroller") == 0)
        return 1;
    return 0;
}

/* The best OpenBLAS kernel this CPU (and its OS: the builtins check the saved vector state)
 * can run, and its class; NULL when nothing better than the generic ones. */
static const char *cpu_kernel(int *cls)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
        *cls = 3;
        return "SkylakeX";
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        *cls = 2;
        return __builtin_cpu_is("amd") ? "Zen" : "Haswell";
    }
    *cls = 0;
    return NULL;
}

void nn_blas_prepare(char **argv)
{
    if (getenv("OPENBLAS_CORETYPE")) return; /* the user's choice stands */
    int want_class;
    const char *want = cpu_kernel(&want_class);
    const char *have = openblas_get_corename();
    if (!want || !have || kernel_class(have) >= want_class) return;
    /* once only: after the exec the variable is set */
    if (setenv("OPENBLAS_CORETYPE", want, 1) != 0) return;
    execv("/proc/self/exe", argv);
    /* could not: go on with the slow kernel, and say which runs (nn_blas_kernel) */
    unsetenv("OPENBLAS_CORETYPE");
}

const char *nn_blas_kernel(void)
{
    const char *core = openblas_get_corename();
    return core ? core : "unknown";
}

void nn_blas_set_threads(int n)
{
    if (n < 1) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (int)cpus : 1;
    }
    openblas_set_num_threads(n);
}

int nn_blas_threads(void) { return openblas_get_num_threads(); }

void nn_blas_flush_to_zero(void)
{
    /* FTZ (bit 15) and DAZ (bit 6): tiny values become 0 instead of slow denormals */
    _mm_setcsr(_mm_getcsr() | 0x8040);
}

double nn_blas_peak_gflops(size_t n)
{
    float *a = kg_malloc(n * n * sizeof *a), *b = kg_malloc(n * n * sizeof *b),
          *c = kg_malloc(n * n * sizeof *c);
    double best = 0;
    if (a && b && c) {
        for (size_t i = 0; i < n * n; i++) a[i] = (float)(i % 7) * 0.25f, b[i] = (float)(i % 5) * 0.5f;
        for (int rep = 0; rep < 4; rep++) {
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, a,
                        (int)n, b, (int)n, 0.0f, c, (int)n);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
            double g = 2.0 * (double)n * (double)n * (double)n / s / 1e9;
            if (rep > 0 && g > best) best = g; /* the first call warms up */
        }
    }
    kg_free(a);
    kg_free(b);
    kg_free(c);
    return best;
}

/* Time spent in sgemm and its work, since the last reset (one training run at a time). */
static double sgemm_seconds, sgemm_flops;

void nn_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
              const float *b, size_t ldb, float beta, float *c, size_t ldc)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, 1.0f, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sgemm_seconds += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    sgemm_flops += 2.0 * (double)m * (double)n * (double)k;
}

void nn_dsyrk(size_t n, size_t k, const double *a, size_t lda, double beta, double *c, size_t ldc)
{
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)n, (int)k, 1.0, a, (int)lda, beta, c,
                (int)ldc);
}

void nn_dgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, const double *a, size_t lda,
              const double *b, size_t ldb, double beta, double *c, size_t ldc)
{
    cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0, a, (int)lda, b,
                (int)ldb, beta, c, (int)ldc);
}

void nn_sgemv(size_t m, size_t n, const float *a, size_t lda, const float *x, float *y)
{
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)n, 1.0f, a, (int)lda, x, 1, 0.0f, y, 1);
}

void nn_sgemm_counters(double *seconds, double *gflop, int reset)
{
    if (seconds) *seconds = sgemm_seconds;
    if (gflop) *gflop = sgemm_flops / 1e9;
    if (reset) sgemm_seconds = sgemm_flops = 0;
}
