/* tests/neural/test_vecmath.c: the vectorised loops of training against plain libm
 * arithmetic: the softmax (its exponential is a polynomial) over rows with every length
 * remainder, a spread of magnitudes and entries far below the maximum; the Adagrad step. */
#include "neural/internal.h"

#include <criterion/criterion.h>
#include <math.h>

Test(vecmath, softmax_matches_libm)
{
    KgRng g;
    kg_rng_seed(&g, 7);
    for (size_t n = 1; n <= 37; n += 3) {
        float row[37], ref[37];
        double mx = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            /* scores from -200 to +40: some underflow to (about) zero against the maximum; the
             * float subtraction of the maximum alone costs a few 1e-6 of relative error */
            row[i] = (float)(kg_rng_uniform(&g) * 240.0 - 200.0) * (i % 4 == 0 ? 1.0f : 0.05f);
            ref[i] = row[i];
            if (row[i] > mx) mx = row[i];
        }
        double z = 0;
        for (size_t i = 0; i < n; i++) z += exp((double)ref[i] - mx);
        double lse = nn_softmax_row(row, n, 0.5f);
        cr_assert_float_eq(lse, log(z) + mx, 1e-5 * fabs(log(z) + mx) + 1e-6, "n %zu", n);
        double total = 0;
        for (size_t i = 0; i < n; i++) {
            double want = 0.5 * exp((double)ref[i] - mx) / z;
            cr_assert(fabs(row[i] - want) <= 1e-5 * want + 1e-30, "n %zu entry %zu: %g vs %g", n, i,
                      (double)row[i], want);
            cr_assert(row[i] >= 0);
            total += row[i];
        }
        cr_assert_float_eq(total, 0.5, 1e-6);
    }
}

Test(vecmath, softmax_of_equal_scores_is_uniform)
{
    float row[10];
    for (int i = 0; i < 10; i++) row[i] = -3.25f;
    double lse = nn_softmax_row(row, 10, 1.0f);
    cr_assert_float_eq(lse, -3.25 + log(10.0), 1e-6);
    for (int i = 0; i < 10; i++) cr_assert_float_eq(row[i], 0.1f, 1e-7);
}

Test(vecmath, adagrad_step)
{
    float x[11], sum[11], grad[11];
    for (int i = 0; i < 11; i++) x[i] = (float)i, sum[i] = (float)(i % 3), grad[i] = 0.5f * (float)(i - 5);
    nn_adagrad(x, sum, grad, 11, 0.1f);
    for (int i = 0; i < 11; i++) {
        double gi = 0.5 * (i - 5), s = (i % 3) + gi * gi;
        cr_assert_float_eq(sum[i], s, 1e-6);
        cr_assert_float_eq(x[i], i - 0.1 * gi / (sqrt(s) + 1e-10), 1e-6, "entry %d", i);
        cr_assert(grad[i] == 0.0f);
    }
}
